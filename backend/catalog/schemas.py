"""Schemas of the catalog feature (jurisdictions, grids, matters)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..pagination import page_schema


class GeometrySchema(Schema):
    type = fields.String(required=True)
    coordinates = fields.List(fields.Raw(), required=True)


class JurisdictionSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    agency_name = fields.String(required=True, metadata={"description": "the enforcement team"})
    authority_name = fields.String(required=True, metadata={"description": "行政主体: decisions are made and printed in its name (§24)"})
    reconsideration_body = fields.String(required=True, metadata={"description": "where reconsideration is applied for (行政复议法 §20, §24)"})
    payment_channel = fields.String(required=True, metadata={"description": "bank, account or payment code printed on decisions"})
    boundary = fields.Nested(GeometrySchema, allow_none=True, required=True)
    grid_count = fields.Integer(required=True)


JurisdictionPageSchema = page_schema(JurisdictionSchema, "JurisdictionPage")


class GridPropertiesSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    jurisdiction_id = fields.Integer(required=True)
    zone = fields.String(allow_none=True, required=True)
    area_m2 = fields.Integer(required=True)
    officer_ids = fields.List(fields.Integer(), required=True)


class GridFeatureSchema(Schema):
    type = fields.String(required=True, metadata={"enum": ["Feature"]})
    id = fields.String(required=True)
    geometry = fields.Nested(GeometrySchema, required=True)
    properties = fields.Nested(GridPropertiesSchema, required=True)


class GridCollectionSchema(Schema):
    type = fields.String(required=True, metadata={"enum": ["FeatureCollection"]})
    features = fields.List(fields.Nested(GridFeatureSchema), required=True)


class GridsQuerySchema(Schema):
    jurisdiction_id = fields.Integer(load_default=None, metadata={"description": "district admins only"})


class PointQuerySchema(Schema):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class GridRefSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    jurisdiction_id = fields.Integer(required=True)
    zone_id = fields.Integer(allow_none=True, required=True)


class FineRangeSchema(Schema):
    min_fen = fields.Integer(required=True)
    max_fen = fields.Integer(required=True)


class RangesSchema(Schema):
    citizen = fields.Nested(FineRangeSchema, allow_none=True, required=True, metadata={"description": "null: no fine for citizens"})
    organization = fields.Nested(FineRangeSchema, allow_none=True, required=True)


class TierSchema(Schema):
    party_type = fields.String(required=True, metadata={"enum": ["citizen", "organization"]})
    level = fields.Integer(required=True)
    name = fields.String(required=True)
    circumstances = fields.String(required=True)
    min_fen = fields.Integer(required=True)
    max_fen = fields.Integer(required=True)
    warning = fields.Boolean(required=True)


class MatterSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    initials = fields.String(required=True, metadata={"description": "pinyin initials of the name (占道经营 → zdjy) for search"})
    domain = fields.String(required=True, metadata={"description": "门类"})
    legal_basis = fields.String(required=True, metadata={"description": "违法依据"})
    penalty_basis = fields.String(required=True, metadata={"description": "处罚依据"})
    simple_procedure = fields.Boolean(required=True)
    warning_allowed = fields.Boolean(required=True)
    warning_and_fine = fields.Boolean(required=True, metadata={"description": "the basis requires a warning and a fine together"})
    other_penalty = fields.String(required=True, metadata={"description": "a penalty the basis makes mandatory besides (§51: not on the spot)"})
    precondition = fields.String(required=True, metadata={
        "description": "the basis fines only after an order to correct was ignored, in its words (e.g. 责令限期改正，逾期不改正); "
                       "a fine then needs the ticket's prior_order"})
    ranges = fields.Nested(RangesSchema, required=True)
    tiers = fields.List(fields.Nested(TierSchema), required=True, metadata={"description": "裁量基准"})
    empowered = fields.Boolean(required=True, metadata={"description": "赋权: the caller's jurisdiction holds this power"})
    illustrative = fields.Boolean(required=True)


MatterPageSchema = page_schema(MatterSchema, "MatterPage")
