"""Run a service's Alembic migrations from code (CLI, launchers and tests share this path)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from .db import ensure_database, normalise_url


def alembic_config(script_location: Path, url: str) -> Config:
    """Return an Alembic config pointing at a service's ``migrations`` folder and database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    """Create the database if needed and bring it to ``revision``."""
    ensure_database(url)
    command.upgrade(alembic_config(script_location, url), revision)


def run_environment(metadata) -> None:
    """The body of every service's ``migrations/env.py``: offline SQL or online upgrade of ``metadata``.

    Batch mode lets later migrations alter tables on SQLite too (``make run``).
    """
    from alembic import context
    from sqlalchemy import pool

    from .db import make_engine

    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                              compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def add_outbox_parking(op) -> None:
    """The outbox columns of failed-publish back-off and parking, and the index the relay claims by."""
    import sqlalchemy as sa

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_outbox_pending", "outbox", ["id"], unique=False,
                    postgresql_where=sa.text("published_at IS NULL"), sqlite_where=sa.text("published_at IS NULL"))


def drop_outbox_parking(op) -> None:
    """Undo ``add_outbox_parking``."""
    op.drop_index("ix_outbox_pending", table_name="outbox")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("parked_at")
        batch_op.drop_column("next_attempt_at")


def drop_outbox_published_index(op) -> None:
    """Drop the outbox's index on ``published_at``: nothing reads by it, every mark wrote to it, and
    with it the relay's claim was planned as a bitmap scan of every pending row, then a sort, instead
    of a walk of ``ix_outbox_pending`` in id order that stops after one batch."""
    op.drop_index("ix_outbox_published_at", table_name="outbox")


def restore_outbox_published_index(op) -> None:
    """Undo ``drop_outbox_published_index``."""
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"], unique=False)
