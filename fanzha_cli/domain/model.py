"""The shape of fanzha's records, by field name: a warning's fields (imported, then its state), a station's, a
stop-payment's. The store, the importer, the card, ``--json`` and the export all take their fields from here."""

WARNING_COLUMNS = (
    "id",
    "time",
    "risk_level",
    "fraud_type",
    "name",
    "phone",
    "station",
    "address",
    "clue",
    "id_card",
)


# What an action may change on a warning; an event's snapshot of these is what undo restores.
WARNING_STATE = (
    "status",
    "holder",
    "held_since",
    "due_at",
    "attempts",
    "escalated_at",
    "escalated_to",
    "station_since",
    "visits",
    "visit_result",
    "closed_at",
    "first_call_at",
)


# What `edit` may correct of what the platform sent (SPEC §3); only an edit's snapshot of these is restored by undo.
EDITABLE = ("phone", "name", "station", "address", "fraud_type")


OPEN_STATUSES = ("new", "taken", "retry", "escalated")


DISPOSITIONS = ("call", "sms", "escalate", "visit", "stop-pay")


STATION_COLUMNS = ("name", "duty_phone", "wechat_group")


STOP_PAY_ROW = (
    "id",
    "warning_id",
    "bank",
    "account",
    "amount_fen",
    "requested_at",
    "officer",
    "status",
    "kept_fen",
    "result_at",
    "reason",
    "note",
)


STOP_PAY_RESULT = ("status", "kept_fen", "result_at", "reason")
