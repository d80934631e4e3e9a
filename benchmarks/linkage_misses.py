"""Where person recall is lost: the missed records of a linked generated county, by feed, method,
ID status, which fields they carry, how many persons with an ID share their exact name
("namesakes": a name-only record of a name five persons share cannot be placed by anyone) and the
generator's noise kinds. Counts only, never values.

    .venv/bin/python -m benchmarks.linkage_misses DATABASE_URL TRUTH_DIR
    # e.g. postgresql://postgres@127.0.0.1:5432/shouwang_bench_link_450000_20210630
    #      var/bench/county_450000_20210630/truth

A record is missed when it is not in the master person that holds most of its true person's
records; "pairs lost" is how many true pairs that costs.
"""

from __future__ import annotations

import sys

import pandas as pd
from sqlalchemy import create_engine

from linkage.db import frame

_RECORDS = """
SELECT c.dept, c.feed, c.record_key, c.person_id, c.method, r.id_status,
       r.id_key IS NOT NULL AS has_key, r.township_code IS NOT NULL AS has_town,
       r.village_code IS NOT NULL AS has_village, r.address_detail IS NOT NULL AS has_detail,
       r.birth_date IS NOT NULL AS has_birth, r.phone IS NOT NULL AS has_phone,
       r.account IS NOT NULL AS has_account,
       CASE WHEN n.persons IS NULL THEN '0' WHEN n.persons = 1 THEN '1' WHEN n.persons = 2 THEN '2'
            WHEN n.persons <= 4 THEN '3-4' ELSE '5+' END AS namesakes
FROM linkage.crosswalk c LEFT JOIN linkage.record r USING (feed_id, record_key)
LEFT JOIN (SELECT name, count(*) AS persons FROM linkage.profile GROUP BY name) n ON n.name = r.name
"""
_BREAKDOWNS = (
    "feed", "method", "id_status", "has_key", "has_town", "has_village", "has_detail", "has_birth",
    "has_phone", "namesakes", "id_noise", "name_noise", "other_noise",
)


def main(argv: list[str] | None = None) -> int:
    url, truth_dir = (argv or sys.argv[1:])[:2]
    with create_engine(url).connect() as conn:
        linked = frame(conn, _RECORDS)
    truth = pd.read_csv(f"{truth_dir}/records.csv", dtype=str, keep_default_na=False)
    j = truth.merge(linked, on=["dept", "feed", "record_key"], suffixes=("_true", ""))
    j = j[j["person_id_true"] != ""]
    counts = j.groupby(["person_id_true", "person_id"]).size().rename("n").reset_index()
    main_person = (
        counts.sort_values("n", ascending=False).drop_duplicates("person_id_true").set_index("person_id_true")
    )["person_id"]
    j["missed"] = j["person_id"] != j["person_id_true"].map(main_person)
    j["true_size"] = j["person_id_true"].map(j.groupby("person_id_true").size())
    missed = j[j["missed"]]
    print(f"records {len(j)}, missed {len(missed)}, pairs lost ~{int((missed['true_size'] - 1).sum())}")
    for col in _BREAKDOWNS:
        g = j.groupby(col).agg(records=("missed", "size"), missed=("missed", "sum"))
        g["rate"] = (g["missed"] / g["records"]).round(4)
        lost = missed.groupby(col)["true_size"].sum() - missed.groupby(col).size()
        g["pairs_lost"] = lost.reindex(g.index)
        print(g.sort_values("missed", ascending=False).head(15).to_string(), "\n")
    # a name and nothing else, and others of that name: no method can place these without guessing
    carried = ("has_key", "has_village", "has_town", "has_birth", "has_phone", "has_account")
    bare = ~j[list(carried)].fillna(False).astype(bool).any(axis=1)
    bare &= j["namesakes"].isin(["2", "3-4", "5+"])
    lost = missed[bare[j["missed"]]]
    print(
        f"missed records that carry only a name that 2+ persons share: {len(lost)} of {len(missed)},"
        f" pairs lost ~{int((lost['true_size'] - 1).sum())}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
