"""Person linkage: a deterministic pass on ID numbers, then Fellegi–Sunter for the rest.

1. Every record with a valid (or converted 15-digit) ID belongs to the person of that ID key.
   linkage.profile holds one row per ID key: its most frequent names, village, township, phone,
   and the sex and birth date the ID itself encodes.
2. Records without a usable ID (missing, bad check digit, Excel-mangled) are compared with the
   profiles through blocking rules suited to Chinese data and scored with a Fellegi–Sunter model
   whose m/u are estimated on this night's own data: records that do have a valid ID are
   compared with the profiles the same way, and the ID tells which pairs match.
3. Each record is placed with its best profile when the match probability clears the upper
   threshold and no other profile comes close; the grey zone goes to the steward review queue.
   A record never joins two ID keys, so two different valid IDs are never merged.
4. Records still unplaced are linked among themselves (people with no valid ID anywhere).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from linkage import compare
from linkage.blocking import BlockingRule, candidate_pairs
from linkage.cluster import components
from linkage.db import frame
from linkage.fs import FSModel, fit_supervised, override_field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PersonSettings:
    """Thresholds and blocking of the person model (defaults documented in docs/linkage.md)."""

    upper: float = 0.95  # link at or above this match probability (see docs/linkage.md: calibration)
    lower: float = 0.50  # review queue between lower and upper; below: no link
    ambiguity_margin: float = 0.5  # a second profile above `lower` makes the record ambiguous
    share_with_profile: float = 0.9  # prior: share of ID-less records whose person has a valid ID somewhere
    training_sample: int = 150_000
    chunk_rows: int = 40_000
    rules: tuple[BlockingRule, ...] = field(
        default_factory=lambda: (
            BlockingRule("id17", ("id17",), 5),
            BlockingRule("id_birth", ("birth8",), 400),
            BlockingRule("id_md_seq", ("mdseq",), 50),
            BlockingRule("id_y_seq", ("yseq",), 50),
            BlockingRule("name_birth", ("name", "birth_date"), 100),
            BlockingRule("pinyin_birth", ("pinyin", "birth_date"), 100),
            BlockingRule("name_village", ("name", "village_code"), 100),
            BlockingRule("pinyin_village", ("pinyin", "village_code"), 100),
            BlockingRule("name_township", ("name", "township_code"), 200),
            BlockingRule("phone", ("phone",), 20),
            BlockingRule("name_account", ("name", "account"), 20),
            BlockingRule("rare_name", ("name",), 40),
        )
    )

    @property
    def non_id_rules(self) -> tuple[BlockingRule, ...]:
        return tuple(r for r in self.rules if not r.name.startswith("id"))


# ---------------------------------------------------------------- data ---------------------------

def _most_frequent(cte: str, column: str) -> str:
    """A CTE ranking each ID key's values of `column` by how many records carry them."""
    return f"""{cte} AS (
    SELECT id_key, {column},
           row_number() OVER (PARTITION BY id_key ORDER BY count(*) DESC, {column}) AS rk
    FROM keyed WHERE {column} IS NOT NULL GROUP BY id_key, {column}),
"""


_RANKED = (
    ("names", "name"),
    ("villages", "village_code"),
    ("townships", "township_code"),
    ("phones", "phone"),
    ("details", "address_detail"),
    ("accounts", "account"),
)

PROFILE_SQL = """
TRUNCATE linkage.profile;
INSERT INTO linkage.profile (id_key, name, name2, sex, birth_date, township_code, village_code,
    village2_code, phone, rep_feed_id, rep_record_key, address_detail, account, is_head)
WITH keyed AS (SELECT * FROM linkage.record WHERE id_key IS NOT NULL),
""" + "".join(_most_frequent(cte, column) for cte, column in _RANKED) + """heads AS (
    SELECT id_key, bool_or(relation_to_head IN ('户主', '本人')) AS is_head
    FROM keyed WHERE relation_to_head IS NOT NULL GROUP BY id_key),
reps AS (
    SELECT DISTINCT ON (id_key) id_key, feed_id, record_key FROM keyed
    ORDER BY id_key, (feed_id = 'gongan_huji') DESC, feed_id, record_key)
SELECT r.id_key, n1.name, n2.name,
       CASE WHEN mod(substr(r.id_key, 17, 1)::int, 2) = 1 THEN 'M' ELSE 'F' END,
       to_date(substr(r.id_key, 7, 8), 'YYYYMMDD'),
       t.township_code, v.village_code, v2.village_code, p.phone, r.feed_id, r.record_key,
       d.address_detail, a.account, h.is_head
FROM reps r
LEFT JOIN names n1 ON n1.id_key = r.id_key AND n1.rk = 1
LEFT JOIN names n2 ON n2.id_key = r.id_key AND n2.rk = 2
LEFT JOIN villages v ON v.id_key = r.id_key AND v.rk = 1
LEFT JOIN villages v2 ON v2.id_key = r.id_key AND v2.rk = 2
LEFT JOIN townships t ON t.id_key = r.id_key AND t.rk = 1
LEFT JOIN phones p ON p.id_key = r.id_key AND p.rk = 1
LEFT JOIN details d ON d.id_key = r.id_key AND d.rk = 1
LEFT JOIN accounts a ON a.id_key = r.id_key AND a.rk = 1
LEFT JOIN heads h ON h.id_key = r.id_key;
ANALYZE linkage.profile;
"""

# Bump when the comparison levels or fields change: the next run then re-links in full and
# re-estimates the model instead of applying a stored one to levels it does not know.
MODEL_VERSION = 6

_RECORD_COLS = (
    "feed_id, record_key, id_key, id_digits, id_status, name, sex, birth_date, "
    "township_code, village_code, phone, address_detail, account, born_after, born_before, programme"
)


def rebuild_profiles(conn: Connection, only_keys: str | None = None) -> int:
    """Rebuild linkage.profile from linkage.record: all of it, or only the ID keys listed in the
    table named by `only_keys` (an incremental night touches a few thousand keys, not 1.5 M)."""
    sql = PROFILE_SQL
    if only_keys:
        sql = sql.replace(
            "TRUNCATE linkage.profile;",
            f"DELETE FROM linkage.profile WHERE id_key IN (SELECT id_key FROM {only_keys});",
        )
        sql = sql.replace(
            "SELECT * FROM linkage.record WHERE id_key IS NOT NULL",
            f"SELECT * FROM linkage.record WHERE id_key IN (SELECT id_key FROM {only_keys})",
        )
        sql = sql.replace("ANALYZE linkage.profile;", "")
    for stmt in sql.split(";"):
        if stmt.strip():
            conn.exec_driver_sql(stmt)
    return conn.exec_driver_sql("SELECT count(*) FROM linkage.profile").scalar_one()


