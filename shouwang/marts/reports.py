"""Reports of a marts run: the HTML run report with charts, one XLSX work list per township, and the
township / village indicator summary for the quarterly review (季度会商).

Work lists go to the townships for door visits (入户核实), so they name the household head and the
village; they never carry ID numbers or phones. Files are written readable by the owner only.
Alerts that go out on a work list for the first time become `pushed`.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xlsxwriter
from sqlalchemy import Engine, text

from shouwang.marts.lifecycle import mark_pushed

ALERT_LABELS: dict[str, str] = {
    "low_income": "收入低于监测标准",
    "medical_burden": "医疗自付费用过高",
    "medical_share": "医疗自付超过家庭收入一半",
    "disaster_house": "灾害致房屋倒塌或严重损坏",
    "working_age_death": "劳动年龄成员死亡",
    "severe_disability": "新增重度残疾",
    "child_dropout": "适龄儿童辍学",
    "unsafe_house": "危房未改造",
    "water_problem": "饮水问题未解决",
    "uninsured": "成员未参加医保",
    "loan_overdue": "小额信贷逾期",
    "income_drop": "收入大幅下降",
    "hardship_petition": "困难诉求信访",
    "vehicle_owner": "核实:家庭成员有小轿车",
    "urban_flat": "核实:城镇购买商品房",
    "business_owner": "核实:经营企业或注册资本较高",
    "public_employee": "核实:财政供养人员",
    "high_income": "核实:纳税收入较高",
    "paid_after_death": "核实:死亡后仍发放补贴",
    "deceased_on_roster": "核实:死亡后仍在救助名单",
    "duplicate_benefit": "核实:同一补贴重复发放",
}
INDICATOR_LABELS: dict[str, str] = {
    "households": "户数",
    "registered": "脱贫户与监测户",
    "monitored": "监测户",
    "at_risk": "有风险预警的户",
    "signals_open": "待核实信号的户",
    "not_in_school": "应学尽学:有失学辍学儿童",
    "uninsured": "应保尽保:有未参保成员",
    "unsafe_house": "应改尽改:危房未改造",
    "water_household": "饮水问题(户)",
    "water_village": "饮水不达标的村",
    "income_known": "收入可估算",
    "below_monitoring_line": "收入低于监测标准",
    "medical_burden": "医疗负担重",
}
UNKNOWN_TOWN = "(乡镇不明)"
STATUS_LABELS = {"new": "新预警", "pushed": "已推送", "verified": "已核实", "assisted": "已帮扶"}


@dataclass
class ReportFiles:
    run_id: int
    html: Path
    summary_xlsx: Path
    work_lists: list[Path] = field(default_factory=list)
    pushed: int = 0


def _private(path: Path) -> None:
    os.chmod(path, 0o600)


def write_reports(engine: Engine, out_dir: Path, run_id: int | None = None, push: bool = True) -> ReportFiles:
    """Write the run's HTML report, the township summary and one work list per township."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with engine.connect() as conn:
        run = conn.execute(
            text("""SELECT run_id, as_of_date, master_version, figures FROM mart.run
                    WHERE status = 'done' AND (CAST(:r AS bigint) IS NULL OR run_id = :r)
                    ORDER BY run_id DESC LIMIT 1"""),
            {"r": run_id},
        ).one_or_none()
        if run is None:
            raise LookupError("no finished marts run: run `shouwang marts` first")
        towns = dict(conn.exec_driver_sql("SELECT township_code, township FROM ref.township").all())
        villages = dict(conn.exec_driver_sql("SELECT village_code, village FROM ref.village").all())
        alerts = pd.DataFrame(
            conn.execute(
                text("""
                SELECT a.alert_id, a.household_id, a.alert_type, a.kind, a.severity, a.status, a.detail,
                       a.township_code, a.village_code, a.created_run, a.cause_changed, p.name AS head_name,
                       h.address
                FROM mart.alert a
                LEFT JOIN master.household h USING (household_id)
                LEFT JOIN master.person p ON p.person_id = h.head_person_id
                WHERE a.status NOT IN ('resolved', 'closed') AND a.cause_present
                ORDER BY a.township_code, a.village_code, a.severity, a.alert_type, a.household_id""")
            ).all(),
            columns=[
                "alert_id",
                "household_id",
                "alert_type",
                "kind",
                "severity",
                "status",
                "detail",
                "township_code",
                "village_code",
                "created_run",
                "cause_changed",
                "head_name",
                "address",
            ],
        )
        indicators = pd.DataFrame(
            conn.execute(
                text("""SELECT township_code, village_code, indicator, households, flagged
                        FROM mart.area_indicator WHERE run_id = :r"""),
                {"r": run.run_id},
            ).all(),
            columns=["township_code", "village_code", "indicator", "households", "flagged"],
        )
        trend = conn.exec_driver_sql(
            """SELECT run_id, as_of_date, figures->'open_alerts' FROM mart.run
               WHERE status = 'done' ORDER BY run_id DESC LIMIT 30"""
        ).all()[::-1]
        changes = dict(
            conn.execute(
                text("SELECT change, count(*) FROM mart.run_change WHERE run_id = :r GROUP BY 1 ORDER BY 1"),
                {"r": run.run_id},
            ).all()
        )
        growth = income_growth(conn, run.as_of_date)
    stamp = run.as_of_date.strftime("%Y%m%d")
    files = ReportFiles(
        run.run_id, out_dir / f"report_run{run.run_id}_{stamp}.html", out_dir / f"summary_{stamp}.xlsx"
    )
    work_dir = out_dir / "worklists"
    work_dir.mkdir(exist_ok=True)
    pushed_ids: list[int] = []
    for code, group in alerts.groupby("township_code", dropna=False):
        name = towns.get(code, "未知乡镇") if isinstance(code, str) else "未知乡镇"
        path = work_dir / f"{code if isinstance(code, str) else 'unknown'}_{name}_{stamp}.xlsx"
        _work_list(path, group, villages, name, run.as_of_date)
        files.work_lists.append(path)
        pushed_ids += group.loc[group["status"] == "new", "alert_id"].astype(int).tolist()
    _summary_xlsx(files.summary_xlsx, indicators, towns, villages, growth)
    files.html.write_text(
        _html(run, alerts, indicators, towns, trend, changes, growth, files), encoding="utf-8"
    )
    _private(files.html)
    if push and pushed_ids:
        with engine.begin() as conn:
            files.pushed = mark_pushed(conn, pushed_ids)
    return files


