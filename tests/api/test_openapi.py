"""The OpenAPI document: valid OpenAPI 3, complete, and an offline docs page."""
from __future__ import annotations

import re

from openapi_spec_validator import validate


def test_openapi_document_validates(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    spec = resp.get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_every_api_route_is_documented(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if m != "parameters"}
    undocumented = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith(("api-docs.", "web.")):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([a-z_0-9]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, path) not in documented:
                undocumented.append((method, path))
    assert not undocumented


def test_public_operations_need_no_token_and_others_do(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["paths"]["/api/v1/auth/login"]["post"]["security"] == []
    assert "security" not in spec["paths"]["/api/v1/me"]["get"]  # inherits the global bearerAuth
    assert spec["security"] == [{"bearerAuth": []}]


def test_error_shape_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "details"}


def test_docs_page_works_offline(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # every script and stylesheet comes from this server, none from a CDN
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and all(r.startswith("/") for r in refs), refs
    for ref in refs:
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        asset.close()


def test_every_record_kind_is_documented_with_its_own_payload_schema(client):
    """The sync contract is in the document: a kind enum and, per kind, the feature's strict
    payload schema (limits included) behind a discriminator on `kind`."""
    from backend.records import kinds

    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    record = schemas["Record"]
    assert record["discriminator"]["propertyName"] == "kind"
    assert set(record["discriminator"]["mapping"]) == set(kinds()) == set(schemas["RecordKind"]["enum"])
    for name, kind in kinds().items():
        variant = schemas[f"Record_{name}"]
        assert variant["properties"]["kind"]["enum"] == [name]
        payload = schemas[variant["properties"]["payload"]["$ref"].rsplit("/", 1)[1]]
        assert set(payload["properties"]) == set(kind.schema.fields), name
    assert schemas["TicketPayload"]["properties"]["facts"]["maxLength"] == 2000
    assert schemas["InspectionPayload"]["properties"]["lat"]["maximum"] == 90
    assert schemas["SyncBatch"]["properties"]["records"]["items"] == {"$ref": "#/components/schemas/Record"}


def test_docs_sync_md_names_every_kind_and_every_field_of_its_payload():
    """docs/sync.md is checked against the same schemas: a field added to a kind without a
    word in the contract page fails here."""
    from backend.records import kinds
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "sync.md").read_text(encoding="utf-8")
    lines = {m.group(1): m.group(2) for m in re.finditer(r"^- `([a-z_]+)` `(\{.*?\})`", text, re.M)}
    assert set(lines) == set(kinds()), set(kinds()) ^ set(lines)
    for name, kind in kinds().items():
        missing = [f for f in kind.schema.fields if not re.search(rf"\b{f}\b", lines[name])]
        assert not missing, (name, missing)
