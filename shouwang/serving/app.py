"""The HTTP API over the published master (FastAPI; `shouwang serve` runs it with uvicorn).

Every request carries a bearer token bound to a client, a role (reader: masked values; privileged:
full values) and the townships it may see. A household outside them is answered 404, the same as
one that does not exist, so existence does not leak. ID numbers travel in request bodies, never in
URLs (which end up in access logs). Every lookup of person data writes an `audit.lookup` row with a
keyed hash of what was looked up. Reads come from the `api_v1` views; the app never logs values.
"""

import os
import threading
import time
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, text

from shouwang.serving.tokens import Principal, principal_for

HOUSEHOLD_ID = r"^[A-Za-z0-9_-]{1,40}$"
TOWNSHIP_CODE = r"^\d{9}$"
NO_CONTROL = r"^[^\x00-\x1f\x7f]+$"  # PostgreSQL text holds no NUL; names and purposes no line breaks
NO_NUL = r"^[^\x00]*$"


class PersonLookup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str = Field(min_length=15, max_length=24, pattern=r"^[0-9xX\s]+$")
    purpose: str = Field(min_length=2, max_length=100, pattern=NO_CONTROL)


class Feedback(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["pushed", "verified", "assisted", "resolved"]
    by: str = Field(min_length=1, max_length=60, pattern=NO_CONTROL)
    note: str | None = Field(default=None, max_length=500, pattern=NO_NUL)


class _RateLimiter:
    """A token bucket per client: `rate` requests per second, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.get(client, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                self._state[client] = (tokens, now)
                return False
            self._state[client] = (tokens - 1, now)
            return True


TOKEN_CACHE_SECONDS = 30.0
API_DB_ROLE = "shouwang_api"


def api_engine(url: str, role: str | None = API_DB_ROLE) -> Engine:
    """An engine whose every connection acts as the API's least-privileged role (V020): the API
    reads the api views and the current master, writes alert feedback and audit rows, nothing else.
    The login user must be a member of `role` (or a superuser); None keeps the login user's rights."""
    from sqlalchemy import create_engine, event

    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if role:

        @event.listens_for(engine, "connect")
        def _set_role(dbapi_connection, _record) -> None:
            with dbapi_connection.cursor() as cur:
                cur.execute(f'SET ROLE "{role}"')
            dbapi_connection.commit()  # a session setting, kept when later transactions roll back

    return engine


class _PrincipalCache:
    """Known tokens for a few seconds (a revoked token stops working within that time); unknown
    tokens are looked up every time, so a new token works at once."""

    def __init__(self, engine: Engine, seconds: float):
        self.engine, self.seconds = engine, seconds
        self._known: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        now = time.monotonic()
        with self._lock:
            hit = self._known.get(token)
        if hit is not None and hit[1] > now:
            return hit[0]
        who = principal_for(self.engine, token)
        with self._lock:
            if who is None:
                self._known.pop(token, None)
            elif self.seconds > 0:
                self._known[token] = (who, now + self.seconds)
        return who


def create_app(engine: Engine, rate: float | None = None, burst: int | None = None) -> FastAPI:
    app = FastAPI(
        title="Shouwang master household API",
        version="1",
        description="Households, persons (masked for readers), monitored rosters, alerts and feedback.",
    )
    limiter = _RateLimiter(
        rate if rate is not None else float(os.environ.get("SHOUWANG_API_RATE", "200")),
        burst if burst is not None else int(os.environ.get("SHOUWANG_API_BURST", "400")),
    )

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        """A 422 names the field and the rule, never echoes the value (it may be an ID number)."""
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": errors})

    known = _PrincipalCache(
        engine, float(os.environ.get("SHOUWANG_API_TOKEN_CACHE_SECONDS", str(TOKEN_CACHE_SECONDS)))
    )

    def principal(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
        who = known.get(token.strip())
        if who is None:
            raise HTTPException(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
        if not limiter.allow(who.client):
            raise HTTPException(429, "too many requests", headers={"Retry-After": "1"})
        return who

    Who = Annotated[Principal, Depends(principal)]

    def audit(
        conn,
        who: Principal,
        target: str,
        subject: str | None,
        count: int,
        purpose: str | None = None,
        subject_hash: str | None = None,
    ):
        """One audit row; what was looked up only as its keyed hash (given, or made here)."""
        conn.execute(
            text("""INSERT INTO audit.lookup (client, purpose, target, subject_hash, result_count)
                    VALUES (:c, :p, :t, coalesce(:h, audit.id_hash(:s)), :n)"""),
            {"c": who.client, "p": purpose, "t": target, "s": subject, "h": subject_hash, "n": count},
        )

    def household_or_404(conn, who: Principal, household_id: str):
        row = (
            conn.execute(text("SELECT * FROM api_v1.household WHERE household_id = :h"), {"h": household_id})
            .mappings()
            .one_or_none()
        )
        if row is None or not who.may_see(row["township_code"]):
            raise HTTPException(404, "no such household")
        return row

    @app.get("/v1/households/{household_id}")
    def household(who: Who, household_id: Annotated[str, Path(pattern=HOUSEHOLD_ID)]) -> dict:
        """A household with its members (masked for readers) and its indicator flags."""
        with engine.begin() as conn:
            row = household_or_404(conn, who, household_id)
            members = _members(conn, who, household_id)
            flags = (
                conn.execute(
                    text("SELECT * FROM api_v1.indicator WHERE household_id = :h"), {"h": household_id}
                )
                .mappings()
                .one_or_none()
            )
            audit(conn, who, "household", household_id, len(members))
        return {**_plain(row), "members": members, "indicators": _plain(flags) if flags else None}

    @app.post("/v1/persons/lookup")
    def person_lookup(who: Who, body: PersonLookup) -> dict:
        """A person by ID number (in the body, never the URL): exact match on the normalised number,
        found through its keyed hash (`master.person_key`), never by comparing the value itself."""
        normalised = "".join(body.id_number.split()).upper()
        full, join = _person_columns(who)
        with engine.begin() as conn:
            subject = conn.execute(text("SELECT audit.id_hash(:i)"), {"i": normalised}).scalar_one()
            rows = (
                conn.execute(
                    text(f"""SELECT v.*{full}, h.township_code AS household_township
                             FROM master.person_key k
                             JOIN api_v1.person v ON v.person_id = k.person_id
                             {join}
                             LEFT JOIN master.household h ON h.household_id = v.household_id
                             WHERE k.id_hash = :h ORDER BY v.person_id"""),
                    {"h": subject},
                )
                .mappings()
                .all()
            )
            persons = [
                _plain({k: v for k, v in r.items() if k != "household_township"})
                for r in rows
                if who.may_see(r["household_township"])
            ]
            audit(conn, who, "person_lookup", None, len(persons), body.purpose, subject_hash=subject)
        if not persons:
            raise HTTPException(404, "no such person")
        return {"persons": persons}

    @app.get("/v1/townships/{township_code}/roster")
    def roster(
        who: Who,
        township_code: Annotated[str, Path(pattern=TOWNSHIP_CODE)],
        village_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict:
        """The township's (or a village's) monitored households and candidates, a page at a time."""
        if not who.may_see(township_code):
            raise HTTPException(403, "this token may not read that township")
        with engine.begin() as conn:
            params = {"t": township_code, "v": village_code, "n": size, "o": (page - 1) * size}
            where = "township_code = :t AND (CAST(:v AS text) IS NULL OR village_code = :v)"
            total = conn.execute(text(f"SELECT count(*) FROM mart.roster WHERE {where}"), params).scalar_one()
            rows = (
                conn.execute(
                    text(f"""SELECT household_id, roster_status, village_code, monitoring_category,
                                risk_types,
                                identified_on, risk_eliminated, open_risk_alerts, open_signals, alert_types
                         FROM mart.roster WHERE {where} ORDER BY household_id LIMIT :n OFFSET :o"""),
                    params,
                )
                .mappings()
                .all()
            )
            audit(conn, who, "roster", township_code, len(rows))
        return {"page": page, "size": size, "total": total, "items": [_plain(r) for r in rows]}

    @app.get("/v1/households/{household_id}/alerts")
    def household_alerts(who: Who, household_id: Annotated[str, Path(pattern=HOUSEHOLD_ID)]) -> dict:
        """The household's open alerts and signals."""
        with engine.begin() as conn:
            household_or_404(conn, who, household_id)
            rows = (
                conn.execute(
                    text("SELECT * FROM api_v1.alert WHERE household_id = :h ORDER BY alert_id"),
                    {"h": household_id},
                )
                .mappings()
                .all()
            )
            audit(conn, who, "alerts", household_id, len(rows))
        return {"household_id": household_id, "alerts": [_plain(r) for r in rows]}

    @app.post("/v1/alerts/{alert_id}/feedback")
    def alert_feedback(who: Who, alert_id: Annotated[int, Path(ge=1, le=2**62)], body: Feedback) -> dict:
        """Township feedback: move an alert forward (pushed, verified, assisted, resolved)."""
        from shouwang.marts.lifecycle import FeedbackError, record_feedback

        with engine.begin() as conn:
            row = conn.execute(
                text("SELECT household_id, township_code FROM mart.alert WHERE alert_id = :a"),
                {"a": alert_id},
            ).one_or_none()
            if row is None or not who.may_see(row.township_code):
                raise HTTPException(404, "no such alert")
            try:
                before, after = record_feedback(
                    conn, alert_id, body.status, f"{who.client}:{body.by}", body.note
                )
            except FeedbackError as exc:
                raise HTTPException(409, str(exc)) from exc
            audit(conn, who, "alert_feedback", row.household_id, 1)
        return {"alert_id": alert_id, "from": before, "to": after}

    return app


def _plain(row) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in dict(row).items()}


def _person_columns(who: Principal) -> tuple[str, str]:
    """What a person row adds to the masked view for this token, and the join it needs:
    full ID number, phone and disability details for the privileged role, nothing for readers."""
    if who.role == "privileged":
        return (
            ", p.id_number, p.phone, p.disability_category, p.disability_grade",
            "JOIN master.person p ON p.person_id = v.person_id",
        )
    return "", ""


def _members(conn, who: Principal, household_id: str) -> list[dict]:
    full, join = _person_columns(who)
    rows = (
        conn.execute(
            text(f"""SELECT v.*{full} FROM api_v1.membership m
                     JOIN api_v1.person v ON v.person_id = m.person_id {join}
                     WHERE m.household_id = :h ORDER BY m.is_head DESC, m.person_id"""),
            {"h": household_id},
        )
        .mappings()
        .all()
    )
    return [_plain(r) for r in rows]