def income_growth(conn, as_of: dt.date) -> pd.DataFrame:
    """Per-capita income by year: the county's rural average (统计 shouzhi, county row) against
    out-of-poverty households (脱贫户: the 乡村振兴 survey of last year, and the monthly estimates of
    mart.income_history), with growth year on year."""
    county = pd.DataFrame(
        conn.exec_driver_sql(
            """SELECT stat_year, avg(disposable_income_per_capita) FROM staging.tongji_shouzhi_current
               WHERE change_kind <> 'removed' AND (township_code = '411328' OR township = '唐河县')
               GROUP BY 1 ORDER BY 1"""
        ).all()
        if _exists(conn, "staging.tongji_shouzhi_current")
        else [],
        columns=["year", "county_rural"],
    )
    surveyed = conn.exec_driver_sql(
        """SELECT avg(income_surveyed_per_capita) FROM mart.household_profile
           WHERE household_type = '脱贫户' AND income_surveyed_per_capita IS NOT NULL"""
    ).scalar()
    estimates = pd.DataFrame(
        conn.exec_driver_sql(
            """SELECT date_part('year', h.month)::int, avg(h.income_total / nullif(h.members, 0))
               FROM mart.income_history h JOIN mart.household_profile f USING (household_id)
               WHERE f.household_type = '脱贫户' AND h.income_total IS NOT NULL
               GROUP BY 1 ORDER BY 1"""
        ).all(),
        columns=["year", "out_of_poverty_estimate"],
    )
    frame = county.merge(estimates, on="year", how="outer")
    if surveyed is not None:
        frame = frame.merge(
            pd.DataFrame({"year": [as_of.year - 1], "out_of_poverty_surveyed": [float(surveyed)]}),
            on="year",
            how="outer",
        )
    frame = frame.sort_values("year").reset_index(drop=True)
    for col in [c for c in frame.columns if c != "year"]:
        frame[col] = frame[col].astype(float)
        frame[f"{col}_growth"] = frame[col].pct_change(fill_method=None)
    return frame


