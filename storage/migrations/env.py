"""Alembic environment: runs on the connection handed over by storage.migrate, or on a URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.schema import metadata

config = context.config
target_metadata = metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url (alembic -x or alembic.ini) to run Alembic directly")
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()
