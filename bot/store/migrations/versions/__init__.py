"""Revisions, oldest first: ``0001`` is the schema the app had before Alembic; each later one changes it."""
