"""Splink 5 (DuckDB) person deduplication: the reference model of the linkage benchmark.

The linkage benchmark (benchmarks/link_benchmark.py) reports the project's own person linkage
(linkage.persons) side by side with an off-the-shelf Fellegi–Sunter implementation run on the same
records, so that its speed and its pairwise precision / recall can be judged against something
other than itself. This module is that reference: a Splink 5 model on the DuckDB backend that
compares what linkage.persons / linkage.compare compare (ID, name and pinyin, birth date, sex,
village / township, phone), trained the usual unsupervised Splink way (u by random sampling,
m by EM, the prior from a deterministic rule), then predicted and clustered at a threshold.

Splink is a benchmark-only dependency (pip install -e ".[bench]"); nothing under shouwang/ or
linkage/ imports this module.

Self-test on a small generated county that is already ingested and linked (prints figures only,
never names, IDs or phones):

    .venv/bin/python -m benchmarks.splink_model [--url URL] [--truth records.csv]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink import comparison_level_library as cll
from splink import comparison_library as cl
from splink.blocking_rule_library import And, CustomRule

# Input columns of link_with_splink (see its docstring).
RECORD_COLUMNS = (
    "feed_id",
    "record_key",
    "id_digits",
    "id_key",
    "name",
    "pinyin",
    "sex",
    "birth_date",
    "township_code",
    "village_code",
    "phone",
    "address_detail",
    "account",
)
# DuckDB spills to a temporary directory beyond this; at 6 GB the 450k county's predict step
# spilled more than 60 GB (the disk filled twice). The machine has 24 GB and Shouwang's run is over.
MEMORY_LIMIT = "12GB"
U_SAMPLE_PAIRS = 3e6  # record pairs sampled for the u probabilities
U_SEED = 42
# Prior: pairs sharing the first 17 ID characters are (nearly) all matches; this is the share of all
# true pairs they are assumed to find (records without a usable ID on either side are the rest).
ID17_RECALL = 0.85


# ---------------------------------------------------------------- model --------------------------


# As in Shouwang, two records that both carry a valid ID are the same person when the IDs agree
# and are not compared otherwise (two valid IDs are never merged on other evidence): the other
# rules only pair records of which at least one lacks a usable ID.
_ONE_WITHOUT_ID = "(l.id_key IS NULL OR r.id_key IS NULL)"


def _blocking_rules() -> list:
    """Candidate pairs: the union of these rules (the project's person rules, minus its ID-fragment
    rules and its rare-name rule)."""
    return [
        block_on("id17"),
        *(
            And(block_on(*cols), CustomRule(_ONE_WITHOUT_ID))
            for cols in (
                ("name", "birth_date"),
                ("pinyin", "birth_date"),
                ("name", "village_code"),
                ("pinyin", "village_code"),
                ("name", "township_code"),
                ("phone",),
                ("name", "account"),
            )
        ),
    ]


def _comparisons() -> list:
    """One comparison per field linkage.compare scores; levels from most to least specific."""
    id_number = cl.CustomComparison(
        output_column_name="id",
        comparison_levels=[
            cll.NullLevel("id_digits"),
            cll.ExactMatchLevel("id17").configure(label_for_charts="first 17 characters equal"),
            cll.LevenshteinLevel("id_digits", 1),
            cll.LevenshteinLevel("id_digits", 2),
            cll.ElseLevel(),
        ],
    )
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name", term_frequency_adjustments=True),
            cll.ExactMatchLevel("pinyin").configure(label_for_charts="same pinyin"),
            cll.ElseLevel(),
        ],
    )
    birth_date = cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            # ISO strings: same year, month and day swapped (a frequent keying error)
            cll.CustomLevel(
                "substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4)"
                " AND substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2)"
                " AND substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2)",
                label_for_charts="day and month swapped",
            ),
            cll.ElseLevel(),
        ],
    )
    place = cl.CustomComparison(
        output_column_name="place",
        comparison_levels=[
            cll.CustomLevel(
                "township_code_l IS NULL OR township_code_r IS NULL", label_for_charts="place missing"
            ).configure(is_null_level=True),
            cll.CustomLevel(
                "village_code_l = village_code_r AND address_detail_l = address_detail_r",
                label_for_charts="same village and group / house number",
            ),
            cll.ExactMatchLevel("village_code"),
            cll.ExactMatchLevel("township_code"),
            cll.ElseLevel(),
        ],
    )
    return [
        id_number,
        name,
        birth_date,
        cl.ExactMatch("sex"),
        place,
        cl.LevenshteinAtThresholds("phone", [1]),
        cl.ExactMatch("account"),
    ]


def _settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=_blocking_rules(),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


# ---------------------------------------------------------------- input --------------------------


# The model's input table, built inside DuckDB from the records frame (registered as a view):
# one row per record, keyed by unique_id. A record whose ID is valid (id_key set) gets the birth
# date (digits 7-14) and sex (digit 17, odd = male) its ID encodes where it states none; the
# township is filled from the village code (a village code starts with its 9-character township
# code), as linkage.compare.place does. feed_id and record_key ride along for the output.
PREPARE_SQL = """
CREATE TABLE person_input AS
WITH r AS (
    SELECT CAST(feed_id AS VARCHAR) AS feed_id,
           CAST(record_key AS VARCHAR) AS record_key,
           NULLIF(CAST(id_digits AS VARCHAR), '') AS id_digits,
           NULLIF(CAST(id_key AS VARCHAR), '') AS id_key,
           NULLIF(CAST(name AS VARCHAR), '') AS name,
           NULLIF(CAST(pinyin AS VARCHAR), '') AS pinyin,
           NULLIF(CAST(sex AS VARCHAR), '') AS sex,
           TRY_CAST(birth_date AS DATE) AS stated_birth,
           NULLIF(CAST(township_code AS VARCHAR), '') AS township_code,
           NULLIF(CAST(village_code AS VARCHAR), '') AS village_code,
           NULLIF(CAST(phone AS VARCHAR), '') AS phone,
           NULLIF(CAST(address_detail AS VARCHAR), '') AS address_detail,
           NULLIF(CAST(account AS VARCHAR), '') AS account
    FROM records_view
)
SELECT
    feed_id || ':' || record_key AS unique_id,
    feed_id,
    record_key,
    id_digits,
    id_key,
    left(id_digits, 17) AS id17,
    name,
    pinyin,
    coalesce(sex, CASE TRY_CAST(substr(id_key, 17, 1) AS INTEGER) % 2 WHEN 1 THEN 'M' WHEN 0 THEN 'F' END)
        AS sex,
    strftime(coalesce(stated_birth, CAST(try_strptime(substr(id_key, 7, 8), '%Y%m%d') AS DATE)), '%Y-%m-%d')
        AS birth_date,
    coalesce(township_code, left(village_code, 9)) AS township_code,
    village_code,
    phone,
    address_detail,
    account
