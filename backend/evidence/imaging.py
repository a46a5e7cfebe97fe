"""Pillow work on evidence photos: inspection, EXIF, derivatives with the 执法水印.

No Flask or database here: plain functions the service and the benchmark call.
"""
from __future__ import annotations

import io
import math
import struct
import tempfile
import zipfile
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageDraw, ImageFont, UnidentifiedImageError

from ..models_base import LOCAL_TZ

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
THUMB_PX = 320
DISPLAY_PX = 1600  # the display copy's long side is at least this...
DISPLAY_MAX_PX = 2048  # ...and at most this: what JPEG draft decodes in that band is kept as is
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # Debian fonts-wqy-microhei
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # fonts-noto-cjk, SC face
)


class ImageRejected(Exception):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en

    def __reduce__(self) -> tuple[Any, ...]:  # crosses back from the decoder child (decoder.py)
        return (ImageRejected, (self.code, self.zh, self.en))


@dataclass
class ImageInfo:
    format: str
    content_type: str
    width: int
    height: int
    exif: dict[str, Any] = field(default_factory=dict)
    taken_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None


def _num(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return f if math.isfinite(f) else None


def _dms(values: Any, ref: Any, positive: str) -> float | None:
    try:
        d, m, s = (_num(v) for v in values)
    except (TypeError, ValueError):
        return None
    if d is None or m is None or s is None:
        return None
    deg = d + m / 60.0 + s / 3600.0
    if isinstance(ref, bytes):
        ref = ref.decode(errors="ignore")
    return deg if str(ref or positive).strip().upper() == positive else -deg


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode(errors="ignore")
    text = str(value).strip("\x00 ").strip()
    return text[:128] or None


def read_exif(im: Image.Image) -> tuple[dict[str, Any], datetime | None, float | None, float | None]:
    """DateTimeOriginal, GPS, make/model and orientation. Broken EXIF never rejects a
    photo: unreadable fields are left out and `exif.errors` says which."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _read_exif(im)
    if caught:  # Pillow warns ("Corrupt EXIF data") instead of raising
        result[0].setdefault("errors", []).append("corrupt")
    return result


def _read_exif(im: Image.Image) -> tuple[dict[str, Any], datetime | None, float | None, float | None]:
    out: dict[str, Any] = {}
    errors: list[str] = []
    taken_at = lat = lon = None
    try:
        exif = im.getexif()
    except Exception:  # noqa: BLE001 - any parser failure means "no usable EXIF"
        return {"errors": ["unreadable"]}, None, None, None
    out["make"] = _text(exif.get(ExifTags.Base.Make))
    out["model"] = _text(exif.get(ExifTags.Base.Model))
    orientation = exif.get(ExifTags.Base.Orientation)
    out["orientation"] = orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else None
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        raw = _text(sub.get(ExifTags.Base.DateTimeOriginal))
        offset = _text(sub.get(ExifTags.Base.OffsetTimeOriginal))
        if raw:
            local = datetime.strptime(raw, "%Y:%m:%d %H:%M:%S")
            if offset and len(offset) == 6 and offset[0] in "+-":
                sign = 1 if offset[0] == "+" else -1
                tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
                taken_at = local.replace(tzinfo=tz)
            else:  # cameras and phones here write local time without an offset
                taken_at = local.replace(tzinfo=LOCAL_TZ)
            taken_at = taken_at.astimezone(timezone.utc)
    except (ValueError, TypeError, KeyError, OSError):
        errors.append("datetime")
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        if gps:
            lat = _dms(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "N")
            lon = _dms(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "E")
            if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
                errors.append("gps_impossible")  # no phone writes this: a crafted or tampered file
                lat = lon = None
            elif lat is None or lon is None:
                if gps.get(ExifTags.GPS.GPSLatitude) is not None:
                    errors.append("gps")
                lat = lon = None
            alt = _num(gps.get(ExifTags.GPS.GPSAltitude))
            if alt is not None and abs(alt) < 20000:
                ref = gps.get(ExifTags.GPS.GPSAltitudeRef)
                out["alt"] = -alt if ref in (1, b"\x01") else alt
    except (ValueError, TypeError, KeyError, OSError, ZeroDivisionError):
        errors.append("gps")
        lat = lon = None
    out["taken_at"] = taken_at.isoformat() if taken_at else None
    out["lat"] = round(lat, 7) if lat is not None else None
    out["lon"] = round(lon, 7) if lon is not None else None
    if errors:
        out["errors"] = errors
    return {k: v for k, v in out.items() if v is not None}, taken_at, lat, lon


def open_image(path: Path, max_pixels: int) -> tuple[Image.Image, ImageInfo]:
    """Identify by content (never by name or declared type) and check the pixel count
    from the header, before anything is decoded."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path, formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("media.too_many_pixels", "图片像素过多（疑似解压炸弹）", "Too many pixels (decompression bomb)") from None
    except UnidentifiedImageError:
        raise ImageRejected("media.not_an_image", "文件不是 JPEG、PNG 或 WebP 图片", "Not a JPEG, PNG or WebP image") from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected("media.corrupt", "图片文件已损坏", "The image file is corrupt") from None
    width, height = im.size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        im.close()
        raise ImageRejected("media.too_many_pixels", "图片像素过多（疑似解压炸弹）", "Too many pixels (decompression bomb)")
    exif, taken_at, lat, lon = read_exif(im)
    if "gps_impossible" in exif.get("errors", []):
        im.close()
        raise ImageRejected("media.impossible_gps", "照片的 GPS 坐标不可能存在（纬度超过 90° 或经度超过 180°），疑似被篡改",
                            "The photo's GPS position is impossible (latitude beyond 90° or longitude beyond 180°)")
    if any("EXIF" in str(w.message) for w in caught) and "corrupt" not in exif.get("errors", []):
        exif.setdefault("errors", []).append("corrupt")  # Pillow read (and warned about) it while opening
    return im, ImageInfo(im.format, FORMATS[im.format], width, height, exif, taken_at, lat, lon)


# Markup a browser or a PHP interpreter would act on, were the file ever served as text.
_ACTIVE = (b"<script", b"<html", b"<iframe", b"<svg", b"<body", b"<object", b"<embed", b"<?php", b"<!doctype", b"javascript:")
_SCAN_CHUNK = 1 << 20


def _has_active_content(data: bytes) -> bool:
    lowered = data.lower()  # plain substring search: far faster than a regex alternation on bytes
    return any(marker in lowered for marker in _ACTIVE)


def _jpeg_metadata(f: io.BufferedReader) -> tuple[int, bytes]:
    """(bytes of APPn/COM segments, their contents) from SOI up to the first SOS."""
    f.seek(2)
    total, parts = 0, []
    while True:
        head = f.read(4)
        if len(head) < 4 or head[0] != 0xFF:
            break
        marker, length = head[1], struct.unpack(">H", head[2:])[0]
        if marker == 0xDA or length < 2:  # start of scan: the metadata is behind us
            break
        body_len = length - 2
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            total += body_len
            if total <= 16 * 1024 * 1024:
                parts.append(f.read(body_len))
                continue
        f.seek(body_len, io.SEEK_CUR)
    return total, b"".join(parts)


def _png_metadata(f: io.BufferedReader) -> tuple[int, bytes, int]:
    """(bytes of ancillary text chunks, their contents, offset just after IEND)."""
    f.seek(8)
    total, parts = 0, []
    while True:
        head = f.read(8)
        if len(head) < 8:
            return total, b"".join(parts), f.tell()
        length, kind = struct.unpack(">I4s", head)
        if kind in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"):
            total += length
            if total <= 16 * 1024 * 1024:
                parts.append(f.read(length))
                f.seek(4, io.SEEK_CUR)
                continue
        f.seek(length + 4, io.SEEK_CUR)
        if kind == b"IEND":
            return total, b"".join(parts), f.tell()


def _image_end(f: io.BufferedReader, fmt: str, size: int) -> int:
    if fmt == "WEBP":
        f.seek(4)
        riff = f.read(4)
        return min(size, struct.unpack("<I", riff)[0] + 8) if len(riff) == 4 else size
    # JPEG: the last EOI (photos with MPF or a motion-photo video carry more images after the first)
    tail_start = max(0, size - _SCAN_CHUNK)
    f.seek(tail_start)
    at = f.read().rfind(b"\xff\xd9")
    return tail_start + at + 2 if at >= 0 else size


def screen_content(path: Path, fmt: str, max_metadata: int) -> None:
    """Refuse polyglots and oversized metadata. A photo is evidence, not a container:
    no ZIP riding behind the image, no markup in the metadata or after the image data,
    no metadata blocks larger than any phone writes.

    Reads the metadata segments and what follows the image data, never the compressed
    pixels in between, so a 5 MB photo costs well under a millisecond here.
    """
    size = path.stat().st_size
    with open(path, "rb") as f:
        if fmt == "PNG":
            meta_bytes, meta, end = _png_metadata(f)
        else:
            meta_bytes, meta = _jpeg_metadata(f) if fmt == "JPEG" else (0, b"")
            if fmt == "WEBP":
                f.seek(0)
                meta = f.read(min(size, 64 * 1024))
            end = _image_end(f, fmt, size)
        if meta_bytes > max_metadata:
            raise ImageRejected("media.metadata_too_large", "图片的元数据（EXIF 等）过大，疑似被篡改",
                                "The image's metadata (EXIF etc.) is implausibly large", )
        if _has_active_content(meta):
            raise ImageRejected("media.polyglot", "图片中夹带网页或脚本内容，已拒收", "The image carries HTML or script content")
        f.seek(end)
        overlap = b""
        while chunk := f.read(_SCAN_CHUNK):  # whatever follows the image, streamed
            if _has_active_content(overlap + chunk):
                raise ImageRejected("media.polyglot", "图片中夹带网页或脚本内容，已拒收", "The image carries HTML or script content")
            overlap = chunk[-16:]
    if zipfile.is_zipfile(path):
        raise ImageRejected("media.polyglot", "图片中夹带压缩包（ZIP），已拒收", "The image carries a ZIP archive")


@lru_cache(maxsize=16)
def _font(size: int, font_path: str | None) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    candidates = [(font_path, 0)] if font_path else []
    for path, index in [*candidates, *FONT_CANDIDATES]:
        if path and Path(path).is_file():
            return ImageFont.truetype(path, size, index=index)
    raise ImageRejected("media.no_font", "服务器缺少中文字体", "No CJK font installed for the watermark")


def find_font(font_path: str | None = None) -> str | None:
    for path, _ in [(font_path, 0), *FONT_CANDIDATES]:
        if path and Path(path).is_file():
            return path
    return None


def _watermark(im: Image.Image, lines: list[str], font_path: str | None) -> None:
    if not lines:
        return
    size = max(14, im.height // 42)
    font = _font(size, font_path)
    pad = size // 2
    band = min(im.height, (size + pad // 2) * len(lines) + pad)
    top = im.height - band
    # darken the band in place (a LUT is cheaper than compositing an RGBA overlay)
    im.paste(im.crop((0, top, im.width, im.height)).point(lambda v: v * 2 // 5), (0, top))
    draw = ImageDraw.Draw(im)
    y = top + pad // 2
    for line in lines:
        draw.text((pad, y), line, font=font, fill=(255, 255, 255))
        y += size + pad // 2


def _fit(width: int, height: int, box: int) -> tuple[int, int]:
    scale = min(1.0, box / max(width, height))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def render_derivatives(im: Image.Image, lines: list[str], font_path: str | None = None) -> tuple[bytes, bytes]:
    """(thumb JPEG, display JPEG), orientation applied, watermark burned in, no EXIF.
    Draws on `im` itself: callers pass an image they opened for this and close after.

    JPEG draft mode decodes once at the smallest DCT scale that still covers the
    display size (a 12-megapixel photo decodes at 1/2 scale, about half the work of a
    full decode); every later step works on the small image. Decoding reads all the
    data, so a truncated file fails here.
    """
    orientation = im.getexif().get(ExifTags.Base.Orientation, 1)
    if not isinstance(orientation, int):
        orientation = 1
    try:
        if im.format == "JPEG":
            # the requested size must have the photo's aspect, or draft() will not reduce
            im.draft("RGB", _fit(im.width, im.height, DISPLAY_PX))
        im.load()
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected("media.truncated", "图片不完整或已损坏，请重新上传", "The image is truncated or corrupt") from None
    display = im if im.mode == "RGB" else im.convert("RGB")
    if max(display.size) > DISPLAY_MAX_PX:
        display = display.resize(_fit(display.width, display.height, DISPLAY_PX), Image.Resampling.BILINEAR, reducing_gap=2.0)
    # A 12 MP photo decodes at 1/2 scale to 2000 × 1500 and is kept at that size: a
    # second resampling pass would cost about a quarter of a full decode.
    if orientation in _TRANSPOSE:
        display = display.transpose(_TRANSPOSE[orientation])
    _watermark(display, lines, font_path)
    factor = max(1, max(display.size) // (THUMB_PX * 2))
    small = display.reduce(factor) if factor > 1 else display  # integer box reduce: ~1 ms
    thumb = small.resize(_fit(display.width, display.height, THUMB_PX), Image.Resampling.BILINEAR)
    out_display, out_thumb = io.BytesIO(), io.BytesIO()
    display.save(out_display, "JPEG", quality=82)
    thumb.save(out_thumb, "JPEG", quality=75)
    return out_thumb.getvalue(), out_display.getvalue()


def decode_photo(path: str, max_pixels: int, max_metadata: int, font_path: str | None,
                 certificate: str) -> tuple[ImageInfo, bytes, bytes]:
    """An uploaded photo checked and rendered: (info, thumb JPEG, display JPEG), or
    ImageRejected. Self-contained (plain arguments, no app or database) so that it runs
    the same in a decoder child (`decoder.py`) as in the request's thread. The watermark
    is the upload's: the photo's own time and place, the uploader's certificate."""
    Image.MAX_IMAGE_PIXELS = max_pixels  # a fresh child has Pillow's default
    im, info = open_image(Path(path), max_pixels)
    with im:
        screen_content(Path(path), info.format, max_metadata)
        lines = watermark_lines(taken_at=info.taken_at, lat=info.lat, lon=info.lon, certificate=certificate)
        thumb, display = render_derivatives(im, lines, font_path)
    return info, thumb, display


def warm(font_path: str | None = None) -> None:
    """Check and render one small photo, so that Pillow's plugins and the watermark's CJK font
    are loaded before the first photo a phone sends (a worker's or a decoder child's start,
    `backend.warmup`), not while it waits."""
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 180, 120)).save(buf, "JPEG")
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(buf.getvalue())
        f.flush()
        decode_photo(f.name, 64 * 48, 1 << 16, font_path, "")


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def watermark_lines(*, taken_at: datetime | None, lat: float | None, lon: float | None, place: str = "",
                    certificate: str = "", record: str = "", duration: str = "") -> list[str]:
    """The usual 执法水印: time, coordinates, place, officer certificate, record number
    (and a clip's duration on a video's poster or a recording's waveform)."""
    lines = []
    if taken_at:
        lines.append("时间：" + taken_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")
                     + (f"　时长：{duration}" if duration else ""))
    elif duration:
        lines.append("时长：" + duration)
    if lat is not None and lon is not None:
        lines.append(f"坐标：{abs(lat):.6f}{'N' if lat >= 0 else 'S'}，{abs(lon):.6f}{'E' if lon >= 0 else 'W'}")
    if place:
        lines.append("位置：" + place)
    if certificate:
        lines.append("执法证号：" + certificate)
    if record:
        lines.append("记录编号：" + record)
    return lines
