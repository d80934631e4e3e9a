"""Pairwise precision / recall / F1 of a crosswalk against a generated county's truth.

Counting pairs through the contingency table of (predicted cluster, true cluster) keeps this
linear in the number of records: TP = sum over cells of C(n, 2), predicted pairs = sum over
predicted clusters of C(n, 2), true pairs likewise.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def _pairs(counts: pd.Series) -> int:
    c = counts.astype("int64")
    return int((c * (c - 1) // 2).sum())


def pairwise_scores(predicted: pd.Series, truth: pd.Series) -> dict:
    """predicted / truth: cluster labels aligned on the same records."""
    frame = pd.DataFrame({"p": predicted.to_numpy(), "t": truth.to_numpy()}).dropna()
    tp = _pairs(frame.groupby(["p", "t"]).size())
    pred = _pairs(frame.groupby("p").size())
    true = _pairs(frame.groupby("t").size())
    precision = tp / pred if pred else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
        "true_pairs": true,
        "predicted_pairs": pred,
        "records": len(frame),
    }


def score_against_truth(xref: pd.DataFrame, truth_dir: Path) -> dict:
    """xref columns dept, feed, record_key, person_id, household_id (the export's shape)."""
    truth = pd.read_csv(
        truth_dir / "records.csv",
        dtype=str,
        usecols=["dept", "feed", "record_key", "person_id", "household_id"],
    )
    joined = truth.merge(xref, on=["dept", "feed", "record_key"], how="inner", suffixes=("_true", ""))
    return {
        "records_scored": len(joined),
        "truth_records_missing_from_xref": int(len(truth) - len(joined)),
        "person": pairwise_scores(joined["person_id"], joined["person_id_true"]),
        "household": pairwise_scores(joined["household_id"], joined["household_id_true"]),
    }
