"""The history browser against its own OpenAPI schema (schemathesis, part of issue #17): generated
requests to every documented route — any 500, or a response that breaks the schema, fails the test.
Bounded and deterministic: a fixed number of derandomized examples per route."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from history.app import create_app
from tests.scenarios.test_hostile_input import _browser

EXAMPLES_PER_ROUTE = 200


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    settings_, _ = _browser(tmp_path_factory.mktemp("schema"))
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(settings_))


def test_no_generated_request_gets_a_500_or_breaks_the_schema(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # Every route: the pages, JSON, CSV, Atom and health.
    assert len(operations) >= 12, [o.label for o in operations]
    calls: dict[str, int] = {}
    for operation in operations:
        label = operation.label

        @settings(
            max_examples=EXAMPLES_PER_ROUTE,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(operation.as_strategy())
        def check(case) -> None:  # noqa: ANN001 - a schemathesis Case
            case.call_and_validate()
            calls[label] = calls.get(label, 0) + 1  # noqa: B023 - check() runs inside this iteration

        check()
    # Every route was called; routes with parameters many times (one without any has one request).
    assert set(calls) == {o.label for o in operations}, calls
    assert sum(calls.values()) >= 600, calls
