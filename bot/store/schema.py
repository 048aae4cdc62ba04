"""Creating the app's tables, once, safely when several processes start together.

Every table module is imported here so ``Base.metadata`` knows them all. Two processes creating the same table
at the same moment make one of them fail with "already exists"; trying again then finds the tables and skips.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import DatabaseError

from bot.store.db import Base, Database

log = logging.getLogger(__name__)


def _import_table_modules() -> None:
    from bot.engines.local import tables as local_tables  # noqa: F401
    from bot.store import tables  # noqa: F401


def prepare(database: Database, attempts: int = 5) -> None:
    """Create every missing table of the app."""
    _import_table_modules()
    for attempt in range(attempts):
        try:
            Base.metadata.create_all(database.engine)
            return
        except DatabaseError as exc:
            if "already exists" not in str(exc) or attempt == attempts - 1:
                raise
            log.info("another process is creating the tables; checking again")
            time.sleep(0.2 * (attempt + 1))
