"""``common.db.ConnectionSession``: a unit of work's transaction on one connection, for Core statements
run through ``execute`` and through ``Prepared`` (on the driver connection) alike."""
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from common.db import Prepared, make_connection_session_factory, make_engine

metadata = MetaData()
items = Table("items", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))
ADD = Prepared(insert(items).inline(), returns_rows=False, column_keys=("id", "name"))


def _names(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(items.c.name).order_by(items.c.id)).scalars())


def test_statements_run_on_the_driver_commit_with_the_session(database_url):
    engine = make_engine(database_url)
    try:
        metadata.create_all(engine)
        factory = make_connection_session_factory(engine)
        with factory() as session:
            ADD.run(session, {"id": 1, "name": "driver"})  # the first statement of its transaction
            session.commit()
            ADD.run(session, {"id": 2, "name": "after the commit"})
            session.execute(insert(items).values(id=3, name="core"))
            session.commit()
        with factory() as session:
            ADD.run(session, {"id": 4, "name": "rolled back"})
            session.rollback()
            ADD.run(session, {"id": 5, "name": "left open"})
        # Closed with its transaction open: the pool rolls it back.
        assert _names(engine) == ["driver", "after the commit", "core"]
        with factory() as session:
            assert session.scalars(select(items.c.id).order_by(items.c.id)).all() == [1, 2, 3]
            with session.begin_nested():
                session.execute(insert(items).values(id=6, name="savepoint"))
            session.commit()
        assert _names(engine)[-1] == "savepoint"
    finally:
        metadata.drop_all(engine)
        engine.dispose()
