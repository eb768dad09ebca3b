"""Property-based run over every route of the OpenAPI spec, as two users.

Each generated request runs as user A against A's real objects (path ids are swapped for A's), and
must not fail on the server, leave its documented schema, or return a type it does not declare.
The same GET as user B must never read A's object.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.world import build_world

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 8


def _use_real_ids(case, ids: dict) -> bool:
    """Point path parameters at A's objects; True when the path names an object."""
    params = case.path_parameters or {}
    for name in params:
        if name in ids:
            params[name] = ids[name]
    return bool(params)


def _exercise(operation, app, api, other) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        ids = build_world(app, api)
        names_object = _use_real_ids(case, ids)
        response = case.call_and_validate(headers={"X-API-Key": api.key}, checks=CHECKS)
        if names_object and case.method.upper() == "GET" and response.status_code < 300:
            as_other = case.call(headers={"X-API-Key": other.key})
            assert as_other.status_code == 404, (case.formatted_path, as_other.status_code)

    run()


def test_every_operation_conforms_to_the_spec_for_two_users(app, api, other):
    schema = schemathesis.openapi.from_wsgi("/api/v3/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures = []
    for operation in operations:
        try:
            _exercise(operation, app, api, other)
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)
