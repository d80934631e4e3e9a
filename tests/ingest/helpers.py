"""Small builders for crafted delivery files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(area: str, birth: str, seq: str) -> str:
    """A valid 18-digit resident ID (independent implementation of GB 11643 for the tests)."""
    first17 = f"{area}{birth}{seq}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


HUJI_HEADER = [
    "人员编号",
    "公民身份号码",
    "姓名",
    "曾用名",
    "性别",
    "民族",
    "出生日期",
    "户号",
    "与户主关系",
    "乡镇街道",
    "村居委会",
    "详细地址",
    "人员状态",
    "变动日期",
    "变更类型",
]


def huji_row(
    key: str,
    id_number: str,
    name: str,
    change: str = "新增",
    status: str = "正常",
    sex: str = "男",
    birth: str = "19800101",
    hukou: str = "100000001",
) -> list[str]:
    return [
        key,
        id_number,
        name,
        "",
        sex,
        "汉族",
        birth,
        hukou,
        "户主",
        "源潭镇",
        "李楼村",
        "河南省唐河县源潭镇李楼村1组",
        status,
        "20210601",
        change,
    ]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_jsonl(path: Path, objs: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs), encoding="utf-8")
    return path


def write_xlsx(path: Path, title: str, header: list[str], rows: list[list[object]]) -> Path:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.merge_range(0, 0, 0, len(header) - 1, title)
    ws.write_row(1, 0, header)
    for i, row in enumerate(rows, start=2):
        for j, v in enumerate(row):
            if v is None:
                continue
            ws.write(i, j, v)
    wb.close()
    return path
