"""The shapes that leave the program as JSON (README "JSON output"), as pydantic models.

Imported only by ``--json`` paths: pydantic costs ~40 ms of start-up, and per-row validation on import would cost
~0.17 s per 100,000 rows, so rows are checked by fanzha_cli.importer's own code instead.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, TypeAdapter


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RejectedRow(_Shape):
    line: int
    reason: str


class ImportReport(_Shape):
    """SPEC §5: exactly these keys."""

    file: str
    rows: int
    new: int
    duplicate: int
    rejected: int
    rejects: list[RejectedRow]


class Station(_Shape):
    name: str
    duty_phone: str | None
    wechat_group: str | None


def dump(shape, value) -> str:
    """``value`` (plain data) checked against ``shape`` and rendered as JSON with readable Chinese."""
    adapter = TypeAdapter(shape)
    return adapter.dump_json(adapter.validate_python(value), indent=2).decode()
