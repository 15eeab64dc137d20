"""What the officer reads out (the call script) and sends (the SMS warning), filled in for one warning.

The texts are package data in fanzha_cli/resources, so a district can reword them without touching code.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
DEFAULT_TIP = "骗子的话术千变万化，记住一点：陌生人让您转账、给验证码的，都是诈骗。"


@cache
def _text(name: str) -> str:
    return (RESOURCES / name).read_text(encoding="utf-8").strip()


@cache
def _tips() -> dict[str, str]:
    lines = _text("fraud_tips.csv").splitlines()[1:]
    return dict(line.split(",", 1) for line in lines if "," in line)


def tip(fraud_type: str | None) -> str:
    """What to tell a person about this kind of fraud, in one sentence."""
    return _tips().get(fraud_type or "", DEFAULT_TIP)


def call_script(warning: dict, district: str) -> str:
    fraud_type = warning.get("fraud_type") or ""
    return _text("call_script.txt").format(
        name=warning["name"], district=district, fraud_type=fraud_type or "电信网络", tip=tip(fraud_type)
    )


def sms_text(warning: dict, district: str) -> str:
    return _text("sms.txt").format(name=warning["name"], district=district)