def load_profiles(conn: Connection) -> pd.DataFrame:
    return frame(conn, "SELECT * FROM linkage.profile ORDER BY id_key")


def load_unresolved(conn: Connection, only_changed: bool = False) -> pd.DataFrame:
    """Records without a usable ID (all of them, or only those in tmp_changed)."""
    join = "JOIN tmp_changed c USING (feed_id, record_key)" if only_changed else ""
    return frame(
        conn,
        f"SELECT {_RECORD_COLS} FROM linkage.record {join} WHERE id_key IS NULL ORDER BY feed_id, record_key",
    )


def load_training_sample(conn: Connection, n: int) -> pd.DataFrame:
    """Records with a valid ID, as if their ID were missing: the labelled side of training."""
    total = conn.exec_driver_sql("SELECT count(*) FROM linkage.record WHERE id_key IS NOT NULL").scalar_one()
    pct = min(100.0, 100.0 * n / max(total, 1))
    return frame(
        conn,
        f"SELECT {_RECORD_COLS} FROM linkage.record TABLESAMPLE BERNOULLI (%(pct)s) REPEATABLE (42)"
        " WHERE id_key IS NOT NULL ORDER BY feed_id, record_key",
        {"pct": pct},
    )


# ---------------------------------------------------------------- features -----------------------


def _pinyin(names: pd.Series) -> pd.Series:
    from shouwang.staging.standardize.names import name_pinyin

    return name_pinyin(names.astype(object))


def _dates(values: pd.Series) -> pd.Series:
    """Dates as yyyymmdd integers (0 = unknown): blocking keys and comparisons without strings."""
    d = pd.to_datetime(values, errors="coerce")
    return (d.dt.year * 10000 + d.dt.month * 100 + d.dt.day).fillna(0).astype(np.int32)


def prepare_records(records: pd.DataFrame) -> pd.DataFrame:
    """Blocking and comparison columns of records (left side)."""
    out = records.copy()
    out["pinyin"] = _pinyin(out["name"])
    out["birth_date"] = _dates(out["birth_date"])
    for col in ("born_after", "born_before"):  # feeds without a subject_age (and test frames)
        out[col] = _dates(out[col]) if col in out else np.zeros(len(out), dtype=np.int32)
    digits = out["id_digits"].astype(object)
    ok = digits.notna()
    d = digits.where(ok, "").astype(str)
    out["id17"] = d.str[:17].where(ok, None)
    out["birth8"] = d.str[6:14].where(ok, None)
    out["mdseq"] = d.str[10:17].where(ok, None)
    out["yseq"] = (d.str[6:10] + d.str[14:17]).where(ok, None)
    out["township_code"] = _township_filled(out)
    programme = out["programme"] if "programme" in out else pd.Series(None, index=out.index, dtype=object)
    out["programme_tag"] = programme_tags(out["feed_id"], programme)
    return out


def programme_tags(feed_ids: pd.Series, values: pd.Series) -> np.ndarray:
    """`feed:value` of each record's programme field (None without one): the unit whose roster
    linkage learns (`choose_programmes`), since 低保对象 in a pension and in an insurance feed
    may point to different rosters."""
    v = values.astype(object)
    ok = v.notna().to_numpy()
    out = np.full(len(v), None, dtype=object)
    if ok.any():
        out[ok] = (feed_ids.astype(str)[ok] + ":" + v[ok].astype(str)).to_numpy()
    return out


def _township_filled(f: pd.DataFrame) -> np.ndarray:
    """Townships filled from village codes once per record rather than once per compared pair."""
    return compare.fill_township(f["township_code"].to_numpy(), f["village_code"].to_numpy())


def prepare_profiles(profiles: pd.DataFrame) -> pd.DataFrame:
    """Profiles with comparison columns, exploded to one row per known name for blocking."""
    p = profiles.copy()
    p["birth_date"] = _dates(p["birth_date"])
    p["pinyin"] = _pinyin(p["name"])
    p["pinyin2"] = _pinyin(p["name2"])
    k = p["id_key"].astype(str)
    p["id_digits"] = p["id_key"]
    p["id17"] = k
    p["birth8"] = k.str[6:14]
    p["mdseq"] = k.str[10:17]
    p["yseq"] = k.str[6:10] + k.str[14:17]
    p["township_code"] = _township_filled(p)
    is_head = p["is_head"] if "is_head" in p else pd.Series(None, index=p.index, dtype=object)
    p["head"] = pd.array(is_head, dtype="boolean").to_numpy(dtype=float, na_value=np.nan)
    return p


