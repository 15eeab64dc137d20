"""The shape of fanzha's records, by field name: a warning's fields (imported, then its state), a station's, a
stop-payment's. The store, the importer, the card, ``--json`` and the export all take their fields from here."""

SHORT, LONG = 64, 10_000  # the longest value accepted: longer is a damaged row, not a real name, id or station


class Field:
    """A field of a warning as the platform sends it. (A plain class: a NamedTuple would cost every command's start
    a fifth of a millisecond.)"""

    __slots__ = ("column", "headers", "label", "limit", "on_card")

    def __init__(
        self,
        column: str,  # its name in the database, on the card and in --json
        headers: tuple[str, ...],  # the header names an export may give it: the platform's own first, English last
        limit: int = SHORT,  # the longest value accepted
        on_card: bool = False,  # an optional field shown on the card and in --json as it was imported
        label: tuple[str, str] = ("", ""),  # how the card names it, in Chinese and in English
    ) -> None:
        self.column, self.headers, self.limit, self.on_card, self.label = column, headers, limit, on_card, label

    @property
    def word(self) -> str:
        """How a message names it: ``risk``, ``phone``."""
        return self.headers[-1]


# What every export carries, each read by its own rule (files.importer.RowChecker).
REQUIRED_FIELDS = (
    Field("id", ("预警编号", "编号", "预警id", "warning_id", "id")),
    Field("time", ("预警时间", "时间", "下发时间", "warning_time", "time")),
    Field("risk_level", ("风险等级", "等级", "预警等级", "risk")),
    Field("name", ("姓名", "受害人姓名", "当事人", "name")),
    Field("phone", ("手机号", "手机号码", "联系电话", "电话", "phone")),
    Field("station", ("辖区派出所", "派出所", "管辖派出所", "所属派出所", "station")),
)
# What an export may carry: text kept as written (trimmed; an empty cell is none), up to its limit. A new column of
# the platform is one line here and a migration that adds its column; on_card shows it on the card (after the
# clue) and in --json.
OPTIONAL_FIELDS = (
    Field("fraud_type", ("诈骗类型", "预警类型", "预警类别", "类型", "fraud_type")),
    Field("address", ("住址", "地址", "户籍地址", "居住地址", "address"), LONG, True, ("住址", "address")),
    Field("clue", ("线索描述", "预警内容", "线索", "备注", "clue"), LONG, True, ("线索", "clue")),
    Field("id_card", ("身份证号", "身份证号码", "证件号码", "id_card")),
)
IMPORTED_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
# A warning's columns as imported, in the order of an import's rows (then the batch's id).
WARNING_COLUMNS = tuple(field.column for field in IMPORTED_FIELDS)
OPTIONAL_COLUMNS = tuple(field.column for field in OPTIONAL_FIELDS)
CARD_FIELDS = tuple(field for field in OPTIONAL_FIELDS if field.on_card)
LIMITS = {field.column: field.limit for field in IMPORTED_FIELDS}


# The tables of fanzha's data, on every engine: what `db info` counts and `db copy` moves (in this order, each
# after those it refers to), with their columns on every engine and the key that tells a row is there already.
TABLES = (
    "batches",
    "warnings",
    "events",
    "stations",
    "settings",
    "stop_payments",
    "skips",
    "access_log",
    "fanzha_keys",
)
# The access log (SPEC §10): each full phone, ID number or account number shown, by whom, when, where.
ACCESS_ROW = ("id", "at", "officer", "warning_id", "field", "command")
ACCESS_FIELDS = ("phone", "id_card", "account")


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
    "acked_at",
    "first_call_by",
    "moved_from",  # the station that had it before the one that has it (none for the first hand-over)
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
    "hold_until",
    "extended_at",
    "freeze_at",
    "released_at",
)


# The bank's answer; a hold (of a stop-payment that took effect) ends at hold_until unless frozen or released.
STOP_PAY_RESULT = ("status", "kept_fen", "result_at", "reason", "hold_until")
# The life of a hold after it took effect (SPEC §7, 银发〔2016〕86号): extended once, a formal freeze, released.
STOP_PAY_HOLD = ("hold_until", "extended_at", "freeze_at", "released_at")


# A warning as every store returns it: what was imported, its batch, its state; an event as the desk reads it.
WARNING_ROW = (*WARNING_COLUMNS, "batch_id", *WARNING_STATE)
EVENT_ROW = ("id", "warning_id", "at", "logged_at", "officer", "action", "outcome", "station", "channels", "details")
# A row of an export as every store returns it: a tuple in this order (a city's day is tens of thousands of them,
# so no dict per row, and no column the export does not show), the warning and its disposition counted up.
EXPORTED_COLUMNS = (
    "id",
    "time",
    "risk_level",
    "fraud_type",
    "name",
    "phone",
    "station",
    "status",
    "first_call_at",
    "escalated_at",
    "escalated_to",
    "visit_result",
    "closed_at",
)
EXPORT_ROW = (
    *EXPORTED_COLUMNS,
    "calls",
    "last_outcome",
    "escalations",
    "visit_count",
    "stop_pays",
    "stop_fen",
    "kept_fen",
)


TABLE_COLUMNS = {
    "batches": ("id", "file", "sha256", "imported_at", "officer", "rows", "new", "duplicate", "rejected"),
    "warnings": (*WARNING_ROW, "phone_hash", "purged_at"),
    "events": (*EVENT_ROW, "act", "undoes"),
    "stations": STATION_COLUMNS,
    "settings": ("key", "value"),
    "stop_payments": STOP_PAY_ROW,
    "skips": ("officer", "warning_id", "until"),
    "access_log": ACCESS_ROW,
    "fanzha_keys": ("name", "value"),
}
TABLE_KEYS = {
    "batches": ("id",),
    "warnings": ("id",),
    "events": ("id",),
    "stations": ("name",),
    "settings": ("key",),
    "stop_payments": ("id",),
    "skips": ("officer", "warning_id"),
    "access_log": ("id",),
    "fanzha_keys": ("name",),
}
