"""Bad input gets a 4xx with a machine-readable code, never a 500."""
from __future__ import annotations

import pytest

from tests.conftest import assert_error


def test_malformed_json_is_400_malformed_json(client, demo):
    resp = client.post("/api/v1/auth/login", data=b'{"username": "zf001",', content_type="application/json")
    assert_error(resp, 400, "malformed_json")


def test_non_utf8_json_is_refused(client, demo):
    resp = client.post("/api/v1/auth/login", data=b'{"username": "\xff\xfe"}', content_type="application/json")
    assert resp.status_code in (400, 422)
    assert resp.get_json()["code"] in ("malformed_json", "validation_error")


@pytest.mark.parametrize(
    "body,field",
    [
        ({"username": 12, "password": "demo1234", "device_id": "dev-12345678"}, "username"),
        ({"username": "zf001", "password": ["x"], "device_id": "dev-12345678"}, "password"),
        ({"username": "zf001", "password": "demo1234", "device_id": "short"}, "device_id"),
        ({"username": "zf001", "password": "demo1234", "device_id": "dev 1234 with spaces"}, "device_id"),
        ({"username": "zf001", "password": "demo1234"}, "device_id"),
        ({"username": "zf001", "password": "demo1234", "device_id": "dev-12345678", "admin": True}, "admin"),
    ],
)
def test_wrong_types_missing_and_unknown_fields_are_422_with_the_field_named(client, demo, body, field):
    err = assert_error(client.post("/api/v1/auth/login", json=body), 422, "validation_error")
    assert field in err["details"]["fields"]


def test_json_array_instead_of_object_is_refused(client, demo):
    resp = client.post("/api/v1/auth/login", json=["zf001", "demo1234"])
    assert resp.status_code == 422 and resp.get_json()["code"] == "validation_error"


def test_huge_body_is_413_payload_too_large(client, demo):
    huge = b'{"username": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    assert_error(client.post("/api/v1/auth/login", data=huge, content_type="application/json"), 413, "payload_too_large")


def test_query_parameters_are_validated(client, demo, auth):
    s = auth.login("zd001")
    for path in ("/api/v1/grids/at?lat=95&lon=121.6", "/api/v1/grids/at?lat=abc&lon=1", "/api/v1/grids/at?lon=121.6",
                 "/api/v1/officers?limit=0", "/api/v1/officers?limit=100000", "/api/v1/officers?limit=x"):
        resp = client.get(path, headers=s.headers)
        assert_error(resp, 422, "validation_error")


@pytest.mark.parametrize("cursor", ["!!!", "bm90LWpzb24", "WzFd", "InN0cmluZyI", "dHJ1ZQ"])
def test_garbage_cursors_are_400_bad_cursor(client, demo, auth, cursor):
    s = auth.login("zd001")
    assert_error(client.get(f"/api/v1/officers?cursor={cursor}", headers=s.headers), 400, "bad_cursor")


def test_unknown_route_and_wrong_method_answer_json(client, demo):
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    err = client.delete("/api/v1/health")
    assert_error(err, 405, "method_not_allowed")
    assert "GET" in err.headers["Allow"]


def test_an_unexpected_error_is_a_generic_500_without_internals(client, demo, auth, monkeypatch):
    from backend.catalog import service

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "matters_catalog", boom)
    resp = client.get("/api/v1/matters", headers=auth.login("zf001").headers)
    body = assert_error(resp, 500, "internal_error")
    assert "secret" not in resp.get_data(as_text=True) and body["details"] == {}


def test_text_body_on_a_json_endpoint_is_refused(client, demo):
    resp = client.post("/api/v1/auth/login", data="username=zf001", content_type="text/plain")
    assert resp.status_code in (400, 415, 422)
    assert "code" in resp.get_json()


@pytest.mark.parametrize("path", ["/api/v1/officers/{}", "/api/v1/cases/{}", "/api/v1/tasks/{}"])
def test_ids_too_large_for_the_database_are_404_not_500(client, demo, auth, path):
    s = auth.login("zd001")
    for big in (2**31, 2**63, 386820741481135785526689792):
        resp = client.get(path.format(big), headers=s.headers)
        assert resp.status_code == 404, (big, resp.status_code)


@pytest.mark.parametrize("query", ["/api/v1/patrols?date=0001-01-01", "/api/v1/inspections?from=0001-01-01T00:00:00%2B08:00",
                                   "/api/v1/cases?due_before=9999-12-31"])
def test_absurd_dates_are_422_not_500(client, demo, auth, query):
    assert_error(client.get(query, headers=auth.login("zd001").headers), 422, "validation_error")