def _blocking_side(profiles: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Right side of blocking: each profile once per name it is known by; returns (frame, profile pos)."""
    first = profiles.assign(_p=np.arange(len(profiles)))
    second = first[first["name2"].notna()].assign(name=lambda f: f["name2"], pinyin=lambda f: f["pinyin2"])
    both = pd.concat([first, second], ignore_index=True)
    return both, both["_p"].to_numpy()


def compare_pairs(
    left: pd.DataFrame,
    right: pd.DataFrame,
    li: np.ndarray,
    ri: np.ndarray,
    right_is_profile: bool = True,
    slots: FeedSlots | None = None,
    leave_one_out: bool = False,
) -> pd.DataFrame:
    """Comparison levels for pairs (left position li, right position ri)."""
    L = left.iloc[li]
    R = right.iloc[ri]
    name = compare.person_name(
        L["name"].to_numpy(), R["name"].to_numpy(), L["pinyin"].to_numpy(), R["pinyin"].to_numpy()
    )
    if right_is_profile:
        name2 = compare.person_name(
            L["name"].to_numpy(), R["name2"].to_numpy(), L["pinyin"].to_numpy(), R["pinyin2"].to_numpy()
        )
        name = np.maximum(name, name2)
    levels = {
        "name": name,
        "birth_date": compare.birth_date(L["birth_date"].to_numpy(), R["birth_date"].to_numpy()),
        "sex": compare.exact(L["sex"].to_numpy(), R["sex"].to_numpy()),
        "age": compare.age_window(
            R["birth_date"].to_numpy(), L["born_after"].to_numpy(), L["born_before"].to_numpy(),
            L["birth_date"].to_numpy(),
        ),
        "place": _place(L, R, right_is_profile),
        "phone": compare.phone(L["phone"].to_numpy(), R["phone"].to_numpy()),
        "account": compare.exact(L["account"].to_numpy(), R["account"].to_numpy()),
        "id": compare.id_number(L["id_digits"].to_numpy(), R["id_digits"].to_numpy()),
        "feed_slot": (
            slots.level(L["feed_id"].to_numpy(), np.asarray(ri), leave_one_out)
            if slots is not None and right_is_profile
            else np.full(len(li), compare.MISSING, dtype=np.int8)
        ),
        "head": (
            slots.head_level(L["feed_id"].to_numpy(), R["head"].to_numpy())
            if slots is not None and right_is_profile and "head" in R
            else np.full(len(li), compare.MISSING, dtype=np.int32)
        ),
        "programme": (
            slots.programme_level(L["programme_tag"].to_numpy(), np.asarray(ri))
            if slots is not None and right_is_profile and "programme_tag" in L
            else np.full(len(li), compare.MISSING, dtype=np.int32)
        ),
    }
    return pd.DataFrame(levels)


@dataclass
class FeedSlots:
    """How many records each profile already has in each one-record-per-person feed.

    In a feed that holds one record per person (a pension account, an insurance enrolment, a
    hukou entry), a record without an ID is unlikely to belong to a person who already has a
    record there. Which feeds are like that is read from the data (ID keys are unique in them).
    """

    columns: dict[str, int]  # one-record-per-person feed -> its column of `counts`
    counts: np.ndarray  # (profiles, feeds) uint8
    head_codes: dict[str, int] = field(default_factory=dict)  # feed -> code of its "head" levels
    # programme tag (feed:value) -> (code of its "programme" levels, column of its roster's counts)
    programmes: dict[str, tuple[int, int]] = field(default_factory=dict)

    def level(self, feed_ids: np.ndarray, profile_pos: np.ndarray, leave_one_out: bool = False) -> np.ndarray:
        """1 the person has no record in this feed yet; 0 it has; -1 the feed allows several."""
        out = np.full(len(feed_ids), compare.MISSING, dtype=np.int8)
        col = pd.Series(feed_ids).map(self.columns).to_numpy(dtype=float)
        ok = ~np.isnan(col)
        if ok.any():
            c = self.counts[np.asarray(profile_pos)[ok], col[ok].astype(np.int64)].astype(np.int64)
            out[ok] = np.where(c - int(leave_one_out) > 0, 0, 1)
        return out

    def head_level(self, feed_ids: np.ndarray, head: np.ndarray) -> np.ndarray:
        """2 x the record's feed code, + 1 when the profile is a household head; -1 unknown.

        Whether a record names a household head depends on its feed (an electricity account or a
        land contract is usually the head's, a pension account anyone's), so each feed has its
        own pair of levels and `head_probabilities` learns each feed's share of heads.
        `head`: the profiles' `head` column (1.0 head, 0.0 not, NaN unknown; see prepare_profiles).
        """
        out = np.full(len(feed_ids), compare.MISSING, dtype=np.int32)
        code = pd.Series(feed_ids).map(self.head_codes).to_numpy(dtype=float)
        head = np.asarray(head, dtype=float)
        ok = ~np.isnan(code) & ~np.isnan(head)
        out[ok] = (2 * code[ok] + head[ok]).astype(np.int32)
        return out

    def programme_level(self, tags: np.ndarray, profile_pos: np.ndarray) -> np.ndarray:
        """2 x the tag's code, + 1 when the profile has a record in the tag's roster; -1 when the
        record names no programme, or one whose roster the model did not learn.

        A pension paid for 低保对象 points to the person on 民政's assistance roster; with two
        people of the same name in one village, membership picks the one who is on it.
        """
        out = np.full(len(tags), compare.MISSING, dtype=np.int32)
        if not self.programmes:
            return out
        known = pd.Series(tags, dtype=object).map(self.programmes)
        ok = known.notna().to_numpy()
        if ok.any():
            code, col = np.array(known[ok].tolist(), dtype=np.int64).T
            member = self.counts[np.asarray(profile_pos)[ok], col] > 0
            out[ok] = (2 * code + member).astype(np.int32)
        return out


def one_record_feeds(conn: Connection, max_duplicate_share: float = 0.01) -> list[str]:
    """Feeds where ID keys are (nearly) unique: one record per person. Read from the data on a
    full run and kept with the model, so an incremental night does not count 9 M records again."""
    return frame(
        conn,
        "SELECT feed_id FROM linkage.record WHERE id_key IS NOT NULL"
        " GROUP BY feed_id HAVING count(*) >= 50"
        f" AND count(DISTINCT id_key) >= (1 - {max_duplicate_share}) * count(*) ORDER BY feed_id",
    )["feed_id"].tolist()


def load_feed_slots(
    conn: Connection,
    profiles: pd.DataFrame,
    slot_feeds: list[str],
    feeds: list[str] | None = None,
    only_keys: np.ndarray | None = None,
    heads: list[str] | None = None,
    programmes: list[tuple[str, str]] | None = None,
) -> FeedSlots:
    """Each profile's record count in the one-record-per-person feeds (`slot_feeds`) and in the
    rosters of the programme tags (`programmes`: [(feed:value, roster feed)], see
    `choose_programmes`), restricted to the records of `feeds` when given, for every profile or
    only the `only_keys` an incremental night's candidates are."""
    wanted = None if feeds is None else set(feeds)
    unique = [f for f in slot_feeds if wanted is None or f in wanted]
    tags = [
        (code, tag, roster)
        for code, (tag, roster) in enumerate(programmes or [])
        if wanted is None or tag.split(":", 1)[0] in wanted
    ]
    all_columns = {f: i for i, f in enumerate(sorted(set(unique) | {r for _, _, r in tags}))}
    columns = {f: all_columns[f] for f in unique}
    counts = np.zeros((len(profiles), max(len(all_columns), 1)), dtype=np.uint8)
    if all_columns:
        key_filter = ""
        if only_keys is not None:
            conn.exec_driver_sql("DROP TABLE IF EXISTS pg_temp.tmp_slot_keys")
            conn.exec_driver_sql("CREATE TEMP TABLE tmp_slot_keys (id_key text PRIMARY KEY)")
            with conn.connection.dbapi_connection.cursor() as cur:
                import io

                keys = pd.unique(np.asarray(only_keys, dtype=object))
                cur.copy_expert("COPY tmp_slot_keys FROM STDIN", io.StringIO("".join(f"{k}\n" for k in keys)))
            conn.exec_driver_sql("ANALYZE tmp_slot_keys")
            key_filter = " AND id_key IN (SELECT id_key FROM tmp_slot_keys)"
        rows = frame(
            conn,
            "SELECT id_key, feed_id, least(count(*), 255) AS n FROM linkage.record"
            " WHERE id_key IS NOT NULL AND feed_id = ANY(%(f)s)" + key_filter + " GROUP BY 1, 2",
            {"f": list(all_columns)},
        )
        pos = pd.Series(np.arange(len(profiles)), index=profiles["id_key"].to_numpy())
        p = pos.reindex(rows["id_key"].to_numpy()).to_numpy()
        ok = ~np.isnan(p)
        col = rows["feed_id"].map(all_columns).to_numpy()
        counts[p[ok].astype(np.int64), col[ok]] = rows["n"].to_numpy()[ok]
    return FeedSlots(
        columns,
        counts,
        {f: i for i, f in enumerate(heads or [])},
        {tag: (code, all_columns[roster]) for code, tag, roster in tags},
    )


def _place(L: pd.DataFrame, R: pd.DataFrame, right_is_profile: bool) -> np.ndarray:
    """Place level against the profile's villages: people are registered in one village and
    live, farm or hold an electricity account in another, so either of its two villages counts."""
    detail_l, detail_r = L["address_detail"].to_numpy(), R["address_detail"].to_numpy()
    level = compare.place(
        L["village_code"].to_numpy(),
        R["village_code"].to_numpy(),
        L["township_code"].to_numpy(),
        R["township_code"].to_numpy(),
        detail_l,
        detail_r,
    )
    if right_is_profile and "village2_code" in R:
        second = compare.place(
            L["village_code"].to_numpy(),
            R["village2_code"].to_numpy(),
            L["township_code"].to_numpy(),
            R["township_code"].to_numpy(),
            detail_l,
            detail_r,
        )
        level = np.where(second >= 3, np.maximum(level, second), level)
    return level


@dataclass(frozen=True)
class Frequencies:
    """How common a value is among persons: the u of agreeing on it (term-frequency adjustment)."""

    names: pd.Series  # name -> share of profiles
    pinyins: pd.Series  # pinyin -> share
    n: int
    births: np.ndarray  # profiles' birth dates (yyyymmdd), sorted, unknown ones left out


def frequencies(profiles: pd.DataFrame) -> Frequencies:
    n = max(len(profiles), 1)
    births = profiles["birth_date"].to_numpy(dtype=np.int64)
    return Frequencies(
        profiles["name"].value_counts() / n,
        profiles["pinyin"].value_counts() / n,
        n,
        np.sort(births[births > 0]),
    )


def window_share(births: np.ndarray, after: np.ndarray, before: np.ndarray) -> np.ndarray:
    """Share of persons born in each [after, before] window (yyyymmdd, 0 = open end)."""
    total = max(len(births), 1)
    hi = np.where(before > 0, np.searchsorted(births, before, side="right"), len(births))
    lo = np.where(after > 0, np.searchsorted(births, after, side="left"), 0)
    return np.maximum(hi - lo, 0) / total


def _tf(model: FSModel, left: pd.DataFrame, li: np.ndarray, freq: Frequencies) -> dict:
    """Per-pair u of agreements whose worth depends on the value agreed on: an exact name or
    pinyin (how common the name is) and a birth inside a feed's age window (how many persons were
    born in it: 60 and older is a fifth of the county, 16 and older most of it)."""
    out = {}
    if "name" in model.fields:
        floor = 1.0 / max(freq.n, 1)
        u_name = pd.Series(left["name"].to_numpy()[li]).map(freq.names).to_numpy(dtype=float)
        u_pinyin = pd.Series(left["pinyin"].to_numpy()[li]).map(freq.pinyins).to_numpy(dtype=float)
        out["name"] = [
            (3, np.where(np.isnan(u_name), floor, u_name)),
            (2, np.where(np.isnan(u_pinyin), floor, u_pinyin)),
        ]
    if "age" in model.fields:
        # u is unconditional (the -1 level holds pairs without a window), so the window's share
        # is scaled by the share of pairs that have one, which m(0) + m(1) estimates
        has_window = model.m["age"].get(0, 0.0) + model.m["age"].get(1, 0.0)
        share = window_share(
            freq.births, left["born_after"].to_numpy()[li], left["born_before"].to_numpy()[li]
        )
        share = np.clip(share, 1e-6, 1 - 1e-6)
        out["age"] = [(1, share * has_window), (0, (1 - share) * has_window)]
    return out


_LOO_FIELDS = ("name", "village_code", "township_code", "phone", "address_detail", "account")


def leave_one_out_profiles(conn: Connection, sample: pd.DataFrame, own: pd.DataFrame) -> pd.DataFrame:
    """Each sampled record's own profile as it would be without that record.

    Profiles are built from all records, the sampled ones included; comparing a record with a
    profile it helped build would make agreement look more certain than it is for the records
    that really need the model (those without an ID are never part of a profile).
    """
    out = own.copy()
    conn.exec_driver_sql("DROP TABLE IF EXISTS pg_temp.tmp_keys")
    conn.exec_driver_sql("CREATE TEMP TABLE tmp_keys (id_key text PRIMARY KEY)")
    with conn.connection.dbapi_connection.cursor() as cur:
        import io

        buf = io.StringIO("\n".join(sample["id_key"].drop_duplicates().astype(str)) + "\n")
        cur.copy_expert("COPY tmp_keys (id_key) FROM STDIN", buf)
    rows = pd.DataFrame({"i": np.arange(len(sample)), "id_key": sample["id_key"].to_numpy()})
    for field_name in _LOO_FIELDS:
        counts = frame(
            conn,
            f"SELECT r.id_key, r.{field_name} AS v, count(*) AS n FROM linkage.record r"
            f" JOIN tmp_keys k USING (id_key) WHERE r.{field_name} IS NOT NULL GROUP BY 1, 2",
        )
        merged = rows.merge(counts, on="id_key")
        merged["n"] = merged["n"] - (merged["v"].to_numpy() == sample[field_name].to_numpy()[merged["i"]])
        merged = merged[merged["n"] > 0].sort_values(["i", "n", "v"], ascending=[True, False, True])
        merged["rank"] = merged.groupby("i").cumcount()
        first = merged[merged["rank"] == 0].set_index("i")["v"]
        out[field_name] = first.reindex(np.arange(len(sample))).to_numpy(dtype=object)
        if field_name in ("name", "village_code"):
            second = merged[merged["rank"] == 1].set_index("i")["v"]
            second_col = "name2" if field_name == "name" else "village2_code"
            out[second_col] = second.reindex(np.arange(len(sample))).to_numpy(dtype=object)
    out["pinyin"] = _pinyin(out["name"])
    out["pinyin2"] = _pinyin(out["name2"])
    return out


def train(
    conn: Connection,
    profiles: pd.DataFrame,
    settings: PersonSettings,
    slot_feeds: list[str],
    heads: list[str],
) -> tuple[FSModel, dict]:
    """Estimate m/u on this night's data with the ID number as the teacher.

    Records that do have a valid ID are compared, as if their ID were missing, with their own
    profile rebuilt without them (leave-one-out, so a record never agrees with itself: matching
    pairs, m) and with random profiles (non-matching pairs, u); recordlinkage's
    naive Bayes classifier counts the levels. Neither side goes through blocking, so m and u are
    not biased by it. The ID field's own m comes from how often IDs arrive broken (the share of
    bad check digits), its u from the random pairs. The prior is one in the number of profiles:
    a record belongs to at most one of them.
    """
    rng = np.random.default_rng(42)
    sample = load_training_sample(conn, settings.training_sample)
    sample = sample[sample["id_key"].isin(profiles["id_key"])].reset_index(drop=True)
    if sample.empty or len(profiles) < 2:
        raise ValueError("training needs records with valid ID numbers and at least two profiles")
    hidden = prepare_records(sample.assign(id_digits=None))
    real = prepare_records(sample)
    pos_of = pd.Series(np.arange(len(profiles)), index=profiles["id_key"].to_numpy())
    own = pos_of.reindex(sample["id_key"].to_numpy()).to_numpy()
    own_loo = leave_one_out_profiles(conn, sample, profiles.iloc[own].reset_index(drop=True))
    n = len(sample)
    rand = rng.integers(0, len(profiles), 2 * n)
    rand = rand[
        profiles["id_key"].to_numpy()[rand] != sample["id_key"].to_numpy()[np.repeat(np.arange(n), 2)]
    ]
    li_rand = np.repeat(np.arange(n), 2)[: len(rand)]
    rosters = sorted(heads)  # every linked feed may be a programme's roster
    probe = load_feed_slots(
        conn, profiles, rosters, only_keys=profiles["id_key"].to_numpy()[np.concatenate([own, rand])]
    )
    member = probe.counts > 0
    chosen = choose_programmes(
        hidden["programme_tag"].to_numpy(),
        hidden["feed_id"].to_numpy(),
        member[own],
        member[rand],
        sorted(probe.columns, key=probe.columns.get),
    )
    programmes = [(c.tag, c.roster) for c in chosen]
    slots = load_feed_slots(conn, profiles, slot_feeds, heads=heads, programmes=programmes)
    match_levels = compare_pairs(hidden, own_loo, np.arange(n), np.arange(n))
    match_levels["feed_slot"] = slots.level(hidden["feed_id"].to_numpy(), own, leave_one_out=True)
    # not left out: a record's own relation field makes its person's head status, but only feeds
    # with a relation field (huji, jiuzhu, jiance) have one, and for them the share is the base rate
    match_levels["head"] = slots.head_level(hidden["feed_id"].to_numpy(), profiles["head"].to_numpy()[own])
    non_levels = compare_pairs(hidden, profiles, li_rand, rand, slots=slots)
    levels = pd.concat([match_levels, non_levels], ignore_index=True).drop(columns=["id"])
    is_match = np.concatenate([np.ones(n, bool), np.zeros(len(rand), bool)])
    li = np.concatenate([np.arange(n), li_rand])
    pi = np.concatenate([own, rand])
    model = fit_supervised(levels.drop(columns=["head", "programme"]), is_match)
    model = _near_miss_floors(model)
    m_head, u_head = head_probabilities(levels["head"].to_numpy(), is_match, len(heads))
    model = override_field(model, "head", m_head, u_head)
    model = override_field(model, "programme", *programme_probabilities(chosen))
    m_id, u_id = _id_probabilities(conn, real["id_digits"].to_numpy()[li[~is_match]], profiles, pi[~is_match])
    model = override_field(model, "id", m_id, u_id)
    model = FSModel(m=model.m, u=model.u, prior=1.0 / len(profiles), fields=model.fields)
    # blocking recall: share of the sampled records whose own profile the (non-ID) rules reach
    right, pos = _blocking_side(profiles)
    found = np.zeros(len(sample), dtype=bool)
    for chunk in candidate_pairs(hidden, right, list(settings.non_id_rules), settings.chunk_rows):
        lch, pch = chunk["l"].to_numpy(), pos[chunk["r"].to_numpy()]
        found[lch[own[lch] == pch]] = True
    report = {
        "training_records": int(len(sample)),
        "training_pairs": int(len(li)),
        "blocking_recall_without_id": round(float(found.mean()), 4),
        "programmes": [
            {"tag": c.tag, "roster": c.roster, "records": c.records, "m": round(c.m, 4), "u": round(c.u, 4)}
            for c in chosen
        ],
        "programme_rosters": programmes,
        "model": model.as_dict(),
    }
    return model, report


# A near miss (one character of a name, one part of a birth date) is at least this likely among
# matches, whatever tonight's training sample shows: the contract lists such typos, and a county
# whose sample happens to lack them must not turn a near miss into strong evidence against.
# The same for a profile outside the age window of a record's feed (a status keyed wrongly).
NEAR_MISS_M_FLOOR = {"name": {1: 0.005}, "birth_date": {1: 0.005}, "age": {0: 0.005}}


def _near_miss_floors(model: FSModel) -> FSModel:
    m = {f: dict(levels) for f, levels in model.m.items()}
    for f, floors in NEAR_MISS_M_FLOOR.items():
        for level, floor in floors.items():
            if f in m:
                m[f][level] = max(m[f].get(level, 0.0), floor)
    return FSModel(m=m, u=model.u, prior=model.prior, fields=model.fields)


# Shrinkage of a feed's share of heads towards the overall share (in training pairs), and its
# bounds: a feed whose sampled records all name heads still leaves room for one that does not.
HEAD_PRIOR_PAIRS = 20.0
HEAD_SHARE_BOUNDS = (0.02, 0.98)


def head_probabilities(
    levels: np.ndarray, is_match: np.ndarray, n_feeds: int
) -> tuple[dict[int, float], dict[int, float]]:
    """m/u of the "head" levels (see FeedSlots.head_level), per feed.

    u: the share of heads among random profiles (non-matching pairs), the same for every feed.
    m: the share of heads among the persons the feed's own records belong to (matching pairs),
    shrunk towards u when the feed has few sampled records. A feed whose records are mostly heads'
    then says "this is the head of a household": with two people of the same name in one village,
    it picks the head; a feed like any other weighs nothing.
    """
    known = levels >= 0
    non = known & ~is_match
    base = float((levels[non] % 2).mean()) if non.any() else 0.5
    m: dict[int, float] = {-1: 1.0}
    u: dict[int, float] = {-1: 1.0}
    lo, hi = HEAD_SHARE_BOUNDS
    for code in range(n_feeds):
        mine = levels[known & is_match & (levels // 2 == code)]
        share = (float((mine % 2).sum()) + HEAD_PRIOR_PAIRS * base) / (len(mine) + HEAD_PRIOR_PAIRS)
        share = min(max(share, lo), hi)
        m[2 * code + 1], m[2 * code] = share, 1.0 - share
        u[2 * code + 1], u[2 * code] = base, 1.0 - base
    return m, u


# A programme tag (feed:value) needs this many sampled records before its roster is learned, and
# its roster must be worth this much (Kullback–Leibler divergence, in bits, between membership
# among the tag's own persons and among random persons) to be used at all.
PROGRAMME_MIN_RECORDS = 50
PROGRAMME_MIN_BITS = 0.05


@dataclass(frozen=True)
class ProgrammeRoster:
    """A programme tag, the feed whose records say a person is in that programme, and how often
    the tag's own persons (m) and random persons (u) have a record there."""

    tag: str
    roster: str
    records: int
    m: float
    u: float


def _bernoulli_kl(m: np.ndarray, u: np.ndarray) -> np.ndarray:
    return m * np.log2(m / u) + (1 - m) * np.log2((1 - m) / (1 - u))


def choose_programmes(
    tags: np.ndarray,
    record_feeds: np.ndarray,
    own_member: np.ndarray,
    random_member: np.ndarray,
    feeds: list[str],
) -> list[ProgrammeRoster]:
    """For each programme tag of the training sample, the feed whose membership best tells the
    tag's persons from anyone (largest KL divergence), learned from the data, not configured:
    代缴类型 低保对象 finds 民政's assistance roster, 补贴项目 护林员补助 the rangers' list.

    tags: each sampled record's programme tag (None: none); record_feeds: its own feed, never its
    roster; own_member (records x feeds) whether the record's own person has a record in each
    feed; random_member (random persons x feeds) the same for random persons (u). m is shrunk
    towards u like the head share and kept within HEAD_SHARE_BOUNDS.
    """
    out: list[ProgrammeRoster] = []
    if len(random_member) == 0 or not feeds:
        return out
    lo, hi = HEAD_SHARE_BOUNDS
    u = np.clip(random_member.mean(axis=0), 1e-3, 1 - 1e-3)
    tags = np.asarray(tags, dtype=object)
    present = pd.Series(tags).dropna()
    for tag, count in sorted(present.value_counts().items()):
        if count < PROGRAMME_MIN_RECORDS:
            continue
        rows = tags == tag
        m = (own_member[rows].sum(axis=0) + HEAD_PRIOR_PAIRS * u) / (count + HEAD_PRIOR_PAIRS)
        m = np.clip(m, lo, hi)
        kl = _bernoulli_kl(m, u)
        own_feeds = set(np.asarray(record_feeds, dtype=object)[rows])
        kl[[i for i, f in enumerate(feeds) if f in own_feeds]] = -1.0
        best = int(np.argmax(kl))
        if kl[best] >= PROGRAMME_MIN_BITS:
            out.append(ProgrammeRoster(str(tag), feeds[best], int(count), float(m[best]), float(u[best])))
    return out


def programme_probabilities(chosen: list[ProgrammeRoster]) -> tuple[dict[int, float], dict[int, float]]:
    """m/u of the "programme" levels (see FeedSlots.programme_level): code i is chosen[i]."""
    m: dict[int, float] = {-1: 1.0}
    u: dict[int, float] = {-1: 1.0}
    for code, c in enumerate(chosen):
        m[2 * code + 1], m[2 * code] = c.m, 1.0 - c.m
        u[2 * code + 1], u[2 * code] = c.u, 1.0 - c.u
    return m, u


def _id_probabilities(
    conn: Connection, sample_digits: np.ndarray, profiles: pd.DataFrame, random_pos: np.ndarray
) -> tuple[dict[int, float], dict[int, float]]:
    """m/u of the ID comparison, which only ever scores records without a usable ID.

    m: among those records that still carry digits, how the ID arrives broken: 18 characters with
    a typo (one digit or a swap: level 2; the check character itself: level 3) or an Excel prefix
    (level 1). u: sampled valid IDs against random profiles; for the prefix level, the sampled IDs
    cut to the 15 digits Excel keeps.
    """
    n18, npre = conn.exec_driver_sql(
        "SELECT count(*) FILTER (WHERE length(id_digits) = 18),"
        " count(*) FILTER (WHERE length(id_digits) BETWEEN 14 AND 16)"
        " FROM linkage.record WHERE id_key IS NULL AND id_digits IS NOT NULL"
    ).one()
    n = max(n18 + npre, 1)
    m_id = {
        3: max(n18 / n / 18, 1e-4),
        2: max(n18 / n * 17 / 18, 1e-4),
        1: max(npre / n, 1e-4),
        0: 1e-3,  # someone else's ID in the field, two typos
        -1: 1.0,
    }
    theirs = profiles["id_digits"].to_numpy()[random_pos]
    levels = compare.id_number(sample_digits, theirs)
    cut = np.array([d[:15] if isinstance(d, str) else None for d in sample_digits], dtype=object)
    prefix_levels = compare.id_number(cut, theirs)
    n_non = max(len(levels), 1)
    u_id = {lv: max(float((levels == lv).sum()) / n_non, 1e-8) for lv in (0, 2, 3)}
    u_id[1] = max(float((prefix_levels == 1).sum()) / n_non, 1.0 / max(len(profiles), 1))
    u_id[-1] = 1.0
    return m_id, u_id


# ---------------------------------------------------------------- scoring ------------------------


def score(
    model: FSModel,
    left: pd.DataFrame,
    right: pd.DataFrame,
    li,
    ri,
    freq: Frequencies,
    right_is_profile: bool = True,
    slots: FeedSlots | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    levels = compare_pairs(left, right, li, ri, right_is_profile, slots=slots)[list(model.fields)]
    weights = model.weights(levels, _tf(model, left, li, freq))
    total = weights.sum(axis=1).to_numpy()
    return levels, weights, total, model.probability(total)


def _groups(li: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort order, group starts and sizes of the pairs by record (computed once per night)."""
    order = np.argsort(li, kind="stable")
    ls = li[order]
    starts = np.flatnonzero(np.r_[True, ls[1:] != ls[:-1]]) if len(ls) else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(ls)])
    return order, starts, sizes


def assignment_probability(
    li: np.ndarray, total_bits: np.ndarray, n_profiles: int, share: float, groups=None
) -> np.ndarray:
    """P(record l is the person of this profile | all its candidates' evidence).

    Each profile is a priori equally likely (share / N) and "none of them" has prior 1 - share;
    a candidate's likelihood ratio is 2**bits. Candidates of the same record compete, so two
    persons of the same name in the same village split the probability between them.
    """
    if len(li) == 0:
        return np.zeros(0)
    order, starts, sizes = groups if groups is not None else _groups(li)
    log_a = (np.log2(share) - np.log2(max(n_profiles, 1)) + np.asarray(total_bits, dtype=float))[order]
    top = np.maximum.reduceat(log_a, starts)
    shifted = np.exp2(log_a - np.repeat(top, sizes))
    denom = np.add.reduceat(shifted, starts) + (1 - share) * np.exp2(-top)
    out = np.empty_like(shifted)
    out[order] = shifted / np.repeat(denom, sizes)
    return out


def estimate_share(
    li: np.ndarray, total_bits: np.ndarray, n_profiles: int, start: float, iterations: int = 30
) -> float:
    """EM for the prior that a record with candidates belongs to one of the profiles at all.

    Starts at the configured value and moves to what the night's candidates say: the mean
    posterior that a record's person is among its candidates.
    """
    if len(li) == 0:
        return start
    lse = best_per_record(li, np.zeros(len(li), np.int64), total_bits)["lse"]
    return share_from_lse(lse, n_profiles, start)


def best_per_record(li: np.ndarray, pi: np.ndarray, bits: np.ndarray) -> dict[str, np.ndarray]:
    """Per record with candidates: the pair row of its best profile (highest bits, then lowest
    profile position), the best and second-best bits (-inf: one candidate) and the log2-sum of
    2**bits over all its candidates."""
    bits = np.asarray(bits, dtype=float)
    order = np.lexsort((pi, -bits, li))
    ls = li[order]
    starts = np.flatnonzero(np.r_[True, ls[1:] != ls[:-1]]) if len(ls) else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(ls)])
    b = bits[order]
    top = b[starts]
    second = np.where(sizes > 1, b[np.minimum(starts + 1, len(b) - 1)], -np.inf)
    lse = top + np.log2(np.add.reduceat(np.exp2(b - np.repeat(top, sizes)), starts)) if len(b) else top
    return {"l": ls[starts], "row": order[starts], "top": top, "second": second, "lse": lse}


def share_from_lse(lse: np.ndarray, n_profiles: int, start: float, iterations: int = 30) -> float:
    """`estimate_share` from each record's log2-sum of its candidates' likelihood ratios (all the
    EM needs, so township blocks can score apart and the share is still estimated county-wide)."""
    if len(lse) == 0:
        return start
    share = start
    for _ in range(iterations):
        p = candidate_probability(lse, lse, n_profiles, share)  # P(the person is among them)
        new = float(np.clip(p.mean(), 0.5, 0.999))
        if abs(new - share) < 1e-4:
            share = new
            break
        share = new
    return share


def _log_denominator(lse: np.ndarray, n_profiles: int, share: float) -> np.ndarray:
    """log2 of (sum over candidates of share/N * 2**bits) + (1 - share)."""
    c = np.log2(share) - np.log2(max(n_profiles, 1))
    return np.logaddexp2(c + lse, np.log2(1 - share))


def candidate_probability(bits: np.ndarray, lse: np.ndarray, n_profiles: int, share: float) -> np.ndarray:
    """`assignment_probability` of one candidate from its bits and its record's log2-sum."""
    c = np.log2(share) - np.log2(max(n_profiles, 1))
    return np.exp2(c + np.asarray(bits, dtype=float) - _log_denominator(lse, n_profiles, share))


@dataclass
class PersonResult:
    placed: pd.DataFrame  # left position -> profile position, probability, weight, method
    review: pd.DataFrame  # left position, profile position, probability, weight, reason, evidence
    evidence: dict[int, str]  # left position -> per-field evidence of its link (JSON text)
    uu_groups: pd.DataFrame  # left position -> group label among unplaced records, probability
    figures: dict


def _evidence_json(levels: pd.DataFrame, weights: pd.DataFrame) -> list[str]:
    """Per-field {level, bits} of many pairs at once, as JSON text: one candidate per record is
    kept until the run's end (half a million at 450k households), and as text each takes a
    sixth of the memory a dict of dicts takes."""
    fields = list(levels.columns)
    lv = levels.to_numpy(dtype=np.int64).copy()
    for f in ("head", "programme"):  # show 1 head (on the roster) / 0 not / -1 unknown
        if f in fields:
            h = fields.index(f)
            lv[:, h] = np.where(lv[:, h] >= 0, lv[:, h] % 2, lv[:, h])
    w = np.round(weights[fields].to_numpy(dtype=np.float64), 2)
    return [
        json.dumps({f: {"level": int(a), "bits": float(b)} for f, a, b in zip(fields, r, x, strict=True)})
        for r, x in zip(lv, w, strict=True)
    ]


def evidence_text(evidence: str | dict | None) -> str | None:
    """Evidence as JSON text, whether it comes as text (scoring) or parsed (a jsonb column)."""
    return evidence if evidence is None or isinstance(evidence, str) else json.dumps(evidence)


CANDIDATE_COLUMNS = ("l", "p", "weight", "second", "lse", "candidates", "evidence")


def score_candidates(
    records: pd.DataFrame,
    profiles: pd.DataFrame,
    model: FSModel,
    settings: PersonSettings,
    slots: FeedSlots | Callable[[np.ndarray], FeedSlots] | None = None,
) -> tuple[pd.DataFrame, dict]:
    """The costly half of placing records (`decide` is the other): block and score them against
    the profiles.

    Each record's candidates are reduced to one row (`CANDIDATE_COLUMNS`: record position `l`,
    best profile `p`, its bits `weight` and per-field `evidence`, the second-best bits and the
    log2-sum of all candidates' likelihood ratios), which is all `decide` needs. The right side is
    the whole county, so records can be split into blocks (townships) scored apart, even on other
    machines, and their rows concatenated: the decisions are the same.
    """
    t0 = time.perf_counter()
    left = prepare_records(records)
    right, pos = _blocking_side(profiles)
    freq = frequencies(profiles)
    pair_chunks = []
    for chunk in candidate_pairs(left, right, list(settings.rules), settings.chunk_rows):
        pairs = pd.DataFrame({"l": chunk["l"].to_numpy(), "p": pos[chunk["r"].to_numpy()]}).drop_duplicates()
        pair_chunks.append((pairs["l"].to_numpy(), pairs["p"].to_numpy()))
    if callable(slots):  # loaded for tonight's candidate profiles only
        candidates = (
            np.unique(np.concatenate([c[1] for c in pair_chunks])) if pair_chunks else np.zeros(0, int)
        )
        slots = slots(profiles["id_key"].to_numpy()[candidates])
    t1 = time.perf_counter()
    parts, n_pairs = [], 0
    while pair_chunks:  # chunks hold disjoint records: each is reduced on its own
        li, pi = pair_chunks.pop(0)
        levels, _, total, _ = score(model, left, profiles, li, pi, freq, slots=slots)
        best = best_per_record(li, pi, total)
        rows = best["row"]
        top_levels = levels.iloc[rows].reset_index(drop=True)
        top_weights = model.weights(top_levels, _tf(model, left, li[rows], freq))
        parts.append(
            pd.DataFrame(
                {
                    "l": best["l"],
                    "p": pi[rows],
                    "weight": best["top"],
                    "second": best["second"],
                    "lse": best["lse"],
                    "candidates": np.bincount(li)[best["l"]],
                    "evidence": _evidence_json(top_levels, top_weights),
                }
            )
        )
        n_pairs += len(li)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(CANDIDATE_COLUMNS))
    figures = {
        "records": int(len(left)),
        "candidate_pairs": int(n_pairs),
        "seconds": {"blocking": round(t1 - t0, 1), "scoring": round(time.perf_counter() - t1, 1)},
    }
    return out, figures


def decide(
    records: pd.DataFrame,
    profiles: pd.DataFrame,
    candidates: pd.DataFrame,
    model: FSModel,
    settings: PersonSettings,
    decisions: pd.DataFrame | None = None,
) -> PersonResult:
    """Place records with their best profile, queue the grey zone, group the rest among themselves.

    `candidates`: `score_candidates` rows of all records (of every block). The share of records
    whose person has a profile is estimated here, over the whole county.
    """
    t0 = time.perf_counter()
    c = candidates.sort_values("l", kind="stable").reset_index(drop=True)
    n = len(profiles)
    lse = c["lse"].to_numpy(dtype=float)
    share = share_from_lse(lse, n, settings.share_with_profile)
    best = pd.DataFrame(
        {
            "l": c["l"].to_numpy(dtype=np.int64),
            "p": c["p"].to_numpy(dtype=np.int64),
            "weight": c["weight"].to_numpy(dtype=float),
            "probability": candidate_probability(c["weight"].to_numpy(dtype=float), lse, n, share),
            "second": candidate_probability(c["second"].to_numpy(dtype=float), lse, n, share),
            "evidence": c["evidence"].to_numpy(),
        }
    )
    # steward decisions on (record, profile representative) pairs
    forced: dict[int, int] = {}
    forbidden: set[tuple[int, int]] = set()
    if decisions is not None and len(decisions):
        lkey = {k: i for i, k in enumerate(zip(records["feed_id"], records["record_key"], strict=True))}
        pkey = {
            k: i for i, k in enumerate(zip(profiles["rep_feed_id"], profiles["rep_record_key"], strict=True))
        }
        for d in decisions.itertuples(index=False):
            li_ = lkey.get((d.left_feed_id, d.left_record_key))
            pi_ = pkey.get((d.right_feed_id, d.right_record_key))
            if li_ is None or pi_ is None:
                continue
            if d.decision == "match":
                forced[li_] = pi_
            else:
                forbidden.add((li_, pi_))
    placed_rows, review_rows = [], []
    for b in best.itertuples(index=False):
        rec, p = int(b.l), int(b.p)
        if rec in forced:
            continue
        if (rec, p) in forbidden:
            continue
        ambiguous = b.second >= settings.lower and b.second >= b.probability - settings.ambiguity_margin
        if b.probability >= settings.upper and not ambiguous:
            placed_rows.append((rec, p, b.probability, b.weight, "probabilistic", b.evidence))
        elif b.probability >= settings.lower:
            review_rows.append(
                (rec, p, b.probability, b.weight, "ambiguous" if ambiguous else "grey_zone", b.evidence)
            )
    for rec, p in forced.items():
        placed_rows.append((rec, p, 1.0, np.nan, "steward", {"steward": "match"}))
    placed = pd.DataFrame(placed_rows, columns=["l", "p", "probability", "weight", "method", "evidence"])
    review = pd.DataFrame(review_rows, columns=["l", "p", "probability", "weight", "reason", "evidence"])
    evidence = {int(r.l): r.evidence for r in placed.itertuples(index=False)}
    # records placed nowhere: link them among themselves, across all townships
    t1 = time.perf_counter()
    rest = np.setdiff1d(np.arange(len(records)), placed["l"].to_numpy())
    left_rest = prepare_records(records.iloc[rest].reset_index(drop=True))
    uu = _link_unplaced(left_rest, model, settings, frequencies(profiles))
    uu["l"] = rest[uu["l"].to_numpy(dtype=np.int64)] if len(uu) else uu["l"]
    figures = {
        "share_with_profile": round(share, 4),
        "unresolved_records": int(len(records)),
        "placed_probabilistic": int((placed["method"] == "probabilistic").sum()),
        "placed_steward": int((placed["method"] == "steward").sum()),
        "review_items": int(len(review)),
        "unplaced": int(len(rest)),
        "unplaced_groups": int(uu["group"].nunique()) if len(uu) else 0,
        "seconds": {"decisions": round(t1 - t0, 1), "unplaced": round(time.perf_counter() - t1, 1)},
    }
    return PersonResult(placed, review, evidence, uu, figures)


def merge_scoring_figures(figures: dict, scored: list[dict]) -> dict:
    """Add the scoring figures of one or more blocks to `decide`'s figures."""
    out = dict(figures)
    out["candidate_pairs"] = sum(s["candidate_pairs"] for s in scored)
    out["seconds"] = {
        "blocking": round(sum(s["seconds"]["blocking"] for s in scored), 1),
        "scoring": round(sum(s["seconds"]["scoring"] for s in scored), 1),
        **figures["seconds"],
    }
    if len(scored) > 1:
        out["blocks"] = len(scored)
    return out


def _link_unplaced(
    left: pd.DataFrame, model: FSModel, settings: PersonSettings, freq: Frequencies
) -> pd.DataFrame:
    """Group records with no ID match among themselves (the same person seen twice without an ID)."""
    if left.empty:
        return pd.DataFrame({"l": [], "group": [], "probability": [], "weak": []})
    right = left.assign(name2=None, pinyin2=None)
    edges = []
    for chunk in candidate_pairs(left, right, list(settings.rules), settings.chunk_rows, same_frame=True):
        li, ri = chunk["l"].to_numpy(), chunk["r"].to_numpy()
        _, _, _, prob = score(model, left, right, li, ri, freq, right_is_profile=False)
        keep = prob >= settings.upper
        edges.append(pd.DataFrame({"a": li[keep], "b": ri[keep], "probability": prob[keep]}))
    e = pd.concat(edges, ignore_index=True) if edges else pd.DataFrame({"a": [], "b": [], "probability": []})
    groups = components(len(left), e["a"].to_numpy(dtype=np.int64), e["b"].to_numpy(dtype=np.int64))
    out = pd.DataFrame({"l": np.arange(len(left)), "group": groups})
    best = (
        pd.concat(
            [
                e[["a", "probability"]].rename(columns={"a": "l"}),
                e[["b", "probability"]].rename(columns={"b": "l"}),
            ]
        )
        .groupby("l")["probability"]
        .max()
    )
    out["probability"] = best.reindex(out["l"]).fillna(1.0).to_numpy()
    # a group of 3+ held together by a tree of links: one wrong link would merge two people
    sizes = out.groupby("group")["l"].transform("size")
    n_edges = pd.Series(groups[e["a"].to_numpy(dtype=np.int64)]).value_counts() if len(e) else pd.Series()
    out["weak"] = (sizes >= 3) & (out["group"].map(n_edges).fillna(0) <= sizes - 1)
    return out
