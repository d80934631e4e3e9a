"""Monitoring marts (issue 5): household profiles, early-warning alerts and verification signals,
the monitored roster, the nightly comparison and the township reports.

    refresh_marts(engine)          one refresh against the published master (CLI `shouwang marts`)
    record_feedback(conn, ...)     township feedback on an alert (CLI `shouwang alert feedback`)
    load_rules()                   the alert rules (alert_rules.yaml)
"""

from shouwang.marts.lifecycle import FeedbackError, record_feedback
from shouwang.marts.refresh import MartsReport, NoPublishedMaster, refresh_marts
from shouwang.marts.rules import AlertRules, RulesError, load_rules

__all__ = [
    "AlertRules",
    "FeedbackError",
    "MartsReport",
    "NoPublishedMaster",
    "RulesError",
    "load_rules",
    "record_feedback",
    "refresh_marts",
]
