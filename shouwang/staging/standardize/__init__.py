"""Standardisation of department feed values: pure, vectorised functions over pandas Series.

Every function takes object Series of str/None (blank strings count as missing), works once
per distinct value, and returns results aligned with the input index. None of them logs or
prints values: ID numbers, names and phone numbers are personal data.
"""

from .dates import DATE_KINDS, parse_dates
from .ids import ID_STATUSES, check_digit, is_valid_id, standardize_ids
from .names import STATUS_WORDS, SURNAME_PINYIN, name_pinyin, split_first, standardize_names
from .numbers import parse_bools, parse_numbers, parse_sex
from .phones import standardize_phones
from .places import Gazetteer, default_gazetteer

__all__ = [
    "DATE_KINDS",
    "ID_STATUSES",
    "STATUS_WORDS",
    "SURNAME_PINYIN",
    "Gazetteer",
    "check_digit",
    "default_gazetteer",
    "is_valid_id",
    "name_pinyin",
    "parse_bools",
    "parse_dates",
    "parse_numbers",
    "parse_sex",
    "split_first",
    "standardize_ids",
    "standardize_names",
    "standardize_phones",
]
