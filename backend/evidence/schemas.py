"""Schemas of the evidence feature."""
from __future__ import annotations

from marshmallow import Schema, fields


class ExifSchema(Schema):
    """A photo's EXIF, or what a video's or recording's container records (creation time,
    ISO 6709 location, make and model), in the same shape."""

    taken_at = fields.String(metadata={"description": "DateTimeOriginal (or the clip's recorded time) as ISO 8601 UTC"})
    lat = fields.Float()
    lon = fields.Float()
    alt = fields.Float()
    make = fields.String()
    model = fields.String()
    orientation = fields.Integer()
    errors = fields.List(fields.String(), metadata={"description": "EXIF fields that could not be read"})


class UploadSchema(Schema):
    sha256 = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": ["photo", "video", "audio"], "description": "detected from the content"})
    width = fields.Integer(required=True, metadata={"description": "as shown (after a video's rotation); 0 for audio"})
    height = fields.Integer(required=True)
    bytes = fields.Integer(required=True)
    content_type = fields.String(required=True, metadata={"description": "detected from the content"})
    exif = fields.Nested(ExifSchema, required=True)
    container = fields.String(allow_none=True, metadata={"description": "video/audio: mp4, mov, m4a, webm, matroska, ogg, mp3, wav, aac"})
    duration_s = fields.Float(allow_none=True)
    video_codec = fields.String(allow_none=True, metadata={"description": "h264, hevc, vp8, vp9"})
    audio_codec = fields.String(allow_none=True, metadata={"description": "aac, opus, vorbis, mp3, pcm_*"})
    av = fields.Dict(allow_none=True, metadata={"description": "what ffprobe found: format, bit rate, video {fps, rotation...}, audio {sample_rate, channels}"})


class UploadStatusSchema(Schema):
    sha256 = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": ["absent", "partial", "complete"]})
    offset = fields.Integer(required=True, metadata={"description": "bytes received; resume from here"})
    total = fields.Integer(allow_none=True, required=True)
    kind = fields.String(metadata={"description": "when complete: photo, video or audio"})
    content_type = fields.String(metadata={"description": "when complete"})
    duration_s = fields.Float(allow_none=True, metadata={"description": "when complete: a video's or recording's length"})


class CitationSchema(Schema):
    record_kind = fields.String(required=True)
    record_id = fields.String(required=True)
    distance_m = fields.Float(allow_none=True, required=True, metadata={"description": "EXIF position vs the record's"})
    time_delta_s = fields.Float(allow_none=True, required=True)
    mismatch = fields.Boolean(allow_none=True, required=True)
    mismatch_reasons = fields.List(fields.String(), required=True)


class MediaSchema(UploadSchema):
    uploaded_at = fields.DateTime(required=True)
    citations = fields.List(fields.Nested(CitationSchema), required=True)


class CustodyEntrySchema(Schema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    action = fields.String(required=True)
    actor_id = fields.Integer(allow_none=True, required=True)
    device_id = fields.String(allow_none=True, required=True)
    details = fields.Dict(required=True)


class CustodySchema(Schema):
    sha256 = fields.String(required=True)
    items = fields.List(fields.Nested(CustodyEntrySchema), required=True)


class PlaybackSchema(Schema):
    url = fields.String(required=True, metadata={"description": "GET it (Range allowed) to play the original: no header needed"})
    expires_at = fields.DateTime(required=True)
    kind = fields.String(required=True, metadata={"enum": ["photo", "video", "audio"]})
    content_type = fields.String(required=True)
