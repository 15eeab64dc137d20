"""Synthetic warning exports: no real person, no real number (phones use the unallocated 100 prefix)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from fanzha_cli.files.stations import bundled_stations

HEADER_ZH = [
    "预警编号",
    "预警时间",
    "风险等级",
    "诈骗类型",
    "姓名",
    "手机号码",
    "辖区派出所",
    "住址",
    "线索描述",
]
# The bundled station list, so that generated warnings name real stations of the district.
TOWNS = [station["name"].removesuffix("派出所") for station in bundled_stations()]
FRAUD_TYPES = [
    "刷单返利",
    "虚假投资理财",
    "虚假贷款",
    "冒充电商物流客服",
    "冒充公检法",
    "虚假征信",
    "冒充领导熟人",
    "网络游戏虚假交易",
    "网络婚恋交友",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
RISKS = ["中风险"] * 6 + ["高风险"] * 3 + ["紧急"]
CLUES = [
    "接到疑似诈骗电话，通话时长{m}分钟",
    "安装可疑APP“{t}”",
    "与涉诈号码多次通话",
    "正在向涉诈账户转账",
]


# The time forms of SPEC §5 as exports write them, and how often each comes (the platform writes the first; an
# export opened and saved again by a Chinese Excel or WPS writes the second, the most common by far).
TIME_FORMS = {
    "platform 2026-11-24 20:15:00": (lambda t: t.strftime("%Y-%m-%d %H:%M:%S"), 30),
    "excel 2026/11/24 20:15": (lambda t: f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}", 45),
    "slashes 2026/11/24 20:15:00": (lambda t: t.strftime("%Y/%m/%d %H:%M:%S"), 10),
    "iso 2026-11-24T20:15": (lambda t: t.strftime("%Y-%m-%dT%H:%M"), 5),
    "chinese 2026年11月24日 20:15": (lambda t: f"{t.year}年{t.month}月{t.day}日 {t.hour}:{t.minute:02d}", 5),
    "chinese 2026年11月24日20时15分": (lambda t: f"{t.year}年{t.month}月{t.day}日{t.hour}时{t.minute}分", 5),
}


def rows(
    count: int, *, day: datetime, seed: int = 1, prefix: str = "WH", form: str | None = None
) -> Iterator[list[str]]:
    """``count`` warnings of one day, in time order, with ids unique within the prefix and day; times in one of
    TIME_FORMS (the platform's by default), or ``form="mix"`` for every form in its proportion."""
    rng = random.Random(seed)
    names = list(TIME_FORMS)
    weights = [TIME_FORMS[name][1] for name in names]
    write_time = TIME_FORMS[form or names[0]][0] if form != "mix" else None
    step = 86_000 / max(count, 1)
    for n in range(count):
        when = day + timedelta(seconds=int(n * step))
        town = rng.choice(TOWNS)
        yield [
            f"{prefix}{day:%Y%m%d}{n:07d}",
            (write_time or TIME_FORMS[rng.choices(names, weights)[0]][0])(when),
            rng.choice(RISKS),
            rng.choice(FRAUD_TYPES),
            rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            f"100{rng.randrange(10**8):08d}",
            f"{town}派出所",
            f"新洲区{town}街{rng.randrange(1, 300)}号",
            rng.choice(CLUES).format(m=rng.randrange(1, 40), t="安全助手"),
        ]


def write_csv(
    path, count: int, *, day: datetime, seed: int = 1, encoding: str = "utf-8", form: str | None = None
) -> None:
    import csv

    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER_ZH)
        writer.writerows(rows(count, day=day, seed=seed, form=form))
