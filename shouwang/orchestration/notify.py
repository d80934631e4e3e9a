"""Failure callback of every Shouwang task: record the failure in ops.task_failure and, when
configured, notify (off by default).

    SHOUWANG_ALERT_WEBHOOK   URL that receives a JSON POST {dag_id, task_id, run_id, try_number, error}
    SHOUWANG_ALERT_EMAIL     address(es), comma-separated, mailed through SHOUWANG_SMTP_HOST[:port]

The message names the task and the error's class and first line (long digit runs masked); never
data. The callback never raises: a broken notification must not hide the failure it reports.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

log = logging.getLogger(__name__)


def failure_payload(context: dict[str, Any]) -> dict[str, Any]:
    """What a failure is recorded and reported as (ids and the error's class, no data)."""
    from shouwang.orchestration.runs import describe_error

    ti = context.get("ti") or context.get("task_instance")
    exc = context.get("exception")
    return {
        "dag_id": getattr(ti, "dag_id", None) or str(context.get("dag_id", "")),
        "task_id": getattr(ti, "task_id", None) or str(context.get("task_id", "")),
        "run_id": getattr(ti, "run_id", None) or context.get("run_id"),
        "try_number": getattr(ti, "try_number", None),
        "error_class": type(exc).__name__ if exc is not None else None,
        "error": describe_error(exc) if exc is not None else None,
    }


def task_failed(context: dict[str, Any]) -> None:
    """on_failure_callback: record, then notify where configured."""
    try:
        payload = failure_payload(context)
    except Exception:  # noqa: BLE001 - a callback must not raise
        log.exception("failure callback could not read the task context")
        return
    notified = []
    for name, send in (("webhook", _webhook), ("email", _email)):
        try:
            if send(payload):
                notified.append(name)
        except Exception as exc:  # noqa: BLE001
            log.warning("failure notification by %s did not go out: %s", name, type(exc).__name__)
    try:
        record_failure(payload, ",".join(notified) or None)
    except Exception as exc:  # noqa: BLE001
        log.warning(
            "failure of %s.%s not recorded: %s", payload["dag_id"], payload["task_id"], type(exc).__name__
        )


def record_failure(payload: dict[str, Any], notified: str | None = None) -> None:
    from sqlalchemy import text

    from shouwang.db import get_engine

    with get_engine().begin() as conn:
        conn.execute(
            text("""INSERT INTO ops.task_failure
                        (dag_id, task_id, run_key, try_number, error_class, error, notified)
                    VALUES (:dag_id, :task_id, :run_id, :try_number, :error_class, :error, :notified)"""),
            {**payload, "notified": notified},
        )


def _webhook(payload: dict[str, Any]) -> bool:
    url = os.environ.get("SHOUWANG_ALERT_WEBHOOK")
    if not url:
        return False
    import urllib.request

    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - configured by the operator
        return 200 <= response.status < 300


def _email(payload: dict[str, Any]) -> bool:
    to = os.environ.get("SHOUWANG_ALERT_EMAIL")
    if not to:
        return False
    import smtplib
    from email.message import EmailMessage

    host, _, port = (os.environ.get("SHOUWANG_SMTP_HOST") or "localhost").partition(":")
    msg = EmailMessage()
    msg["Subject"] = f"[shouwang] {payload['dag_id']}.{payload['task_id']} failed"
    msg["From"] = os.environ.get("SHOUWANG_ALERT_FROM", "shouwang@localhost")
    msg["To"] = to
    msg.set_content(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
    with smtplib.SMTP(host, int(port or 25), timeout=10) as smtp:
        smtp.send_message(msg)
    return True
