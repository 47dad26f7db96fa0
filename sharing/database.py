"""Database engine set-up that differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any, TypeVar

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event, insert, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, make_transient_to_detached

from .extensions import db

#: Execution option that makes an SQLite transaction take the write lock at BEGIN.
SQLITE_BEGIN_IMMEDIATE = "quartierauto_begin_immediate"
#: Connection info key: whether the SQLite connection's current transaction began as a writer.
_WRITER = "quartierauto_writer"


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
        connection.info[_WRITER] = immediate


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
    session = _unwrapped(session)
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() must come before any change in the transaction")
        if session.connection().info.get(_WRITER):
            return  # began as a writer already, as every transaction of a state-changing request does
        session.rollback()  # end the read transaction (e.g. loading the user) to begin as a writer
    session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})


def commit_keeping_loaded(session: Session) -> None:
    """Commit without expiring the session's objects.

    Right after a use case commits, its objects hold exactly what it read and wrote in that
    transaction; the view that presents them (the API's answer to a new booking) would otherwise
    load each of them again. The session's next commit or rollback expires them as usual.
    """
    session = _unwrapped(session)
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


Model = TypeVar("Model")


@cache
def _insert_of(model: type) -> tuple[Any, list[tuple[str, str]]]:
    """A model's INSERT (built once), and which attribute each column of its table fills."""
    return insert(model.__table__), [(attr.key, attr.columns[0].key) for attr in inspect(model).column_attrs]


def insert_row(session: Session, model: type[Model], values: dict[str, Any]) -> Model:
    """Insert one row with a plain INSERT; the row comes back as a persistent ORM object.

    For a single row the unit of work costs several times the statement it sends, so the booking
    hot path inserts this way. The object is in the session's
    identity map with the values as inserted (column defaults included; the models have no server
    defaults); changes pending before it are flushed first, so rows still reach the database in
    the order the use case made them.
    """
    session = _unwrapped(session)
    result = _insert(session, model, values)
    inserted = {**result.last_inserted_params(), **result.inserted_primary_key._asdict()}
    obj = model(**{key: inserted.get(column) for key, column in _insert_of(model)[1]})
    make_transient_to_detached(obj)  # as if loaded: no pending change, nothing to insert again
    session.add(obj)
    return obj


def insert_values(session: Session, model: type, values: dict[str, Any]) -> int:
    """Insert one row like `insert_row`, for rows nobody reads back in the transaction; the new id."""
    return _insert(_unwrapped(session), model, values).inserted_primary_key[0]


def _insert(session: Session, model: type, values: dict[str, Any]):
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(_insert_of(model)[0], values)


def _unwrapped(session: Session) -> Session:
    """The session itself behind a scoped_session (Flask-SQLAlchemy's db.session)."""
    return session.registry() if hasattr(session, "registry") else session
