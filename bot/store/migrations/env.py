"""Alembic's environment: the app's metadata, and a connection given by ``prepare`` or made from the settings.

``bot.store.schema.prepare`` passes its own connection (already in a transaction and holding the migration lock)
in ``config.attributes["connection"]``; the ``alembic`` command line (see ``alembic.ini``) gets none, and connects
to the database the app would use (``DATABASE_URL``, else the SQLite file in the data directory).
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from bot.store.db import Base, Database
from bot.store.schema import import_table_modules, include_object, render_item

import_table_modules()
config = context.config
if config.attributes.get("connection") is None and config.config_file_name:  # the command line: its logging setup
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def configure(**kwargs) -> None:
    context.configure(
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: autogenerate writes batch operations
        render_item=render_item,
        include_object=include_object,
        compare_type=True,
        **kwargs,
    )


def database_url() -> str:
    if url := config.get_main_option("sqlalchemy.url"):
        return url
    from bot.config import Settings

    return Settings.from_env().resolved_database_url


def run_offline() -> None:
    url = database_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    configure(url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        configure(connection=connection)
        with context.begin_transaction():  # a no-op inside prepare's transaction, which commits it
            context.run_migrations()
        return
    database = Database(database_url())
    try:
        with database.engine.connect() as connection:
            configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        database.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
