"""Money as officers write it, kept as whole fen: never a float, from the first character typed to the JSON out.

``450000``, ``450,000.00``, ``45万``, ``4.5万元``, ``¥1,200.5`` are all read exactly (with Decimal), and printed
back from the integer by integer arithmetic alone.
"""

from __future__ import annotations

import re

_UNITS = {"": 1, "万": 10_000, "w": 10_000, "亿": 100_000_000}
# digits, or digits in groups of three split by commas (450,000); a decimal part; a unit; a currency word
_AMOUNT = re.compile(r"[¥]?([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(\.[0-9]+)?(万|w|亿)?(?:元|块|rmb|cny)?", re.IGNORECASE)
MAX_FEN = 10**10 * 100  # 100亿 yuan: anything more is a typo, not a transfer


def parse_amount(text: str) -> int:
    """An amount of yuan to whole fen; refuses what is not a positive amount to the fen."""
    import unicodedata
    from decimal import Decimal, InvalidOperation, localcontext

    # full-width digits and signs (４５万，￥) as a Chinese input method types them
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if cleaned.startswith("-"):
        raise ValueError(f"amount '{text.strip()}' must be more than zero")
    match = _AMOUNT.fullmatch(cleaned)
    if not match:
        raise ValueError(f"amount '{text.strip()}' is not an amount of yuan (e.g. 450000, 450,000.00, 45万, 4.5万元)")
    number, unit = match.group(1).replace(",", "") + (match.group(2) or ""), (match.group(3) or "").lower()
    with localcontext() as exact:
        exact.prec = 60  # more digits than any amount typed: nothing is rounded on the way
        try:
            fen = Decimal(number) * _UNITS[unit] * 100
        except InvalidOperation:
            raise ValueError(f"amount '{text.strip()}' is not a number") from None
    if fen != fen.to_integral_value():
        raise ValueError(f"amount '{text.strip()}' is more precise than a fen")
    if fen <= 0:
        raise ValueError(f"amount '{text.strip()}' must be more than zero")
    if fen > MAX_FEN:
        raise ValueError(f"amount '{text.strip()}' is more than 100亿 yuan: check it")
    return int(fen)


def yuan_text(fen: int) -> str:
    """``45000000`` fen → ``450,000.00``: for people."""
    yuan, cents = divmod(fen, 100)
    return f"{yuan:,}.{cents:02d}"


def yuan_number(fen: int) -> str:
    """The JSON number of yuan, at most two decimals: ``450000``, ``1200.5``, ``0.25``."""
    yuan, cents = divmod(fen, 100)
    if not cents:
        return str(yuan)
    return f"{yuan}.{cents:02d}".rstrip("0")


class Yuan:
    """An amount for JSON output: written as a bare number by ``dumps``, not through float."""

    __slots__ = ("fen",)

    def __init__(self, fen: int):
        self.fen = fen


def dumps(value, *, indent: int | None = 2) -> str:
    """JSON with ``Yuan`` amounts as exact numbers (the json module would need a float for a decimal number)."""
    import json

    marker = "\x00yuan:"
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=lambda o: f"{marker}{yuan_number(o.fen)}\x00")
    return re.sub(r'"\\u0000yuan:([0-9.]+)\\u0000"', r"\1", text)


def mask_account(account: str) -> str:
    """``6222***********3445``: enough to tell accounts apart, never most of one. A short account (a phone number
    used as a payment account, say) shows its last four only."""
    if len(account) <= 4:
        return "*" * len(account)
    if len(account) <= 12:
        return "*" * (len(account) - 4) + account[-4:]
    return account[:4] + "*" * (len(account) - 8) + account[-4:]
