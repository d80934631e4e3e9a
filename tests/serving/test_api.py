"""The HTTP API against a published county in real PostgreSQL (FastAPI's TestClient, no mocks)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text


@pytest.fixture
def api(marts_db):
    """The app as `shouwang serve` runs it: every connection acts as the least-privileged API role."""
    from shouwang.marts import refresh_marts
    from shouwang.serving.app import api_engine, create_app

    refresh_marts(marts_db)
    engine = api_engine(marts_db.url.render_as_string(hide_password=False))
    yield TestClient(create_app(engine, rate=1000, burst=1000), raise_server_exceptions=False)
    engine.dispose()


def test_the_api_role_reads_the_served_tables_and_nothing_else(marts_db):
    from sqlalchemy import exc

    from shouwang.serving.app import api_engine

    engine = api_engine(marts_db.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar_one() == "shouwang_api"
            assert conn.execute(text("SELECT count(*) FROM master.person_key")).scalar_one() > 0
        for sql in (
            "SELECT id_number FROM staging.gongan_huji LIMIT 1",
            "SELECT * FROM linkage.record LIMIT 1",
            "SELECT key FROM audit.hash_key",
            "SELECT * FROM master.person_history LIMIT 1",
            "SELECT * FROM raw.delivery LIMIT 1",
            "DELETE FROM audit.lookup",
            "UPDATE master.person_key SET person_id = 'x'",
            "INSERT INTO audit.api_token (token_hash, client, role) VALUES ('x', 'x', 'privileged')",
        ):
            with pytest.raises(exc.ProgrammingError, match="permission denied"), engine.begin() as conn:
                conn.execute(text(sql))
    finally:
        engine.dispose()


def _token(engine, role="reader", townships=None, client="township-app"):
    from shouwang.serving.tokens import create_token

    return {"Authorization": f"Bearer {create_token(engine, client, role, townships)}"}


def _household(engine, where="true"):
    with engine.connect() as conn:
        return conn.execute(
            text(f"""SELECT h.household_id, h.township_code FROM master.household h
                     WHERE h.township_code IS NOT NULL AND {where}
                       AND EXISTS (SELECT 1 FROM mart.alert a WHERE a.household_id = h.household_id
                                   AND a.status = 'new' AND a.cause_present)
                     ORDER BY h.household_id LIMIT 1""")
        ).one()


def _audit_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit.lookup")).scalar_one()


def test_no_token_or_a_bad_one_is_401(api, marts_db):
    hh = _household(marts_db)
    assert api.get(f"/v1/households/{hh.household_id}").status_code == 401
    assert (
        api.get(f"/v1/households/{hh.household_id}", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    assert api.get("/openapi.json").status_code == 200


def test_a_township_token_sees_only_its_households(api, marts_db):
    hh = _household(marts_db)
    other = _household(marts_db, f"h.township_code <> '{hh.township_code}'")
    mine = _token(marts_db, townships=[hh.township_code])
    got = api.get(f"/v1/households/{hh.household_id}", headers=mine)
    assert got.status_code == 200
    body = got.json()
    assert body["household_id"] == hh.household_id and body["members"]
    assert all(
        "id_number" not in m and (m["id_number_masked"] or "").count("*") in (0, 8) for m in body["members"]
    )
    # another township's household: 404, as if it did not exist
    assert api.get(f"/v1/households/{other.household_id}", headers=mine).status_code == 404
    assert api.get(f"/v1/households/{other.household_id}/alerts", headers=mine).status_code == 404
    assert api.get(f"/v1/townships/{other.township_code}/roster", headers=mine).status_code == 403


def test_person_lookup_by_id_number_masked_for_readers_full_for_privileged_and_audited(api, marts_db):
    with marts_db.connect() as conn:
        person_id, id_number = conn.execute(
            text("""SELECT p.person_id, p.id_number
                    FROM master.person p JOIN master.membership m USING (person_id)
                    JOIN master.household h USING (household_id)
                    WHERE length(p.id_number) = 18 AND h.township_code IS NOT NULL
                    ORDER BY p.person_id LIMIT 1""")
        ).one()
    before = _audit_count(marts_db)
    body = {"id_number": f" {id_number.lower()} ", "purpose": "door visit"}
    reader = api.post("/v1/persons/lookup", json=body, headers=_token(marts_db))
    assert reader.status_code == 200
    (p,) = reader.json()["persons"]
    assert (
        p["person_id"] == person_id and p["id_number_masked"] == id_number[:6] + "********" + id_number[-4:]
    )
    assert id_number not in reader.text
    full = api.post(
        "/v1/persons/lookup", json=body, headers=_token(marts_db, "privileged", client="civil-affairs")
    )
    assert full.json()["persons"][0]["id_number"] == id_number
    with marts_db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT client, purpose, target, subject_hash, result_count FROM audit.lookup"
                " ORDER BY lookup_id"
            )
        ).all()[before:]
    assert [(r.client, r.target, r.result_count) for r in rows] == [
        ("township-app", "person_lookup", 1),
        ("civil-affairs", "person_lookup", 1),
    ]
    assert rows[0].subject_hash == rows[1].subject_hash and id_number not in str(rows)


@pytest.mark.parametrize(
    "body",
    [
        {"id_number": "41132819900101123", "purpose": "x"},  # purpose too short
        {"id_number": "4113281990010112345678901234", "purpose": "door visit"},  # too long
        {"id_number": "' OR 1=1 --", "purpose": "door visit"},  # injection
        {"id_number": "411328199001011234", "purpose": "door\u0000visit"},  # NUL (found by the fuzz run)
        {"id_number": "411328199001011234", "purpose": "door visit", "extra": 1},  # unknown field
        {"purpose": "door visit"},  # missing
    ],
)
def test_malformed_lookups_are_4xx(api, marts_db, body):
    r = api.post("/v1/persons/lookup", json=body, headers=_token(marts_db))
    assert 400 <= r.status_code < 500, r.text
    if "id_number" in body:  # the answer names the field and the rule, never the value sent
        assert body["id_number"] not in r.text


def test_unknown_person_is_404_and_still_audited(api, marts_db):
    before = _audit_count(marts_db)
    r = api.post(
        "/v1/persons/lookup",
        json={"id_number": "110101199003077777", "purpose": "door visit"},
        headers=_token(marts_db),
    )
    assert r.status_code == 404 and _audit_count(marts_db) == before + 1


def test_roster_pages_and_bounds(api, marts_db):
    hh = _household(marts_db)
    token = _token(marts_db, townships=[hh.township_code])
    first = api.get(f"/v1/townships/{hh.township_code}/roster?size=2&page=1", headers=token).json()
    assert first["total"] >= 1 and len(first["items"]) <= 2
    pages = -(-first["total"] // 2)
    seen = [
        i["household_id"]
        for p in range(1, pages + 1)
        for i in api.get(f"/v1/townships/{hh.township_code}/roster?size=2&page={p}", headers=token).json()[
            "items"
        ]
    ]
    assert len(seen) == len(set(seen)) == first["total"]
    for query in ("size=100000", "size=0", "page=0", "page=abc", "village_code=1%27%20OR%201=1"):
        assert api.get(f"/v1/townships/{hh.township_code}/roster?{query}", headers=token).status_code == 422
    assert api.get("/v1/townships/41132%27--/roster", headers=token).status_code in (403, 404, 422)


def test_feedback_moves_the_alert_along(api, marts_db):
    hh = _household(marts_db)
    token = _token(marts_db, townships=[hh.township_code])
    alerts = api.get(f"/v1/households/{hh.household_id}/alerts", headers=token).json()["alerts"]
    alert_id = alerts[0]["alert_id"]
    ok = api.post(
        f"/v1/alerts/{alert_id}/feedback",
        json={"status": "verified", "by": "李四", "note": "入户核实"},
        headers=token,
    )
    assert ok.status_code == 200 and ok.json() == {"alert_id": alert_id, "from": "new", "to": "verified"}
    back = api.post(f"/v1/alerts/{alert_id}/feedback", json={"status": "pushed", "by": "李四"}, headers=token)
    assert back.status_code == 409
    bad = api.post(f"/v1/alerts/{alert_id}/feedback", json={"status": "closed", "by": "李四"}, headers=token)
    assert bad.status_code == 422
    with marts_db.connect() as conn:
        status, actor = conn.execute(
            text("""SELECT a.status, h.actor FROM mart.alert a JOIN mart.alert_history h USING (alert_id)
                    WHERE a.alert_id = :a AND h.event = 'feedback'"""),
            {"a": alert_id},
        ).one()
    assert status == "verified" and actor == "township-app:李四"


def test_rate_limit(marts_db):
    from shouwang.serving.app import api_engine, create_app

    client = TestClient(
        create_app(api_engine(marts_db.url.render_as_string(hide_password=False)), rate=0.001, burst=2)
    )
    token = _token(marts_db)
    codes = [client.get("/v1/households/H1", headers=token).status_code for _ in range(3)]
    assert codes == [404, 404, 429]
