"""Writes the synthetic morning export data/2026-11-24-预警.csv (GB18030, CRLF, Chinese headers).

Run from the repository root: python data/make_sample.py. No real person: names are drawn at random and phone
numbers use the unallocated 100 prefix.
"""

import csv
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from synth import HEADER_ZH, rows

OUT = Path(__file__).resolve().parent / "2026-11-24-预警.csv"
TIME_FORMS = ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M", "%Y年%m月%d日 %H:%M"]


def main() -> None:
    good = list(rows(45, day=datetime(2026, 11, 24, 0, 0), seed=24))
    for n, row in enumerate(good):
        row[1] = datetime.fromisoformat(row[1]).strftime(TIME_FORMS[n % len(TIME_FORMS)])
        row.append("市反诈中心")
    good[3][5] = "+86 " + good[3][5][:3] + " " + good[3][5][3:7] + " " + good[3][5][7:]
    good[7][5] = good[7][5][:3] + "-" + good[7][5][3:7] + "-" + good[7][5][7:]
    good[11][5] = "'" + good[11][5]
    good[15][6] = good[15][6].removesuffix("派出所")  # short name: recognised as the listed station
    good[20][6] = "张店派出所"  # not in Xinzhou's list: kept, and said so
    bad = [
        ["WH202611249000001", "2026-11-24 09:12:00", "高风险", "刷单返利", "吴某某", "1.00E+10", "邾城派出所", "", ""],
        ["WH202611249000002", "2026-11-31 10:00", "中风险", "虚假贷款", "郑某某", "10012345678", "阳逻派出所", "", ""],
        ["WH202611249000003", "2026-11-24 10:30", "低风险", "虚假征信", "冯某某", "10023456789", "旧街派出所", "", ""],
        ["WH202611249000004", "2026-11-24 11:05", "紧急", "冒充公检法", "", "10034567890", "仓埠派出所", "", ""],
        ["WH202611249000005", "2026-11-24 11:40", "中风险", "网络婚恋交友", "陈某某", "10045678901"],
        ["", "2026-11-24 12:15", "高风险", "虚假投资理财", "褚某某", "10056789012", "汪集派出所", "", ""],
    ]
    for row in bad:
        if len(row) == len(HEADER_ZH):
            row.append("市反诈中心")
    records = [*good[:10], bad[0], *good[10:20], bad[1], bad[2], *good[20:30], good[5]]
    records += [bad[3], *good[30:40], bad[4], bad[5], *good[40:]]
    with open(OUT, "w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([*HEADER_ZH, "下发单位"])
        writer.writerows(records)
        handle.write("\r\n")  # the trailing blank line Excel leaves


if __name__ == "__main__":
    main()
