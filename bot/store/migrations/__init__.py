"""Alembic migrations of the app's schema (``env.py``, ``versions/``), run by ``bot.store.schema.prepare``.

They ship inside the package so an installed app can upgrade its own database; no ``alembic.ini`` is needed.
"""
