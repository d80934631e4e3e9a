"""A schema-driven fuzz run of the API's OpenAPI spec (schemathesis strategies, driven by
hypothesis): whatever the generated input, the API answers 2xx or 4xx, never a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error


def test_no_server_errors_for_any_generated_request(marts_db):
    from shouwang.marts import refresh_marts
    from shouwang.serving.app import api_engine, create_app
    from shouwang.serving.tokens import create_token

    refresh_marts(marts_db)
    # as `shouwang serve` runs it: a permission the API role lacks would show as a 5xx here
    app = create_app(
        api_engine(marts_db.url.render_as_string(hide_password=False)), rate=10_000, burst=10_000
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {create_token(marts_db, 'fuzz', 'reader')}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 5
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])
            anonymous = case.call()  # and without a token
            assert anonymous.status_code == 401, anonymous.status_code

        fuzz()
