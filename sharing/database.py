"""Database engine set-up that differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .extensions import db

#: Execution option that makes an SQLite transaction take the write lock at BEGIN.
SQLITE_BEGIN_IMMEDIATE = "quartierauto_begin_immediate"


def configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL for concurrent readers, a generous busy timeout, explicit BEGIN.

    pysqlite's own transaction handling delays BEGIN and cannot take the write lock up
    front; we switch it off and emit BEGIN ourselves, IMMEDIATE where a writer asks for it.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get(SQLITE_BEGIN_IMMEDIATE, False) or _writing_request()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


#: Set while a scheduler job runs: its transactions read and then write, like a state-changing request.
_writing_job: ContextVar[bool] = ContextVar("quartierauto_writing_job", default=False)


@contextmanager
def writer_transactions() -> Iterator[None]:
    """Within this block (a scheduler job), every SQLite transaction begins as a writer."""
    token = _writing_job.set(True)
    try:
        yield
    finally:
        _writing_job.reset(token)


def _writing_request() -> bool:
    """Whether we run a scheduler job or serve a request that may change data (anything but GET, HEAD, OPTIONS).

    An SQLite transaction that has read cannot start writing while another connection writes: it
    fails at once with "database is locked", whatever the busy timeout. So every transaction of a
    state-changing request takes the write lock when it begins (and waits its turn for it); page
    views stay concurrent readers. PostgreSQL is not affected.
    """
    if _writing_job.get():
        return True
    return (has_request_context() and request.method not in {"GET", "HEAD", "OPTIONS"}
            and current_app.config.get("BOOKING_DB_GUARD", True))  # off only to prove the race tests can fail


def init_database(app: Flask) -> None:
    """Hook dialect-specific set-up onto the engine Flask-SQLAlchemy creates."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine)


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer.

    On SQLite this takes the database's write lock at once (BEGIN IMMEDIATE), so the
    check-then-insert of a booking cannot interleave with another writer's. On
    PostgreSQL it is an ordinary transaction: the exclusion constraint guards overlaps.
    Must be called before anything else runs in the transaction.
    """
    session = session.registry() if hasattr(session, "registry") else session  # unwrap scoped_session
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() must come before any change in the transaction")
        session.rollback()  # end the read transaction (e.g. loading the user) to begin as a writer
    session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})
