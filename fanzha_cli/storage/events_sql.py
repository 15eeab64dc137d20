"""The SQL about events that both engines speak, for both stores and the day's counts (storage.day_counts): one
text each, so that what "stands" and what "acts on a warning" mean cannot drift between engines."""

from fanzha_cli.domain.model import DISPOSITIONS

# An event stands unless an undo names the act it belongs to (the event read as ``e``).
STANDS = "NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.act)"
# Acting on a warning (a disposition), as a list for IN (…)
DISPOSING = ", ".join(f"'{action}'" for action in DISPOSITIONS)
