"""Steward pins on master attributes (master.golden_override): a pinned value wins over every
source in every later build until the pin is removed; removed pins are kept (removed_at)."""

from __future__ import annotations

from sqlalchemy import Connection

from shouwang.master.rules import load_rules


def _check_attribute(entity: str, attribute: str) -> None:
    known = {r.attribute for r in load_rules() if r.entity == entity}
    if attribute not in known:
        raise ValueError(f"{entity} has no attribute {attribute!r} with survivorship rules: {sorted(known)}")


def pin(
    conn: Connection, entity: str, entity_id: str, attribute: str, value: str | None, reason: str, by: str
) -> int:
    """Pin `value`; an earlier pin of the same attribute is removed first. Returns the pin's id."""
    _check_attribute(entity, attribute)
    unpin(conn, entity, entity_id, attribute)
    return conn.exec_driver_sql(
        "INSERT INTO master.golden_override (entity, entity_id, attribute, value, reason, pinned_by)"
        " VALUES (%(e)s, %(i)s, %(a)s, %(v)s, %(r)s, %(b)s) RETURNING override_id",
        {"e": entity, "i": entity_id, "a": attribute, "v": value, "r": reason, "b": by},
    ).scalar_one()


def unpin(conn: Connection, entity: str, entity_id: str, attribute: str) -> int:
    """Remove the active pin of this attribute (if any); returns how many were removed."""
    return conn.exec_driver_sql(
        "UPDATE master.golden_override SET removed_at = now() WHERE entity = %(e)s AND entity_id = %(i)s"
        " AND attribute = %(a)s AND removed_at IS NULL",
        {"e": entity, "i": entity_id, "a": attribute},
    ).rowcount
