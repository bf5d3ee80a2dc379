"""Schemathesis against the JSON API's own OpenAPI schema, over an archive with data on SQLite
and PostgreSQL: whatever the generated requests, never a 5xx."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from common.settings import Settings
from tests.web.test_archive_web import build_archive
from web.app import create_app

EXAMPLES = 40  # per operation; CI stays bounded


def test_no_generated_request_makes_the_api_fail(sessions, tmp_path):
    build_archive(sessions)
    app = create_app(Settings(secret_key="k", data_dir=str(tmp_path)), sessions)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    tried: dict[str, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            tried[case.operation.label] = tried.get(case.operation.label, 0) + 1
            case.call_and_validate(checks=[not_a_server_error])

        check()
    assert len(tried) >= 8 and all(n >= 5 for op, n in tried.items() if op != "GET /healthz"), tried
    print("schemathesis requests per operation:", tried)
