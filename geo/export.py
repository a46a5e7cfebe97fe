"""Track export: GeoJSON (RFC 7946), GPX 1.1 and KML 2.2.

A track is split into segments at gaps, so no format draws a straight line across a
tunnel or a switched-off phone.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Sequence
from xml.etree import ElementTree as ET

from .segments import DEFAULT_GAP_S
from .track import Fix

__all__ = ["split_at_gaps", "to_geojson", "to_gpx", "to_kml", "points_to_geojson", "points_to_gpx", "points_to_kml"]

GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"  # gx:Track: a line whose every vertex keeps its time
COORD_DECIMALS = 7


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def split_at_gaps(fixes: Sequence[Fix], gap_s: float = DEFAULT_GAP_S) -> list[list[Fix]]:
    segments: list[list[Fix]] = []
    for fix in fixes:
        if not segments or fix.t - segments[-1][-1].t > gap_s:
            segments.append([fix])
        else:
            segments[-1].append(fix)
    return segments


def _segments(fixes: Sequence[Fix] | Sequence[Sequence[Fix]], gap_s: float) -> list[Sequence[Fix]]:
    """A flat track is split at its time gaps; a list of segments (a track simplified
    stretch by stretch, whose kept vertices may lie far apart in time) is taken as is."""
    if fixes and not isinstance(fixes[0], Fix):
        return [seg for seg in fixes if seg]  # type: ignore[misc]
    return split_at_gaps(fixes, gap_s)  # type: ignore[arg-type]


def to_geojson(fixes: Sequence[Fix] | Sequence[Sequence[Fix]], properties: dict[str, Any] | None = None,
               gap_s: float = DEFAULT_GAP_S) -> dict[str, Any]:
    """A Feature whose geometry is a MultiLineString (one line per gap-free segment);
    `properties.times` holds each vertex's ISO time, segment by segment. A lone fix
    between two gaps is no line (RFC 7946 wants two positions) and is left out."""
    segments = [s for s in _segments(fixes, gap_s) if len(s) >= 2]
    coords = [[[round(f.lon, COORD_DECIMALS), round(f.lat, COORD_DECIMALS)] for f in seg] for seg in segments]
    props = dict(properties or {})
    props["times"] = [[_iso(f.t) for f in seg] for seg in segments]
    return {"type": "Feature", "geometry": {"type": "MultiLineString", "coordinates": coords}, "properties": props}


def to_gpx(fixes: Sequence[Fix] | Sequence[Sequence[Fix]], name: str = "", gap_s: float = DEFAULT_GAP_S) -> bytes:
    ET.register_namespace("", GPX_NS)
    gpx = ET.Element(f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "zhangshang-zhifa"})
    meta = ET.SubElement(gpx, f"{{{GPX_NS}}}metadata")
    ET.SubElement(meta, f"{{{GPX_NS}}}name").text = name
    segments = _segments(fixes, gap_s)
    if segments:
        ET.SubElement(meta, f"{{{GPX_NS}}}time").text = _iso(segments[0][0].t)
    trk = ET.SubElement(gpx, f"{{{GPX_NS}}}trk")
    ET.SubElement(trk, f"{{{GPX_NS}}}name").text = name
    for seg in segments:
        trkseg = ET.SubElement(trk, f"{{{GPX_NS}}}trkseg")
        for f in seg:
            pt = ET.SubElement(
                trkseg, f"{{{GPX_NS}}}trkpt", {"lat": f"{f.lat:.{COORD_DECIMALS}f}", "lon": f"{f.lon:.{COORD_DECIMALS}f}"}
            )
            ET.SubElement(pt, f"{{{GPX_NS}}}time").text = _iso(f.t)
    return ET.tostring(gpx, encoding="utf-8", xml_declaration=True)


def to_kml(fixes: Sequence[Fix] | Sequence[Sequence[Fix]], name: str = "", gap_s: float = DEFAULT_GAP_S) -> bytes:
    ET.register_namespace("", KML_NS)
    ET.register_namespace("gx", GX_NS)
    kml = ET.Element(f"{{{KML_NS}}}kml")
    doc = ET.SubElement(kml, f"{{{KML_NS}}}Document")
    ET.SubElement(doc, f"{{{KML_NS}}}name").text = name
    placemark = ET.SubElement(doc, f"{{{KML_NS}}}Placemark")
    ET.SubElement(placemark, f"{{{KML_NS}}}name").text = name
    segments = _segments(fixes, gap_s)
    if segments:
        span = ET.SubElement(placemark, f"{{{KML_NS}}}TimeSpan")
        ET.SubElement(span, f"{{{KML_NS}}}begin").text = _iso(segments[0][0].t)
        ET.SubElement(span, f"{{{KML_NS}}}end").text = _iso(segments[-1][-1].t)
    # one gx:Track per stretch between gaps: Google Earth, QGIS (LIBKML) and ArcGIS read each
    # fix's time (a LineString would drop them)
    multi = ET.SubElement(placemark, f"{{{GX_NS}}}MultiTrack")
    ET.SubElement(multi, f"{{{GX_NS}}}interpolate").text = "0"
    for seg in segments:
        track = ET.SubElement(multi, f"{{{GX_NS}}}Track")
        for f in seg:
            ET.SubElement(track, f"{{{KML_NS}}}when").text = _iso(f.t)
        for f in seg:
            ET.SubElement(track, f"{{{GX_NS}}}coord").text = f"{f.lon:.{COORD_DECIMALS}f} {f.lat:.{COORD_DECIMALS}f} 0"
    return ET.tostring(kml, encoding="utf-8", xml_declaration=True)


def points_to_geojson(points: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Places (inspections, tickets) as a FeatureCollection of Points; every other key of a
    point becomes a property."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(p["lon"], COORD_DECIMALS), round(p["lat"], COORD_DECIMALS)]},
         "properties": {k: v for k, v in p.items() if k not in ("lat", "lon")}} for p in points]}


def points_to_gpx(points: Sequence[dict[str, Any]], name: str = "") -> bytes:
    """Places as GPX waypoints (`name`, `desc`, `time` from the point's keys)."""
    ET.register_namespace("", GPX_NS)
    gpx = ET.Element(f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "zhangshang-zhifa"})
    ET.SubElement(ET.SubElement(gpx, f"{{{GPX_NS}}}metadata"), f"{{{GPX_NS}}}name").text = name
    for p in points:
        wpt = ET.SubElement(gpx, f"{{{GPX_NS}}}wpt", {"lat": f"{p['lat']:.{COORD_DECIMALS}f}", "lon": f"{p['lon']:.{COORD_DECIMALS}f}"})
        if p.get("time"):
            ET.SubElement(wpt, f"{{{GPX_NS}}}time").text = str(p["time"])
        ET.SubElement(wpt, f"{{{GPX_NS}}}name").text = str(p.get("name", ""))
        if p.get("desc"):
            ET.SubElement(wpt, f"{{{GPX_NS}}}desc").text = str(p["desc"])
    return ET.tostring(gpx, encoding="utf-8", xml_declaration=True)


def points_to_kml(points: Sequence[dict[str, Any]], name: str = "") -> bytes:
    ET.register_namespace("", KML_NS)
    kml = ET.Element(f"{{{KML_NS}}}kml")
    doc = ET.SubElement(kml, f"{{{KML_NS}}}Document")
    ET.SubElement(doc, f"{{{KML_NS}}}name").text = name
    for p in points:
        pm = ET.SubElement(doc, f"{{{KML_NS}}}Placemark")
        ET.SubElement(pm, f"{{{KML_NS}}}name").text = str(p.get("name", ""))
        if p.get("desc"):
            ET.SubElement(pm, f"{{{KML_NS}}}description").text = str(p["desc"])
        if p.get("time"):
            ET.SubElement(ET.SubElement(pm, f"{{{KML_NS}}}TimeStamp"), f"{{{KML_NS}}}when").text = str(p["time"])
        ET.SubElement(ET.SubElement(pm, f"{{{KML_NS}}}Point"), f"{{{KML_NS}}}coordinates").text = (
            f"{p['lon']:.{COORD_DECIMALS}f},{p['lat']:.{COORD_DECIMALS}f}")
    return ET.tostring(kml, encoding="utf-8", xml_declaration=True)
