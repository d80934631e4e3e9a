"""Early-warning rules and verification signals: tonight's findings, one SQL query per rule.

Every rule yields rows of (household_id, cause_key, person_id, detail, feed_id, record_key): one
per source record behind a finding. `find_alerts` groups them into findings (household, type,
cause) with the records as evidence; `lifecycle.merge_findings` turns findings into alerts.
`cause_key` names what the alert is about (a person, a record, the household's income), so an
alert keeps its identity over nights; `detail` holds figures only, never names or ID numbers.
Rules read their thresholds and value lists from alert_rules.yaml.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from shouwang.marts.rules import AlertRules, Rule
from shouwang.marts.sources import analyze, feed_rows, has_feed


@dataclass
class RuleContext:
    conn: Connection
    as_of: dt.date
    t: dict[str, Any]  # thresholds of the year
    rule: Rule
    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, **values: Any) -> None:
        self.params.update(values)


RuleSql = Callable[[RuleContext], "str | None"]
RULES: dict[str, RuleSql] = {}


def rule(name: str) -> Callable[[RuleSql], RuleSql]:
    def register(fn: RuleSql) -> RuleSql:
        RULES[name] = fn
        return fn

    return register


def _feed(ctx: RuleContext, feed_id: str, cause: str, detail: str, where: str) -> str | None:
    if not has_feed(ctx.conn, feed_id):
        return None
    inner = feed_rows(feed_id, f"({cause})::text AS cause_key, ({detail})::text AS detail", where)
    return f"SELECT household_id, cause_key, person_id, detail, feed_id, record_key FROM ({inner}) r"


def _since(ctx: RuleContext) -> dt.date:
    """The start of a rule's `lookback_days` (events before it are history, not risk); without the
    option, every event the feed holds counts."""
    days = ctx.rule.option("lookback_days")
    return ctx.as_of - dt.timedelta(days=int(days)) if days else dt.date(1900, 1, 1)


def _lineage_rows(attr: str, where: str, detail: str) -> str:
    """Master persons matching `where` (alias p), evidenced by the record the attribute came from."""
    return f"""
        SELECT m.household_id, p.person_id AS cause_key, p.person_id, {detail} AS detail,
               p.lineage->'{attr}'->>0 AS feed_id, p.lineage->'{attr}'->>1 AS record_key
        FROM master.person p JOIN master.membership m USING (person_id)
        WHERE {where}"""


# ---- risks --------------------------------------------------------------------------------------


@rule("low_income")
def low_income(ctx: RuleContext) -> str:
    """Income per person below the monitoring line: the 乡村振兴 survey figure where the household is
    registered, else the feeds' estimate when it covers every working-age member's work income;
    never for a household whose income cannot be assessed (no source, or members' work unknown)."""
    ctx.bind(line=ctx.t["monitoring_line"], line_year=str(ctx.as_of.year))
    return """
        SELECT f.household_id, 'income:' || :line_year AS cause_key, i.person_id,
               f.income_basis || ' per capita ' || round(f.income_assessed_per_capita)::text
                 || ' < ' || round(:line)::text AS detail,
               i.feed_id, i.record_key
        FROM mart.household_profile f
        JOIN (SELECT household_id, person_id, feed_id, record_key FROM mart.income_item
              UNION ALL SELECT household_id, person_id, feed_id, record_key FROM tmp_surveyed) i
             USING (household_id)
        WHERE f.members > 0 AND f.income_assessed_per_capita < :line
          AND (f.income_basis = 'estimate' OR i.feed_id = 'xiangcun_jiance')"""


@rule("medical_burden")
def medical_burden(ctx: RuleContext) -> str:
    """Out-of-pocket medical costs of the household's members within the window above the limit
    (several settlements add up; a cancelled settlement is no longer current)."""
    ctx.bind(oop_limit=ctx.t["medical_oop_yuan"])
    return """
        SELECT t.household_id, 'medical' AS cause_key, t.person_id,
               'out of pocket ' || round(f.medical_oop_12m)::text || ' in 12 months' AS detail,
               t.feed_id, t.record_key
        FROM tmp_medical t JOIN mart.household_profile f USING (household_id)
        WHERE f.medical_oop_12m > :oop_limit"""


@rule("medical_share")
def medical_share(ctx: RuleContext) -> str:
    """Out-of-pocket medical costs within the window above a share of the household's yearly
    income, where that income can be assessed (see low_income); below the absolute limit, which
    medical_burden covers."""
    ctx.bind(oop_share=ctx.t["medical_oop_income_share"], share_limit=ctx.t["medical_oop_yuan"])
    return """
        SELECT t.household_id, 'medical_share' AS cause_key, t.person_id,
               'out of pocket ' || round(f.medical_oop_12m)::text || ' against income '
                 || round(f.income_assessed_per_capita * f.members)::text AS detail,
               t.feed_id, t.record_key
        FROM tmp_medical t JOIN mart.household_profile f USING (household_id)
        WHERE f.medical_oop_12m <= :share_limit AND f.income_assessed_per_capita > 0
          AND f.medical_oop_12m > :oop_share * f.income_assessed_per_capita * f.members"""


@rule("disaster_house")
def disaster_house(ctx: RuleContext) -> str | None:
    """A disaster that left the house collapsed or severely damaged, within `lookback_days`."""
    ctx.bind(
        damage=list(ctx.rule.option("damage", ["倒塌", "严重损坏"])),
        disaster_since=_since(ctx),
    )
    return _feed(
        ctx,
        "yingji_zaiqing",
        "s.record_key",
        "s.disaster_type || ':' || s.house_damage",
        "s.house_damage = ANY(:damage) AND s.disaster_date > :disaster_since AND s.disaster_date <= :as_of",
    )


@rule("working_age_death")
def working_age_death(ctx: RuleContext) -> str:
    """A member of working age died within the window (the death date the master holds, from
    whichever department recorded it)."""
    low, high = ctx.t["working_age"]
    ctx.bind(age_low=low, age_high=high)
    return _lineage_rows(
        "death_date",
        "p.death_date > :window_start AND p.death_date <= :as_of"
        " AND date_part('year', age(p.death_date, p.birth_date)) BETWEEN :age_low AND :age_high",
        "'died ' || p.death_date::text",
    )


@rule("severe_disability")
def severe_disability(ctx: RuleContext) -> str | None:
    ctx.bind(
        grades=list(ctx.rule.option("grades", ["一级", "二级"])),
        disability_since=ctx.as_of - dt.timedelta(days=int(ctx.t["new_disability_days"])),
    )
    return _feed(
        ctx,
        "canlian_canjiren",
        "x.person_id",
        "s.disability_grade || ' since ' || s.issued_on::text",
        "s.disability_grade = ANY(:grades) AND s.issued_on > :disability_since AND s.issued_on <= :as_of",
    )


@rule("child_dropout")
def child_dropout(ctx: RuleContext) -> str | None:
    ctx.bind(dropout_statuses=list(ctx.rule.option("statuses", ["辍学"])))
    return _feed(
        ctx,
        "jiaoyu_xueji",
        "x.person_id",
        "s.school_stage || ' ' || s.enrolment_status",
        "s.enrolment_status = ANY(:dropout_statuses)",
    )


@rule("unsafe_house")
def unsafe_house(ctx: RuleContext) -> str | None:
    ctx.bind(
        unsafe_grades=list(ctx.rule.option("grades", ["C", "D"])),
        unsafe_open=list(ctx.rule.option("open_statuses", ["未改造"])),
    )
    return _feed(
        ctx,
        "zhujian_fangwu",
        "s.record_key",
        "'grade ' || s.safety_grade || ', ' || s.renovation_status",
        "s.safety_grade = ANY(:unsafe_grades) AND s.renovation_status = ANY(:unsafe_open)",
    )


@rule("water_problem")
def water_problem(ctx: RuleContext) -> str | None:
    ctx.bind(water_statuses=list(ctx.rule.option("open_statuses", ["未解决"])))
    return _feed(
        ctx,
        "shuili_yinshui_hu",
        "s.record_key",
        "s.problem_type",
        "s.resolution_status = ANY(:water_statuses)",
    )


@rule("uninsured")
def uninsured(ctx: RuleContext) -> str | None:
    ctx.bind(insurance_statuses=list(ctx.rule.option("statuses", ["未参保"])))
    return _feed(
        ctx,
        "yibao_canbao",
        "x.person_id || ':' || s.insurance_year",
        "s.insurance_year || ' ' || s.insurance_status",
        "s.insurance_status = ANY(:insurance_statuses)"
        " AND s.insurance_year >= (SELECT max(insurance_year) FROM staging.yibao_canbao_current)",
    )


@rule("loan_overdue")
def loan_overdue(ctx: RuleContext) -> str | None:
    """Marked overdue by the bank, or still 正常 more than the grace period past its due date."""
    ctx.bind(
        loan_statuses=list(ctx.rule.option("statuses", ["逾期"])),
        loan_due_before=ctx.as_of - dt.timedelta(days=int(ctx.t["loan_grace_days"])),
    )
    return _feed(
        ctx,
        "xiangcun_xiaoe",
        "s.record_key",
        "s.loan_status || ', due ' || s.due_on::text",
        "s.loan_status = ANY(:loan_statuses) OR (s.loan_status = '正常' AND s.due_on < :loan_due_before)",
    )


@rule("income_drop")
def income_drop(ctx: RuleContext) -> str | None:
    """Income fell by more than the configured share year on year, measured like with like:

    - the household's estimate against its own estimate of twelve months earlier (same feeds, same
      method; mart.income_history), once a year of history exists;
    - an earner who had taxed wages last year (税务) and is out of work now (人社 未就业): that
      person's pay fell by 100 % (business income is not pay: a business owner is not an employee).
    Last year's tax record against this year's employment ledger is not compared otherwise: they
    measure pay differently, and the difference is not a drop.
    """
    ctx.bind(
        drop_share=ctx.t["income_drop_share"],
        year_ago=(ctx.as_of.replace(day=1) - dt.timedelta(days=365)).replace(day=1),
    )
    parts = [
        """
        SELECT f.household_id, 'income:year' AS cause_key, i.person_id,
               'income ' || round(hy.income_total)::text || ' -> ' || round(coalesce(f.income_total, 0))::text
                 || ' year on year' AS detail,
               i.feed_id, i.record_key
        FROM mart.household_profile f
        JOIN mart.income_history hy ON hy.household_id = f.household_id AND hy.month = :year_ago
        JOIN mart.income_item i ON i.household_id = f.household_id
        WHERE hy.income_total > 0 AND f.members > 0
          AND hy.income_total - coalesce(f.income_total, 0) > :drop_share * hy.income_total"""
    ]
    if has_feed(ctx.conn, "shuiwu_geshui") and has_feed(ctx.conn, "renshe_jiuye"):
        jobless = feed_rows("renshe_jiuye", "s.employment_status", "s.employment_status = '未就业'")
        parts.append(f"""
        SELECT t.household_id, 'work:' || t.person_id AS cause_key, t.person_id,
               'taxed wages ' || round(t.wages)::text || ' last year, out of work now' AS detail,
               r.feed_id, r.record_key
        FROM tmp_taxed t JOIN ({jobless}) j USING (person_id)
        CROSS JOIN LATERAL (VALUES (t.feed_id, t.record_key), (j.feed_id, j.record_key)) r(feed_id,
            record_key)
        WHERE t.wages > 0""")
    return " UNION ALL ".join(parts)


@rule("hardship_petition")
def hardship_petition(ctx: RuleContext) -> str | None:
    """A petition about hardship in the 信访 caseload within `lookback_days` (each is raised once: the
    lifecycle keeps it from coming back once handled)."""
    ctx.bind(
        petition_categories=list(ctx.rule.option("categories", ["低保救助", "住房安全", "医疗救助"])),
        petition_since=_since(ctx),
    )
    return _feed(
        ctx,
        "xinfang_xinfang",
        "s.record_key",
        "s.petition_category || ', ' || coalesce(s.handling_status, '')",
        "s.petition_category = ANY(:petition_categories)"
        " AND (s.registered_on IS NULL OR (s.registered_on > :petition_since AND s.registered_on <= :as_of))",
    )


# ---- verification signals -----------------------------------------------------------------------


@rule("vehicle_owner")
def vehicle_owner(ctx: RuleContext) -> str | None:
    ctx.bind(
        vehicle_types=list(ctx.rule.option("vehicle_types", ["小型轿车"])),
        vehicle_statuses=list(ctx.rule.option("statuses", ["正常"])),
    )
    return _feed(
        ctx,
        "gongan_jidongche",
        "s.record_key",
        "s.vehicle_type || ' registered ' || coalesce(s.registered_on::text, '')",
        "s.vehicle_type = ANY(:vehicle_types)"
        " AND coalesce(s.vehicle_status, '正常') = ANY(:vehicle_statuses)",
    )


@rule("urban_flat")
def urban_flat(ctx: RuleContext) -> str | None:
    """An urban flat bought by a member: the first owner (the record's subject) or any co-owner the
    deed lists (不动产 registers joint owners; a co-owner's valid ID finds them in the master)."""
    ctx.bind(
        flat_usage=list(ctx.rule.option("usage", ["城镇住宅"])),
        flat_acquisition=list(ctx.rule.option("acquisition", ["购买"])),
    )
    detail = "s.usage || ', ' || s.acquisition || ', ' || coalesce(s.area_m2::text, '') || ' m2'"
    where = "s.usage = ANY(:flat_usage) AND s.acquisition = ANY(:flat_acquisition)"
    owner = _feed(ctx, "ziran_budongchan", "s.record_key", detail, where)
    if owner is None:
        return None
    # co-owners by ID, through an indexed temporary table (the master's view has no index on the ID)
    ctx.conn.execute(
        text(f"""
        CREATE TEMP TABLE tmp_co_owner ON COMMIT DROP AS
        SELECT DISTINCT s.record_key, upper(co.id) AS id_number, {detail} AS detail
        FROM staging.ziran_budongchan_current s
        CROSS JOIN LATERAL regexp_split_to_table(s.id_number_all, '[、,，;；[:space:]]+') AS co(id)
        WHERE s.change_kind <> 'removed' AND s.id_number_all IS NOT NULL AND length(co.id) = 18
          AND {where}"""),
        ctx.params,
    )
    ctx.conn.exec_driver_sql("CREATE INDEX ON tmp_co_owner (id_number)")
    analyze(ctx.conn, "tmp_co_owner")
    return f"""{owner}
        UNION
        SELECT m.household_id, c.record_key, p.person_id, c.detail, 'ziran_budongchan', c.record_key
        FROM tmp_co_owner c
        JOIN master.person_history p ON p.id_number = c.id_number AND p.retired_version IS NULL
        JOIN master.membership m ON m.person_id = p.person_id"""


@rule("business_owner")
def business_owner(ctx: RuleContext) -> str | None:
    """Registered capital at or above the threshold, or a limited company still operating."""
    ctx.bind(
        capital_wan=ctx.t["business_capital_wan"],
        operating=list(ctx.rule.option("operating_statuses", ["存续", "在业"])),
        company_types=list(ctx.rule.option("company_types", [])),
    )
    return _feed(
        ctx,
        "shichang_zhuti",
        "s.record_key",
        "s.business_type || ', capital ' || coalesce(s.registered_capital_wan::text, '?') || ' wan'",
        "s.registered_capital_wan >= :capital_wan"
        " OR (s.business_type = ANY(:company_types) AND s.registration_status = ANY(:operating))",
    )


@rule("public_employee")
def public_employee(ctx: RuleContext) -> str | None:
    ctx.bind(
        staff_categories=list(ctx.rule.option("categories", ["公务员", "参公人员", "事业编制", "村干部"]))
    )
    return _feed(
        ctx, "zuzhi_gongzhi", "x.person_id", "s.staff_category", "s.staff_category = ANY(:staff_categories)"
    )


@rule("high_income")
def high_income(ctx: RuleContext) -> str | None:
    ctx.bind(
        high_wage=ctx.t["high_wage_yuan"],
        high_business=ctx.t["high_business_yuan"],
        hi_tax_year=ctx.as_of.year - 1,
    )
    return _feed(
        ctx,
        "shuiwu_geshui",
        "s.record_key",
        "s.tax_year || ' wages ' || coalesce(s.wage_income, 0)"
        " || ', business ' || coalesce(s.business_income, 0)",
        "s.tax_year >= :hi_tax_year AND (s.wage_income >= :high_wage OR s.business_income >= :high_business)",
    )


@rule("paid_after_death")
def paid_after_death(ctx: RuleContext) -> str | None:
    """A benefit paid through the card after the death the master records (the death may come
    from any department: 卫健, 民政 funeral registration, 公安)."""
    ctx.bind(exempt_items=list(ctx.rule.option("exempt_items", ["耕地地力保护补贴"])))
    if not has_feed(ctx.conn, "caizheng_yikatong"):
        return None
    inner = feed_rows(
        "caizheng_yikatong",
        "x.person_id || ':' || s.subsidy_item AS cause_key,"
        " s.subsidy_item || ' paid ' || s.paid_on::text || ', died ' || p.death_date::text AS detail",
        "s.paid_on > p.death_date AND NOT (s.subsidy_item = ANY(:exempt_items))",
        with_person=True,
    )
    death = _lineage_rows("death_date", "p.death_date IS NOT NULL", "NULL::text")
    return f"""
        WITH paid AS ({inner})
        SELECT household_id, cause_key, person_id, detail, feed_id, record_key FROM paid
        UNION ALL
        SELECT d.household_id, pd.cause_key, d.person_id, pd.detail, d.feed_id, d.record_key
        FROM ({death}) d JOIN (SELECT DISTINCT person_id, cause_key, detail FROM paid) pd USING (person_id)"""


@rule("deceased_on_roster")
def deceased_on_roster(ctx: RuleContext) -> str | None:
    """Still on the assistance roster after a recorded death."""
    if not has_feed(ctx.conn, "minzheng_jiuzhu"):
        return None
    inner = feed_rows(
        "minzheng_jiuzhu",
        "x.person_id AS cause_key, s.assistance_type || ', died ' || p.death_date::text AS detail",
        "p.death_date IS NOT NULL AND p.death_date <= :as_of",
        with_person=True,
    )
    return f"SELECT household_id, cause_key, person_id, detail, feed_id, record_key FROM ({inner}) r"


@rule("duplicate_benefit")
def duplicate_benefit(ctx: RuleContext) -> str | None:
    """The same benefit paid to the same person twice in one month (two payments, two keys)."""
    if not has_feed(ctx.conn, "caizheng_yikatong"):
        return None
    inner = feed_rows(
        "caizheng_yikatong",
        "s.subsidy_item, date_trunc('month', s.paid_on)::date AS month, s.amount",
        "s.paid_on > :window_start AND s.paid_on <= :as_of AND s.amount > 0",
    )
    return f"""
        SELECT household_id, person_id || ':' || subsidy_item || ':' || month AS cause_key, person_id,
               subsidy_item || ' x' || count(*) OVER w || ' in ' || to_char(month, 'YYYY-MM') AS detail,
               feed_id, record_key
        FROM (SELECT r.*, count(*) OVER (PARTITION BY person_id, subsidy_item, month) AS n FROM ({inner}) r) q
        WHERE n > 1
        WINDOW w AS (PARTITION BY person_id, subsidy_item, month)"""


# ---- findings -----------------------------------------------------------------------------------

#: rules whose cause is the cause key itself, not the records behind it: a low income is "below the
#: line in year Y", however the monthly payments behind the estimate move
HASH_BY_CAUSE = frozenset({"low_income"})


def find_alerts(conn: Connection, as_of: dt.date, rules: AlertRules) -> dict[str, int]:
    """Fill tmp_finding with tonight's findings of every enabled rule; findings per type.

    Needs the profile's temp tables (tmp_medical, tmp_taxed) and mart.household_profile.
    """
    t = rules.for_year(as_of.year)
    conn.exec_driver_sql(
        """CREATE TEMP TABLE tmp_finding (
               household_id text, alert_type text, kind text, severity text, cause_key text,
               person_id text, detail text, evidence jsonb, cause_hash text) ON COMMIT DROP"""
    )
    counts: dict[str, int] = {}
    base = {"as_of": as_of, "window_start": as_of - dt.timedelta(days=int(t["window_days"]))}
    for r in rules.enabled():
        ctx = RuleContext(conn, as_of, t, r, dict(base))
        sql = RULES[r.name](ctx)
        if sql is None:
            counts[r.name] = 0
            continue
        # assisted: the household is registered / assisted, or the record's own person is
        scope = (
            "AND (f.assisted OR EXISTS (SELECT 1 FROM tmp_assisted_person a WHERE a.person_id = g.person_id))"
            if r.scope == "assisted"
            else ""
        )
        cause_hash = (
            "md5(g.cause_key)"
            if r.name in HASH_BY_CAUSE
            else "md5(string_agg(DISTINCT g.feed_id || '/' || g.record_key, ','))"
        )
        res = conn.execute(
            text(f"""
            INSERT INTO tmp_finding
            SELECT g.household_id, :alert_type, :kind, :severity, g.cause_key, min(g.person_id),
                   max(g.detail),
                   jsonb_agg(DISTINCT jsonb_build_object('feed', g.feed_id, 'record_key', g.record_key,
                                                         'person_id', g.person_id)),
                   {cause_hash}
            FROM ({sql}) g JOIN mart.household_profile f USING (household_id)
            WHERE g.record_key IS NOT NULL {scope}
            GROUP BY g.household_id, g.cause_key"""),
            {**ctx.params, "alert_type": r.name, "kind": r.kind, "severity": r.severity},
        )
        counts[r.name] = res.rowcount
    analyze(conn, "tmp_finding")
    return counts
