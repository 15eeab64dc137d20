"""The plans of fanzha's statements, as SQLite makes them: read on a large database by the tests
(tests/test_store.py) and the benchmarks (bench/), from the statements the store really runs."""

from __future__ import annotations

from collections.abc import Callable

from fanzha_cli.domain.supervision import CUTOFF_KEYS
from fanzha_cli.storage.sqlite.store import SqliteStore


class _Recorder:
    """A connection that notes every statement run through it with its parameters (for plans_of)."""

    def __init__(self, conn) -> None:
        self._conn, self.statements = conn, []

    def execute(self, sql: str, params=()):
        self.statements.append((sql, params))
        return self._conn.execute(sql, params)

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


def plans_of(
    store: SqliteStore, call: Callable[[SqliteStore], object], *, writes: bool = False
) -> list[tuple[str, list[str]]]:
    """The plan of every statement that ``call(store)`` runs through its connection's ``execute``, as run (its
    text and its parameters bound, as SQLite plans it): the real statements, never a restatement. The call is made
    once for real; one that ``writes`` (and opens no transaction of its own) runs inside a savepoint rolled back
    after."""
    conn = store.conn
    recorder = _Recorder(conn)
    if writes:
        conn.execute("SAVEPOINT plans_of")
    store.conn = recorder  # type: ignore[assignment]
    try:
        call(store)
        return [
            (sql, [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)])
            for sql, params in recorder.statements
            if sql.lstrip().upper().startswith(("SELECT", "WITH", "UPDATE", "DELETE", "INSERT"))
        ]
    finally:
        store.conn = conn
        if writes and conn.in_transaction:
            conn.execute("ROLLBACK TO plans_of")
            conn.execute("RELEASE plans_of")


# The queries `next`, `log` and the reminder run on every call, as they run.
_AT = "2026-11-24 12:00:00"
_CUTOFFS = dict.fromkeys(CUTOFF_KEYS, _AT)
HOT_QUERIES: dict[str, Callable[[SqliteStore], object]] = {
    "queue_head": lambda store: store.queue_head(_AT),
    "take_head": lambda store: store.take_head("o", _AT),
    "stale_holds": lambda store: store.stale_holds(_AT),
    "held_by": lambda store: store.held_by("o"),
    "count_received": lambda store: store.count_received(_AT[:10]),
    "count_overdue": lambda store: store.count_overdue(_CUTOFFS),
}


def query_plan(store: SqliteStore, name: str) -> list[str]:
    """The plan of one of the hot queries, every statement's steps in turn."""
    return [step for _, plan in plans_of(store, HOT_QUERIES[name], writes=True) for step in plan]


def find_plan(store: SqliteStore, kind: str) -> list[str]:
    """The plan of one kind of ``find``, as find_warnings runs it."""
    params = {"tail": "0008", "phone": "10012340008", "name": "周某", "typed": "wh0008", "id": "WH0008"}
    return [step for _, plan in plans_of(store, lambda s: s.find_warnings(kind, 20, **params)) for step in plan]
