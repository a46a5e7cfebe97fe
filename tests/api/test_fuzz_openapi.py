"""API fuzzing with schemathesis: every operation of the OpenAPI document, examples
generated from its schemas, sent as every role (and anonymously). No answer may be a
5xx, and every answer must match what the document declares (status, content type,
body schema).

The suite runs FUZZ_EXAMPLES examples per operation and identity (a few, to stay inside
CI's time); `make fuzz` runs a long campaign.
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend import create_app
from backend.extensions import limiter
from tests.conftest import make_config

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
IDENTITIES = ("zf001", "fz001", "zd001", "admin", "anonymous")
# Who may call what is the authorization matrix's job (tests/api/test_authorization_matrix.py);
# here: no 5xx, and every answer as documented.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def _labels() -> list[str]:
    """The operations, read from the document of an app that never touches its database."""
    spec_app = create_app(make_config("sqlite:///:memory:"))
    with spec_app.test_client() as c:
        raw = c.get("/api/v1/openapi.json").get_json()
    return sorted(op.ok().label for op in schemathesis.openapi.from_dict(raw).get_all_operations())


@pytest.fixture
def identities(demo, auth) -> dict[str, dict[str, str]]:
    headers = {name: auth.login(name).headers for name in IDENTITIES if name != "anonymous"}
    headers["anonymous"] = {}
    limiter.enabled = False  # one client hammering every endpoint; rate limits have their own tests
    yield headers
    limiter.enabled = True


@pytest.mark.parametrize("label", _labels())
def test_no_5xx_and_every_answer_matches_the_document(app, identities, label):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).find_operation_by_label(label)
    assert operation is not None, label

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    def fuzz(case) -> None:
        for who, headers in identities.items():
            response = case.call(headers=headers)
            assert response.status_code < 500, (who, case.method, case.formatted_path, response.status_code, response.text[:300])
            case.validate_response(response, checks=CHECKS)

    fuzz()
