"""Property-based run of the whole OpenAPI schema (schemathesis): no input may cause a server error.

Every operation is called with generated parameters (including free-form query strings for the filter
grammar) as an ADMIN, so authorization never hides a code path.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings

from api.core.config import Settings
from api.core.security import Role
from api.main import create_app
from tests.api.conftest import bearer

EXAMPLES_PER_OPERATION = 25


# Starting real ELT runs in the background is tested on its own (test_elt_over_http.py).
# Logging out ends the session every generated call uses (logout is tested in test_access_control.py).
SKIPPED = {"POST /elt/runs", "POST /auth/logout"}


def test_no_server_errors(api_settings: Settings, tmp_path: Path) -> None:
    # Its own users store: generated requests create, change and delete users.
    isolated = api_settings.model_copy(update={"app_database_url": f"sqlite:///{tmp_path / 'users.sqlite'}"})
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(isolated))
    headers = bearer(isolated, "admin", Role.ADMIN)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in SKIPPED:
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def call(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
            case.validate_response(response, checks=[schemathesis.checks.not_a_server_error])

        call()
        checked.append(operation.label)
    assert len(checked) >= 25, checked
