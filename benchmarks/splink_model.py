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
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink import comparison_level_library as cll
from splink import comparison_library as cl

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
)
MEMORY_LIMIT = "6GB"  # DuckDB spills to a temporary directory beyond this
U_SAMPLE_PAIRS = 3e6  # record pairs sampled for the u probabilities
U_SEED = 42
# Prior: pairs sharing the first 17 ID characters are (nearly) all matches; this is the share of all
# true pairs they are assumed to find (records without a usable ID on either side are the rest).
ID17_RECALL = 0.85


# ---------------------------------------------------------------- model --------------------------


def _blocking_rules() -> list:
    """Candidate pairs: the union of these rules (the project's person rules, minus its ID-fragment
    rules and its rare-name rule)."""
    return [
        block_on("id17"),
        block_on("name", "birth_date"),
        block_on("pinyin", "birth_date"),
        block_on("name", "village_code"),
        block_on("pinyin", "village_code"),
        block_on("name", "township_code"),
        block_on("phone"),
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


def _iso_dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d").astype(object).where(
        lambda s: s.notna(), None
    )


def prepare(records: pd.DataFrame) -> pd.DataFrame:
    """The model's input table: one row per record with unique_id and derived columns.

    A record whose ID is valid (id_key set) gets the birth date (digits 7-14) and sex (digit 17,
    odd = male) its ID encodes where it states none; the township is filled from the village code
    (a village code starts with its 9-character township code), as linkage.compare.place does.
    """
    missing = [c for c in RECORD_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"records lack columns {missing}")
    r = records.loc[:, list(RECORD_COLUMNS)]
    key = r["id_key"].astype(object).where(r["id_key"].notna(), None)
    digits = r["id_digits"].astype(object).where(r["id_digits"].notna(), None)
    key_str = key.fillna("").astype(str)
    id_birth = _iso_dates(key_str.str[6:14].where(key.notna(), None))
    id_sex_digit = pd.to_numeric(key_str.str[16:17], errors="coerce")
    id_sex = pd.Series(None, index=r.index, dtype=object)
    id_sex[id_sex_digit.notna()] = ["M" if d % 2 else "F" for d in id_sex_digit.dropna()]
    village = r["village_code"].astype(object).where(r["village_code"].notna(), None)
    township = r["township_code"].astype(object).where(r["township_code"].notna(), None)
    township = township.where(township.notna(), village.fillna("").astype(str).str[:9].where(village.notna()))

    def text(col: str) -> pd.Series:
        return r[col].astype(object).where(r[col].notna(), None)

    out = pd.DataFrame(
        {
            "unique_id": r["feed_id"].astype(str) + ":" + r["record_key"].astype(str),
            "id_digits": digits,
            "id17": digits.fillna("").astype(str).str[:17].where(digits.notna(), None),
            "name": text("name"),
            "pinyin": text("pinyin"),
            "sex": text("sex").where(text("sex").notna(), id_sex),
            "birth_date": _iso_dates(r["birth_date"]).where(lambda s: s.notna(), id_birth),
            "township_code": township.where(township.notna(), None),
            "village_code": village,
            "phone": text("phone"),
        }
    )
    return out


# ---------------------------------------------------------------- run ----------------------------


def _mu_summary(model: dict[str, Any]) -> dict[str, Any]:
    """Trained parameters per comparison level (labels, m, u, match weight); no data values."""
    import math

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


def link_with_splink(records: pd.DataFrame, threshold: float = 0.99, threads: int = 2) -> tuple[pd.DataFrame, dict]:
    """records columns: feed_id, record_key, id_digits (18-char normalised ID or None; it may have a
    bad check digit), id_key (17-char key when the ID is valid, else None), name, pinyin, sex
    ('M'/'F'/None), birth_date (ISO string or None; the record's stated birth date), township_code,
    village_code, phone.

    Returns (clusters DataFrame with columns feed_id, record_key, cluster_id; figures dict with
    seconds per phase, pairs compared, and the trained m/u summary)."""
    seconds: dict[str, float] = {}
    t_all = t = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal t
        now = time.perf_counter()
        seconds[phase] = round(now - t, 2)
        t = now

    prepared = prepare(records)
    lap("prepare")

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
            con.register("prepared_df", prepared)
            con.execute("CREATE TABLE person_input AS SELECT * FROM prepared_df")
            con.unregister("prepared_df")
            del prepared
            db_api = DuckDBAPI(connection=con)
            person_input = db_api.register("person_input", table_name="persons")
            linker = Linker(person_input, _settings(), log_level=logging.WARNING)
            lap("load")

            linker.training.estimate_probability_two_random_records_match([block_on("id17")], recall=ID17_RECALL)
            lap("train_prior")
            linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=U_SEED)
            lap("train_u")
            linker.training.estimate_parameters_using_expectation_maximisation(block_on("id17"))
            linker.training.estimate_parameters_using_expectation_maximisation(block_on("name", "birth_date"))
            lap("train_m")

            blocked = linker.inference.compute_blocked_pairs_for_predict()
            pairs_compared = int(con.sql(f"SELECT count(*) FROM {blocked.physical_name}").fetchall()[0][0])
            lap("blocking")
            predictions = linker.inference.predict(threshold_match_probability=threshold)
            pairs_linked = int(con.sql(f"SELECT count(*) FROM {predictions.physical_name}").fetchall()[0][0])
            lap("predict")
            clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
                predictions, threshold_match_probability=threshold
            )
            clusters = con.sql(
                f"SELECT unique_id, cluster_id FROM {clustered.physical_name} ORDER BY unique_id"
            ).df()
            lap("cluster")
            model = linker.misc.save_model_to_json()
        finally:
            con.close()

    ids = clusters["unique_id"].str.split(":", n=1, expand=True)
    out = pd.DataFrame(
        {"feed_id": ids[0], "record_key": ids[1], "cluster_id": clusters["cluster_id"].astype(str)}
    )
    seconds["total"] = round(time.perf_counter() - t_all, 2)
    figures = {
        "seconds": seconds,
        "records": len(out),
        "pairs_compared": pairs_compared,
        "pairs_at_threshold": pairs_linked,
        "clusters": int(out["cluster_id"].nunique()),
        "threshold": threshold,
        "threads": int(threads),
        "m_u": _mu_summary(model),
    }
    return out, figures


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
            " township_code, village_code, phone FROM linkage.record",
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
