"""The PostgreSQL store: the whole centre on one server (SPEC §8). Imported only for a ``postgresql://`` or
``postgres://`` location, so that the SQLite path's start-up never pays for the driver."""
