"""The driver, psycopg2, imported once for the PostgreSQL store (and only for it)."""

from __future__ import annotations

import sys


def _import_driver():
    """psycopg2, without the 8 ms of Python's `ssl` module it imports only to hand OpenSSL's thread callbacks to
    libpq. With `ssl` unimportable, psycopg2 takes its own documented fallback (the one for a Python built without
    OpenSSL): libpq sets OpenSSL up itself, which OpenSSL 3 needs no callbacks for. SSL connections are libpq's and
    are unaffected; `ssl` is importable again afterwards."""
    if "ssl" in sys.modules:
        import psycopg2
    else:
        sys.modules["ssl"] = None  # an ImportError inside psycopg2's C initialisation, cleared there
        try:
            import psycopg2
        finally:
            del sys.modules["ssl"]
    return psycopg2


psycopg2 = _import_driver()