FROM r
"""


def _load(con: duckdb.DuckDBPyConnection, records: pd.DataFrame) -> int:
    """Create person_input from the records frame; returns its row count."""
    missing = [c for c in RECORD_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"records lack columns {missing}")
    con.register("records_view", records)  # a view: DuckDB reads only the columns PREPARE_SQL names
    try:
        con.execute(PREPARE_SQL)
    finally:
        con.unregister("records_view")
    return int(con.sql("SELECT count(*) FROM person_input").fetchall()[0][0])


# ---------------------------------------------------------------- run ----------------------------


def _mu_summary(model: dict[str, Any]) -> dict[str, Any]:
    """Parameters per comparison level (labels, m, u, match weight; None where Splink had no
    estimate and predict() used its default); labels only, no data values."""
    summary: dict[str, Any] = {
        "probability_two_random_records_match": model.get("probability_two_random_records_match")
    }
    for comparison in model["comparisons"]:
        levels = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            weight = math.log2(m / u) if m and u else None
            levels.append(
                {
                    "level": level.get("label_for_charts") or level.get("sql_condition"),
                    "m": None if m is None else round(m, 6),
                    "u": None if u is None else round(u, 8),
                    "match_weight": None if weight is None else round(weight, 3),
                }
            )
        summary[comparison["output_column_name"]] = levels
    return summary


def _floor_unobserved_u(model: dict[str, Any], floor: float) -> list[str]:
    """Give u = `floor` to levels whose m was trained but which random sampling never met.

    Splink leaves such a u unset and predict() then uses its positional default, which can give
    a near-certain agreement a negative weight (an 18-digit ID one edit away is rarer than one in
    the sampled pairs among non-matches). Never seen in N sampled pairs means u is about 1/N or
    less, so that is used, raised where needed so that the level does not outweigh the more specific
    level before it. Returns the levels changed (labels only).
    """
    changed = []
    for comparison in model["comparisons"]:
        previous: tuple[float, float] | None = None  # (m, u) of the level before
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            if u is None and m is not None:
                u = floor
                if previous is not None:
                    u = max(u, m * previous[1] / previous[0])
                level["u_probability"] = u
                changed.append(f"{comparison['output_column_name']}: {level.get('label_for_charts', '')}")
            previous = (m, u) if m and u else previous
    return changed


def _train(linker: Linker, person_input: Any, lap: Callable[[str], None]) -> tuple[Linker, list[str]]:
    """The usual unsupervised Splink training; returns the linker to predict with and the levels
    whose u was floored."""
    training = linker.training
    training.estimate_probability_two_random_records_match([block_on("id17")], recall=ID17_RECALL)
    lap("train_prior")
    training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=U_SEED)
    lap("train_u")
    # Each session trains the comparisons its blocking rule does not use: id17 trains everything
    # but the ID, name + birth date trains the ID, place, sex and phone; name + village adds the
    # birth-date disagreement level (the ID session only sees birth dates that agree).
    for rule in (block_on("id17"), block_on("name", "birth_date"), block_on("name", "village_code")):
        training.estimate_parameters_using_expectation_maximisation(rule)
    lap("train_m")
    model = linker.misc.save_model_to_json()
    floored = _floor_unobserved_u(model, 1.0 / U_SAMPLE_PAIRS)
    if floored:
        linker = Linker(person_input, model, log_level=logging.WARNING)
    return linker, floored


def link_with_splink(
    records: pd.DataFrame, threshold: float = 0.99, threads: int = 2
) -> tuple[pd.DataFrame, dict]:
    """records columns: feed_id, record_key, id_digits (18-char normalised ID or None; it may have a
    bad check digit), id_key (17-char key when the ID is valid, else None), name, pinyin, sex
    ('M'/'F'/None), birth_date (ISO string or None; the record's stated birth date), township_code,
    village_code, phone.

    Returns (clusters DataFrame with columns feed_id, record_key, cluster_id; figures dict with
    seconds per phase, pairs compared, and the trained m/u summary).

    cluster_id is a dense integer (records linked at match probability >= `threshold`, connected
    components); every input record appears once. figures holds plain values only (it crosses a
    process boundary in the benchmark): seconds {phase: s}, records, pairs_compared (candidate
    pairs after blocking), pairs_at_threshold, clusters, threshold, threads, u_floored, m_u.
    """
    seconds: dict[str, float] = {}
    t_all = t = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal t
        now = time.perf_counter()
        seconds[phase] = round(now - t, 2)
        t = now

    with tempfile.TemporaryDirectory(prefix="splink-duckdb-") as spill:
        con = duckdb.connect(
            ":memory:",
            config={
                "threads": int(threads),
                "memory_limit": MEMORY_LIMIT,
                "temp_directory": spill,
                "preserve_insertion_order": False,
            },
        )
        try:
            n_records = _load(con, records)
            lap("prepare")
            db_api = DuckDBAPI(connection=con)
            person_input = db_api.register("person_input", table_name="persons")
            linker = Linker(person_input, _settings(), log_level=logging.WARNING)
            lap("setup")

            linker, floored = _train(linker, person_input, lap)

            blocked = linker.inference.compute_blocked_pairs_for_predict()
            pairs_compared = int(con.sql(f"SELECT count(*) FROM {blocked.physical_name}").fetchall()[0][0])
            lap("blocking")
            predictions = linker.inference.predict(threshold_match_probability=threshold)
            pairs_linked = int(con.sql(f"SELECT count(*) FROM {predictions.physical_name}").fetchall()[0][0])
            lap("predict")
            clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
                predictions, threshold_match_probability=threshold
            )
            # Splink names a cluster after one of its records; a dense integer is smaller to return.
            clusters = con.sql(
                "SELECT feed_id, record_key, dense_rank() OVER (ORDER BY cluster_id) AS cluster_id"
                f" FROM {clustered.physical_name}"
            ).df()
            lap("cluster")
            model = linker.misc.save_model_to_json()
        finally:
            con.close()

    seconds["total"] = round(time.perf_counter() - t_all, 2)
    figures = {
        "seconds": seconds,
        "records": n_records,
        "pairs_compared": pairs_compared,
        "pairs_at_threshold": pairs_linked,
        "clusters": int(clusters["cluster_id"].nunique()),
        "threshold": threshold,
        "threads": int(threads),
        "u_floored": floored,
        "m_u": _mu_summary(model),
    }
    return clusters, figures


# ---------------------------------------------------------------- self-test ----------------------


def _self_test(url: str, truth_csv: Path, threshold: float, threads: int) -> dict:
    from sqlalchemy import create_engine

    from linkage.db import frame
    from linkage.evaluate import pairwise_scores
    from shouwang.staging.standardize.names import name_pinyin

    t0 = time.perf_counter()
    engine = create_engine(url)
    with engine.connect() as conn:
        records = frame(
            conn,
            "SELECT feed_id, record_key, id_digits, id_key, name, sex, birth_date::text AS birth_date,"
            " township_code, village_code, phone, address_detail, account FROM linkage.record",
        )
    engine.dispose()
    records["pinyin"] = name_pinyin(records["name"])
    load_seconds = time.perf_counter() - t0
    clusters, figures = link_with_splink(records, threshold=threshold, threads=threads)
    truth = pd.read_csv(truth_csv, dtype=str, usecols=["dept", "feed", "record_key", "person_id"])
    truth["feed_id"] = truth["dept"] + "_" + truth["feed"]
    joined = truth.merge(clusters, on=["feed_id", "record_key"])
    return {
        "load_seconds": round(load_seconds, 2),
        "person": pairwise_scores(joined["cluster_id"], joined["person_id"]),
        **figures,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/shouwang_lk5000")
    parser.add_argument("--truth", type=Path, default=Path("/tmp/lk5000/truth/records.csv"))
    parser.add_argument("--threshold", type=float, default=0.99)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    result = _self_test(args.url, args.truth, args.threshold, args.threads)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
