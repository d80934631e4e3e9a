"""XLSX cells come typed; the reader gives back the text the department meant, column by column."""

from __future__ import annotations

import datetime as dt

import xlsxwriter

from shouwang.landing.readers.base import column_values
from shouwang.landing.readers.xlsx_reader import read_xlsx


def _sheet(path, header, rows):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write(0, 0, "唐河县2021年6月某台账")
    ws.write_row(1, 0, header)
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    time_format = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for i, row in enumerate(rows, start=2):
        for j, v in enumerate(row):
            if isinstance(v, dt.datetime):
                ws.write_datetime(i, j, v, time_format if v.hour else date_format)
            elif v is not None:
                ws.write(i, j, v)
    wb.close()


def test_typed_and_text_cells_of_one_column_read_as_the_text_meant(tmp_path):
    path = tmp_path / "t.xlsx"
    mixed = [" 王秀英 ", 3.0, 2.5, 411328199001011234.0, True, dt.datetime(2021, 6, 30),
             dt.datetime(2021, 6, 30, 8, 5, 0), "  ", "\u3000张伟"]  # fmt: skip
    _sheet(path, ["编号", "值", "备注"], [[f"K{i}", v, "文本"] for i, v in enumerate(mixed)])
    read = read_xlsx(path, ("编号", "值", "备注"))
    assert read.header == ["编号", "值", "备注"]
    assert read.line_numbers.tolist() == list(range(3, 3 + len(mixed)))
    assert column_values(read.columns["值"]).tolist() == [
        "王秀英", "3", "2.5", "4.11328199001011e+17", "是", "2021-06-30", "2021-06-30 08:05:00", None, "张伟",
    ]  # fmt: skip
    assert column_values(read.columns["备注"]).tolist() == ["文本"] * len(mixed)


def test_empty_cells_are_null_and_an_empty_row_is_no_row(tmp_path):
    path = tmp_path / "t.xlsx"
    _sheet(path, ["编号", "值", "备注"], [["K1", "a"], ["K2", None, "x"], [None, None, None], ["K3"]])
    read = read_xlsx(path, ("编号", "值", "备注"))
    assert column_values(read.columns["编号"]).tolist() == ["K1", "K2", "K3"]  # the empty row is no row
    assert column_values(read.columns["备注"]).tolist() == [None, "x", None]
    assert read.line_numbers.tolist() == [3, 4, 6]
