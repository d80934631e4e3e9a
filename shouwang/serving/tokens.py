"""API tokens: made once (shown once), stored as a SHA-256, bound to a client, a role and townships."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, text

ROLES = ("reader", "privileged")


@dataclass(frozen=True)
class Principal:
    client: str
    role: str
    townships: tuple[str, ...] | None  # None: every township

    def may_see(self, township_code: str | None) -> bool:
        return self.townships is None or (township_code is not None and township_code in self.townships)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, client: str, role: str, townships: list[str] | None = None) -> str:
    """A new token for `client`; returns it (the only time it is seen)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    token = "sw_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO audit.api_token (token_hash, client, role, townships) VALUES (:h, :c, :r, :t)"),
            {"h": token_hash(token), "c": client, "r": role, "t": townships or None},
        )
    return token


def principal_for(engine: Engine, token: str) -> Principal | None:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT client, role, townships FROM audit.api_token"
                " WHERE token_hash = :h AND revoked_at IS NULL"
            ),
            {"h": token_hash(token)},
        ).one_or_none()
    if row is None:
        return None
    return Principal(row.client, row.role, tuple(row.townships) if row.townships else None)
