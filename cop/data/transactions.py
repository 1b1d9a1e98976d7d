"""One serialised read-and-write unit, on SQLite and on PostgreSQL.

Every write compares against what is stored (which keys exist, the values a row replaces,
the municipality codes and ids a row points to) and then writes. Read and write must be one
unit that no other writer can interleave with: when two writers each read the same state
and then write, one silently undoes the other (issue 11: two simultaneous imports, one row
lost). :func:`locked` opens that unit.

* **SQLite** has one writer at a time. ``BEGIN IMMEDIATE`` takes the write lock *before*
  the first read, so the read and the write are one serialised unit; a second writer waits
  (the busy timeout set in :func:`cop.data.storage.make_engine`) instead of failing, and in
  WAL mode readers keep reading the last committed state meanwhile.
* **PostgreSQL** lets transactions run side by side, so :func:`locked` takes
  transaction-level advisory locks (released at commit or rollback): *exclusive* on every
  table the transaction writes, *shared* on the tables it only points to. Two writers of one
  table therefore take turns, like on SQLite, while readers are never blocked (MVCC; advisory
  locks do not touch rows). A shared lock on ``municipalities`` held by a measures import
  keeps a concurrent ``municipalities --replace`` from removing a code the import is about
  to use, and the other way round.

  Why a lock per table and not ``SELECT ... FOR UPDATE`` on the rows: a write also decides
  about rows that do not exist yet (is key 17 an insert or an update? which rows does
  ``--replace`` remove?), and row locks cannot lock absent rows. With only row locks, two
  imports that both add key 17 would both record an *insert* (one of them is really an
  update), which the change history of issue 12 would then undo wrongly. Writes here are
  seconds long and rare, so taking turns per table costs nothing a person notices.

Locks are always taken in one global order (:data:`LOCK_ORDER`), so two transactions can
never wait for each other in a circle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cop.data.schema import TABLE_ORDER

SCHEMA_LOCK = "schema"  # migrations: one upgrade at a time
LOCK_ORDER: tuple[str, ...] = (SCHEMA_LOCK, *TABLE_ORDER)


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name`` (the same in every process)."""
    digest = hashlib.sha256(f"cop-dashboard:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _order(name: str) -> tuple[int, str]:
    return (LOCK_ORDER.index(name) if name in LOCK_ORDER else len(LOCK_ORDER), name)


@contextmanager
def locked(
    engine: Engine, *, exclusive: Iterable[str] = (), shared: Iterable[str] = ()
) -> Iterator[Connection]:
    """A transaction holding the write lock (SQLite) or these table locks (PostgreSQL).

    Commits when the block ends normally, rolls back on an exception. The block may call
    ``conn.rollback()`` itself (a dry run, a refused write); nothing is committed then.
    """
    exclusive = set(exclusive)
    shared = set(shared) - exclusive
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            if conn.dialect.name == "sqlite":
                # pysqlite starts transactions itself only before INSERT/UPDATE/DELETE; an
                # explicit BEGIN IMMEDIATE makes the reads that come first part of it too.
                # Another writer holding the lock: SQLite waits up to the busy timeout.
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif conn.dialect.name == "postgresql":
                for name in sorted(exclusive | shared, key=_order):
                    function = "pg_advisory_xact_lock" + ("" if name in exclusive else "_shared")
                    conn.execute(sa.text(f"SELECT {function}(:key)"), {"key": lock_key(name)})
            yield conn
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            raise
        if transaction.is_active:
            transaction.commit()
