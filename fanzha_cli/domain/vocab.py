"""Every word the officer may type and every label fanzha shows, English and Chinese, in one place.

A word table maps each accepted word (lower-cased, spaces taken out when read) to its one English key, the key
included; labels map a key to what an output shows. Plain data: importing this costs nothing worth measuring.
"""

from __future__ import annotations


def word_table(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {word.lower(): key for key, words in table.items() for word in (key, *words)}


def word_key(table: dict[str, str], text: str) -> str | None:
    """An officer's word, English or Chinese, any case or spacing, to its one English key; None if not a word."""
    return table.get("".join(text.split()).lower())


# --- a warning: its risk and its status -------------------------------------------------------------------------

RISK_LEVELS = {1: "medium", 2: "high", 3: "urgent"}
RISK_LABELS_ZH = {1: "中风险", 2: "高风险", 3: "紧急"}
# read as written first (the import's fast path), then without spaces and lower-cased
RISK_WORDS = {
    "中风险": 1,
    "中": 1,
    "medium": 1,
    "高风险": 2,
    "高": 2,
    "high": 2,
    "紧急": 3,
    "紧急风险": 3,
    "urgent": 3,
}
STATUS_LABELS_ZH = {"new": "待处理", "taken": "处理中", "retry": "待重拨", "escalated": "已移交", "closed": "已办结"}
STATUS_WORDS = word_table(
    {
        "new": ("新", "未处理", "待处理"),
        "taken": ("处理中", "在手", "已领取"),
        "retry": ("待重拨", "重拨", "待回拨"),
        "escalated": ("已移交", "移交", "已下发", "待上门"),
        "closed": ("已办结", "办结", "已处置", "结案"),
    }
)
# `list --status open`: every status but closed, the default view named
OPEN_WORDS = {"open", "未办结", "未结", "在办"}

# --- what the desk does ---------------------------------------------------------------------------------------

OUTCOME_WORDS = word_table(
    {
        "reached": ("已接通", "接通", "通了", "已劝阻"),
        "unreachable": ("未接通", "打不通", "没接通", "无人接听", "未接"),
        "distrustful": ("不信任", "不相信", "不配合"),
    }
)
OUTCOME_ZH = {"reached": "已接通", "unreachable": "未接通", "distrustful": "不信任"}
VISIT_WORDS = word_table(
    {
        "dissuaded": ("劝阻", "已劝阻", "劝阻成功", "已见面"),
        "not-found": ("not_found", "notfound", "未找到", "找不到", "未见到", "不在家"),
        "moved": ("搬走", "已搬走", "不在辖区", "转办", "移交"),
    }
)
VISIT_ZH = {"dissuaded": "已劝阻", "not-found": "未找到", "moved": "已转办"}
CHANNELS = ("platform", "wechat", "phone")
CHANNEL_WORDS = word_table({"platform": ("平台", "系统"), "wechat": ("微信", "微信群"), "phone": ("电话", "打电话")})
ACTION_ZH = {
    "import": "导入",
    "take": "领取",
    "call": "呼叫",
    "sms": "短信预警",
    "escalate": "移交派出所",
    "visit": "上门",
    "release": "放回",
    "note": "备注",
    "edit": "更正",
    "undo": "撤销",
    "stop-pay": "紧急止付",
    "reclaimed": "收回",
    "ack": "签收",
}
OVERDUE_REASON_WORDS = {
    "hold_ending": "stop-payment hold ending",
    "in_hand": "in hand",
    "retry": "retry due",
    "ack": "not acknowledged by its station",
    "station": "with its station",
    "stop_pay": "stop-payment unanswered",
}

# --- stop-payment (SPEC §7) -------------------------------------------------------------------------------------

STOP_PAY_RESULT_WORDS = word_table(
    {
        "frozen": ("冻结", "已冻结", "全部冻结", "止付成功"),
        "partial": ("部分", "部分冻结", "部分止付"),
        "failed": ("失败", "未冻结", "止付失败", "已转走"),
    }
)
STOP_PAY_STATUS_ZH = {"open": "待银行回复", "frozen": "已冻结", "partial": "部分冻结", "failed": "止付失败"}

# --- the day's report -----------------------------------------------------------------------------------------

# What chooses the warnings of an export: their own time (the default), or an action done on them in the range.
EXPORT_BY_WORDS = word_table(
    {
        "warning": ("warnings", "预警", "按预警", "预警时间", "按预警时间"),
        "action": ("actions", "acted", "处置", "按处置", "处置时间", "按处置时间"),
    }
)

# --- who may do what in centre mode (SPEC §9) ------------------------------------------------------------------

ROLES = ("desk", "station", "supervisor", "admin")
ROLE_WORDS = word_table(
    {
        "desk": ("坐席", "接警", "反诈坐席", "民警", "辅警"),
        "station": ("派出所", "所", "社区民警"),
        "supervisor": ("督导", "督办", "领导", "值班领导"),
        "admin": ("管理员", "系统管理员"),
    }
)
ROLE_ZH = {"desk": "坐席", "station": "派出所", "supervisor": "督导", "admin": "管理员"}

# Shell completion (`fanzha --install-completion`) offers the words each value takes, English and Chinese.
COMPLETION_WORDS = {
    "outcome": ("reached", "unreachable", "distrustful", "已接通", "未接通", "打不通", "不信任"),
    "visit": ("dissuaded", "not-found", "moved", "劝阻", "未找到", "搬走"),
    "status": (
        "new",
        "taken",
        "retry",
        "escalated",
        "closed",
        "open",
        "待处理",
        "处理中",
        "待重拨",
        "已移交",
        "已办结",
    ),
    "risk": ("medium", "high", "urgent", "中风险", "高风险", "紧急"),
    "channel": ("platform", "wechat", "phone", "平台", "微信", "电话"),
    "role": ("desk", "station", "supervisor", "admin", "坐席", "派出所", "督导", "管理员"),
}