def _exists(conn, table: str) -> bool:
    return bool(conn.exec_driver_sql("SELECT to_regclass(%(t)s) IS NOT NULL", {"t": table}).scalar())


def _work_list(path: Path, group: pd.DataFrame, villages: dict, township: str, as_of: dt.date) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("待核实预警")
    bold = book.add_format({"bold": True})
    sheet.write(0, 0, f"{township} 防止返贫监测预警工作清单(数据截至 {as_of.isoformat()})", bold)
    head = [
        "预警编号",
        "村",
        "户编号",
        "户主",
        "住址",
        "预警类型",
        "类别",
        "级别",
        "情况",
        "状态",
        "原因有变化",
    ]
    sheet.write_row(2, 0, head, bold)
    for i, r in enumerate(group.itertuples(index=False), start=3):
        sheet.write_row(
            i,
            0,
            [
                int(r.alert_id),
                villages.get(r.village_code, r.village_code or ""),
                r.household_id,
                r.head_name or "",
                r.address or "",
                ALERT_LABELS.get(r.alert_type, r.alert_type),
                "风险" if r.kind == "risk" else "核实",
                {"high": "高", "medium": "中", "low": "低"}[r.severity],
                r.detail or "",
                STATUS_LABELS.get(r.status, r.status),
                "是" if r.cause_changed else "",
            ],
        )
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 4, 16)
    sheet.set_column(5, 5, 26)
    sheet.set_column(8, 8, 40)
    book.close()
    _private(path)


def _summary_xlsx(
    path: Path, indicators: pd.DataFrame, towns: dict, villages: dict, growth: pd.DataFrame
) -> None:
    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format({"bold": True})
    pct = book.add_format({"num_format": "0.0%"})
    for level, rows in (
        ("乡镇", indicators[indicators["village_code"] == ""]),
        ("村", indicators[indicators["village_code"] != ""]),
    ):
        sheet = book.add_worksheet(f"{level}指标")
        wide = rows.pivot_table(
            index=["township_code", "village_code"],
            columns="indicator",
            values=["flagged", "households"],
            aggfunc="sum",
            fill_value=0,
        )
        names = [i for i in INDICATOR_LABELS if ("flagged", i) in wide.columns]
        sheet.write_row(
            0,
            0,
            ["乡镇", "村"]
            + [INDICATOR_LABELS[i] for i in names]
            + ["占比:" + INDICATOR_LABELS[i] for i in names[1:]],
            bold,
        )
        for r, ((tc, vc), row) in enumerate(wide.iterrows(), start=1):
            sheet.write(r, 0, towns.get(tc, tc))
            sheet.write(r, 1, villages.get(vc, vc) if vc else "")
            for c, ind in enumerate(names):
                sheet.write_number(r, 2 + c, int(row[("flagged", ind)]))
            for c, ind in enumerate(names[1:]):
                base = int(row[("households", ind)])
                sheet.write_number(
                    r, 2 + len(names) + c, (int(row[("flagged", ind)]) / base) if base else 0, pct
                )
    sheet = book.add_worksheet("收入增长")
    sheet.write_row(0, 0, list(growth.columns), bold)
    for r, row in enumerate(growth.itertuples(index=False), start=1):
        for c, v in enumerate(row):
            if pd.notna(v):
                sheet.write_number(r, c, float(v))
    book.close()
    _private(path)


# ---- HTML ---------------------------------------------------------------------------------------


