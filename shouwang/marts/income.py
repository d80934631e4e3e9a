"""Income estimate per person per year, assembled from the feeds, with the source of each part.

Payments through the 财政 一卡通 ledger (yikatong) are what was actually paid; the departments'
own ledgers say what should be paid. Per person and component the paid amount wins; the
department's ledger fills in where the card shows nothing (a county whose card ledger is late or
missing still gets an estimate). Monthly card items are annualised over the months the ledger
covers within the window; yearly ones (the farmland subsidy) are taken as paid.

No feed reports farm produce sold or remittances: farm produce is estimated from the contracted
land (亩 x `farm_income_per_mu` of the rules file, labelled `farm_produce_estimate`), remittances
are not seen. The profile says which parts an estimate holds.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from shouwang.marts.sources import analyze, feed_rows, has_feed

#: 一卡通 subsidy items -> income component; items not listed count as `other_subsidy`
CARD_ITEMS: dict[str, str] = {
    "低保金": "assistance",
    "特困供养金": "assistance",
    "临时救助金": "assistance",
    "残疾人两项补贴": "disability_allowance",
    "护林员补助": "ranger",
    "公益岗位补贴": "public_welfare_post",
    "养老金": "pension",
    "耕地地力保护补贴": "farm_subsidy",
}
#: card items paid once a year (not annualised)
YEARLY_CARD_ITEMS = ("耕地地力保护补贴",)

# Department ledgers: (component, feed, annual amount SQL, condition). `s.` is the feed's row.
LEDGERS: list[tuple[str, str, str, str]] = [
    ("pension", "renshe_yanglao", "s.monthly_pension * 12", "s.pension_status = '待遇领取'"),
    (
        "public_welfare_post",
        "renshe_gongyigang",
        "s.monthly_allowance * 12",
        "s.left_on IS NULL OR s.left_on > :as_of",
    ),
    ("ranger", "linye_hulinyuan", "s.annual_allowance", "coalesce(s.employment_status, '在聘') = '在聘'"),
    (
        "disability_allowance",
        "canlian_canjiren",
        "(coalesce(s.living_allowance, 0) + coalesce(s.care_allowance, 0)) * 12",
        "TRUE",
    ),
    ("farm_subsidy", "nongye_chengbao", "s.subsidy_amount", "TRUE"),
]
# Parts that only the department knows (no card item): always counted.
DIRECT: list[tuple[str, str, str, str]] = [
    (
        "wages",
        "renshe_jiuye",
        "s.monthly_income * coalesce(s.months_worked, 12)",
        "s.employment_status NOT IN ('未就业', '公益性岗位')",
    ),
    ("road_keeper", "jiaotong_hulu", "s.monthly_allowance * 12", "TRUE"),
    ("child_allowance", "minzheng_ertong", "s.monthly_allowance * 12", "TRUE"),
    ("work_relief", "fagai_yigong", "s.pay", "TRUE"),
    # what the contracted land yields, estimated (no feed reports farm sales): mu x yuan per mu
    ("farm_produce_estimate", "nongye_chengbao", "s.land_mu * :per_mu", "s.land_mu > 0"),
    ("industry_support", "nongye_chanye", "s.amount", "s.support_method IN ('资金补助', '入股分红')"),
    ("education_aid", "jiaoyu_zizhu", "s.amount", "s.paid_on IS NULL OR s.paid_on > :window_start"),
    ("business", "shuiwu_geshui", "s.business_income", "s.tax_year = :tax_year AND s.business_income > 0"),
]


def build_income_items(conn: Connection, as_of: dt.date, thresholds: dict) -> int:
    """Rebuild mart.income_item for the as-of date; returns the number of parts.

    Every candidate part goes into one temporary table with a priority (0: the card's payment or the
    employment ledger, 1: the department's ledger or last year's taxed wages); per person and
    component (per household for assistance, which is paid per certificate) only the best priority
    is kept. One window function instead of anti-joins: its plan does not depend on estimates.
    """
    params = {
        "as_of": as_of,
        "window_start": as_of - dt.timedelta(days=int(thresholds["window_days"])),
        "tax_year": as_of.year - 1,
        "per_mu": thresholds["farm_income_per_mu"],
    }
    conn.exec_driver_sql(
        """CREATE TEMP TABLE tmp_income (household_id text, person_id text, component text, feed_id text,
                                         record_key text, amount numeric, priority int) ON COMMIT DROP"""
    )

    def add(component: str, feed: str, amount: str, cond: str, priority: int) -> None:
        if has_feed(conn, feed):
            sql = feed_rows(feed, f"({amount})::numeric AS amount", cond)
            conn.execute(
                text(f"""INSERT INTO tmp_income
                         SELECT household_id, person_id, '{component}', feed_id, record_key, amount,
                                {priority}
                         FROM ({sql}) r WHERE r.amount > 0"""),
                params,
            )

    _card_items(conn, params)
    for component, feed, amount, cond in LEDGERS:
        add(component, feed, amount, cond, 1)
    # assistance: one amount per certificate (the roster repeats it on every member's row)
    if has_feed(conn, "minzheng_jiuzhu"):
        sql = feed_rows(
            "minzheng_jiuzhu",
            "s.assistance_cert_no, s.monthly_amount * 12 AS amount,"
            " (s.relation_to_head IN ('户主', '本人')) AS is_head",
        )
        conn.execute(
            text(f"""
            INSERT INTO tmp_income
            SELECT DISTINCT ON (r.assistance_cert_no) r.household_id, r.person_id, 'assistance',
                   r.feed_id, r.record_key, r.amount, 1
            FROM ({sql}) r WHERE r.amount > 0
            ORDER BY r.assistance_cert_no, r.is_head DESC NULLS LAST, r.record_key"""),
            params,
        )
    for component, feed, amount, cond in DIRECT:
        add(component, feed, amount, cond, 0)
    # taxed wages of the last tax year, for people no employment ledger shows (e.g. public employees)
    add("wages", "shuiwu_geshui", "s.wage_income", "s.tax_year = :tax_year", 1)
    conn.exec_driver_sql("TRUNCATE mart.income_item")
    conn.exec_driver_sql(
        """INSERT INTO mart.income_item
           SELECT household_id, person_id, component, feed_id, record_key, amount
           FROM (SELECT t.*, min(priority) OVER (
                        PARTITION BY CASE WHEN component = 'assistance' THEN household_id ELSE person_id END,
                                     component) AS best
                 FROM tmp_income t) c
           WHERE priority = best"""
    )
    analyze(conn, "mart.income_item")
    return int(conn.exec_driver_sql("SELECT count(*) FROM mart.income_item").scalar_one())


def _card_items(conn: Connection, params: dict) -> None:
    if not has_feed(conn, "caizheng_yikatong"):
        return
    mapping = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CARD_ITEMS.items())
    yearly = ", ".join(f"'{k}'" for k in YEARLY_CARD_ITEMS)
    sql = feed_rows(
        "caizheng_yikatong",
        f"s.subsidy_item, s.amount, s.paid_on,"
        f" CASE s.subsidy_item {mapping} ELSE 'other_subsidy' END AS component",
        "s.paid_on > :window_start AND s.paid_on <= :as_of AND s.amount > 0",
    )
    # months the card ledger covers within the window (a new county has one month, a year on, 12)
    conn.execute(
        text(f"""
        CREATE TEMP TABLE tmp_card ON COMMIT DROP AS
        WITH paid AS ({sql}),
        months AS (
            SELECT greatest(count(DISTINCT date_trunc('month', paid_on)), 1) AS n
            FROM paid WHERE subsidy_item NOT IN ({yearly})
        )
        SELECT p.household_id, p.person_id, p.component, p.feed_id, min(p.record_key) AS record_key,
               CASE WHEN p.subsidy_item IN ({yearly}) THEN sum(p.amount)
                    ELSE round(sum(p.amount) * 12 / least((SELECT n FROM months), 12), 2) END AS amount
        FROM paid p
        GROUP BY p.household_id, p.person_id, p.component, p.feed_id, p.subsidy_item"""),
        params,
    )
    conn.exec_driver_sql(
        "INSERT INTO tmp_income SELECT household_id, person_id, component, feed_id, record_key, amount, 0"
        " FROM tmp_card"
    )
    conn.exec_driver_sql("DROP TABLE tmp_card")
