"""The sync contract in the OpenAPI document: every record kind in an enum, each with its
own payload schema (the feature's strict one, limits included), as a `oneOf` with a
discriminator on `kind` — so a generated client builds valid records, and schemathesis
fuzzes `POST /api/v1/sync` kind by kind."""
from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from ..records import kinds


def document_record_kinds(spec: APISpec) -> None:
    plugin = next(p for p in spec.plugins if isinstance(p, MarshmallowPlugin))
    schemas = spec.components.schemas
    base = schemas["Record"]
    mapping: dict[str, str] = {}
    for name, kind in sorted(kinds().items()):
        payload_ref = plugin.converter.resolve_nested_schema(type(kind.schema))  # registers it (and its nested ones)
        variant = f"Record_{name}"
        spec.components.schema(variant, component={
            "type": "object", "required": ["id", "kind", "captured_at", "payload"], "additionalProperties": False,
            "description": f"{kind.summary} — sent by: {', '.join(kind.roles)}"
                           + (f"; depends on the record named by payload.{kind.depends_on}" if kind.depends_on else ""),
            "properties": {"id": base["properties"]["id"], "kind": {"type": "string", "enum": [name]},
                           "captured_at": base["properties"]["captured_at"], "payload": payload_ref},
        })
        mapping[name] = f"#/components/schemas/{variant}"
    record: dict[str, Any] = {"oneOf": [{"$ref": ref} for ref in mapping.values()],
                              "discriminator": {"propertyName": "kind", "mapping": mapping}}
    schemas["Record"] = record
    schemas["RecordKind"] = {"type": "string", "enum": sorted(mapping)}