def _bars(items: list[tuple[str, int]], width: int = 640) -> str:
    """A horizontal bar chart as inline SVG (no JavaScript, no external files)."""
    if not items:
        return "<p>(none)</p>"
    top = max(v for _, v in items) or 1
    row, label_w = 22, 230
    h = row * len(items) + 10
    parts = [f'<svg width="{width}" height="{h}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, v) in enumerate(items):
        y = 5 + i * row
        w = max(1, int((width - label_w - 60) * v / top))
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="13">'
            f"{html.escape(label)}</text>"
        )
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row - 6}" fill="#3b6ea5"/>')
        parts.append(f'<text x="{label_w + w + 4}" y="{y + 15}" font-size="12">{v:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _line(points: list[tuple[str, int]], width: int = 640, height: int = 180) -> str:
    if len(points) < 2:
        return "<p>(the trend appears from the second run on)</p>"
    top = max(v for _, v in points) or 1
    step = (width - 60) / (len(points) - 1)
    xy = [(40 + i * step, height - 25 - (height - 45) * v / top) for i, (_, v) in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#b03a2e"/>' for x, y in xy)
    labels = "".join(
        f'<text x="{x:.1f}" y="{height - 6}" font-size="11" text-anchor="middle">{html.escape(d)}</text>'
        for (x, _), (d, _) in zip(xy, points, strict=True)
    )
    return (
        f'<svg width="{width}" height="{height}" role="img" xmlns="http://www.w3.org/2000/svg">'
        f'<polyline points="{path}" fill="none" stroke="#b03a2e" stroke-width="2"/>{dots}{labels}</svg>'
    )


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, classes="t", na_rep="", float_format=lambda v: f"{v:,.2f}")


def _html(run, alerts, indicators, towns, trend, changes, growth, files: ReportFiles) -> str:
    by_type = alerts.groupby("alert_type").size().sort_values(ascending=False)
    by_town = (
        alerts[alerts["kind"] == "risk"]
        .groupby("township_code", dropna=False)
        .size()
        .sort_values(ascending=False)
    )
    town_rows = indicators[indicators["village_code"] == ""]
    coverage = town_rows.pivot_table(
        index="township_code", columns="indicator", values="flagged", aggfunc="sum", fill_value=0
    )
    coverage.index = [towns.get(c, UNKNOWN_TOWN if c == "?" else c) for c in coverage.index]
    coverage.columns.name = None
    town_bars = [
        (towns.get(c, UNKNOWN_TOWN) if isinstance(c, str) else UNKNOWN_TOWN, int(n))
        for c, n in by_town.items()
    ]
    coverage = coverage[[c for c in INDICATOR_LABELS if c in coverage.columns]].rename(
        columns=INDICATOR_LABELS
    )
    trend_points = [(str(d)[5:], sum((f or {}).values())) for _, d, f in trend]
    fig = run.figures or {}
    change_rows = pd.DataFrame(sorted(changes.items()), columns=["change", "count"])
    growth_view = growth.copy()
    work_dir = html.escape(str(files.work_lists[0].parent)) if files.work_lists else "none"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>守望 marts run {run.run_id}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}
    table.t{{border-collapse:collapse;font-size:13px}}
table.t td,table.t th{{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right}}
    h2{{margin-top:1.6em}}</style>
</head><body>
<h1>守望 · 防止返贫监测 · run {run.run_id}</h1>
<p>Data as of <b>{run.as_of_date}</b>, published master version {run.master_version}.
{fig.get("households", 0):,} households; {len(alerts):,} open alerts and signals;
roster: {", ".join(f"{k} {v:,}" for k, v in (fig.get("roster") or {}).items())}.</p>
<h2>Alerts by type (open)</h2>
{_bars([(f"{ALERT_LABELS.get(t, t)} ({t})", int(n)) for t, n in by_type.items()])}
<h2>Risk alerts by township (open)</h2>
{_bars(town_bars)}
<h2>Open alerts over the runs</h2>
{_line(trend_points)}
<h2>Since the previous run</h2>
{_table(change_rows) if len(change_rows) else "<p>(first run: the baseline)</p>"}
<h2>Indicator coverage by township (households flagged)</h2>
{_table(coverage.reset_index(names="乡镇"))}
<h2>Income growth: out-of-poverty households against the county's rural average</h2>
{_table(growth_view)}
<h2>Files</h2>
<p>Township work lists ({len(files.work_lists)}): {work_dir}<br>
Township and village summary: {html.escape(files.summary_xlsx.name)}</p>
</body></html>
"""
