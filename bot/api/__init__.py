"""The Symbl-compatible Async API server (``symbl-bot api``): the offline engine behind Symbl's HTTP contract.

``auth`` issues and checks tokens, ``wire`` turns requests into engine calls' arguments and the engine's insights
into Symbl's JSON, ``store`` keeps which client owns which conversation and job, ``app`` routes requests, ``watcher``
follows jobs (webhooks, re-queued orphans) and ``server`` runs it all under granian.
"""
