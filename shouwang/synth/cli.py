"""Command-line entry for the synthetic county (`shouwang demo-data`, or `python -m shouwang.synth`).

The project CLI can reuse `add_arguments` and `run` so both spellings behave the same.
"""

from __future__ import annotations

import argparse
import logging
from datetime import date, datetime
from pathlib import Path

from .generator import generate_county
from .names import NAME_PROFILES


def _yyyymmdd(text: str) -> date:
    return datetime.strptime(text, "%Y%m%d").date()


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--households", type=int, required=True, help="hukou households (450000 = real county)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed -> same bytes)")
    parser.add_argument("--out", type=Path, required=True, help="landing folder for the deliveries")
    parser.add_argument("--truth", type=Path, default=None, help="truth folder (default: <out>_truth)")
    parser.add_argument("--date", type=_yyyymmdd, default=date(2021, 6, 30), help="extract date YYYYMMDD")
    parser.add_argument(
        "--names",
        choices=NAME_PROFILES,
        default="realistic",
        help="realistic (calibrated on national name statistics) or stress (far more namesakes)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Generate and print a one-line-per-feed summary (counts only, never personal data)."""
    s = generate_county(
        args.households,
        args.seed,
        args.out,
        extract_date=args.date,
        truth_dir=args.truth,
        names=getattr(args, "names", "realistic"),
    )
    for feed_id, n in sorted(s.rows.items()):
        print(f"{feed_id:24s} {n:>10,d}")
    print(
        f"households {s.households:,d}  persons {s.persons:,d}  rows {s.total_rows:,d}  "
        f"events {s.events:,d}  {s.elapsed_seconds:.1f}s"
    )
    print(f"deliveries: {s.out_dir}  truth: {s.truth_dir}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="shouwang demo-data", description=__doc__))
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return run(args)
