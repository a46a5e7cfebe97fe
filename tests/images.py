"""Test images made with Pillow (no binary fixtures in the repository)."""
from __future__ import annotations

import io
import struct
import zlib
from fractions import Fraction

from PIL import ExifTags, Image, TiffImagePlugin


def _rational(x: float) -> TiffImagePlugin.IFDRational:
    f = Fraction(x).limit_denominator(1_000_000)
    return TiffImagePlugin.IFDRational(f.numerator, f.denominator)


def _dms(value: float) -> tuple:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = (value - d - m / 60) * 3600
    return (_rational(d), _rational(m), _rational(round(s, 4)))


def picture(width: int = 800, height: int = 600, color=(200, 180, 120)) -> Image.Image:
    """A picture with some structure (a flat colour compresses to almost nothing)."""
    im = Image.new("RGB", (width, height), color)
    px = Image.effect_noise((width, height), 40).convert("RGB")
    return Image.blend(im, px, 0.35)


def jpeg(width: int = 800, height: int = 600, *, lat: float | None = None, lon: float | None = None,
         taken: str | None = None, offset: str | None = None, orientation: int | None = None,
         make: str = "HUAWEI", model: str = "P60", alt: float | None = None, image: Image.Image | None = None,
         quality: int = 85) -> bytes:
    im = image or picture(width, height)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = make
    exif[ExifTags.Base.Model] = model
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if taken:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        sub[ExifTags.Base.DateTimeOriginal] = taken
        if offset:
            sub[ExifTags.Base.OffsetTimeOriginal] = offset
    if lat is not None and lon is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps[ExifTags.GPS.GPSLatitude] = _dms(lat)
        gps[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps[ExifTags.GPS.GPSLongitude] = _dms(lon)
        if alt is not None:
            gps[ExifTags.GPS.GPSAltitudeRef] = 0
            gps[ExifTags.GPS.GPSAltitude] = _rational(alt)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, exif=exif)
    return buf.getvalue()


def jpeg_without_exif(width: int = 640, height: int = 480) -> bytes:
    buf = io.BytesIO()
    picture(width, height).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def jpeg_with_broken_exif() -> bytes:
    buf = io.BytesIO()
    # a TIFF header whose first IFD offset points far outside the segment
    garbage = b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 0x7FFFFFF0) + b"\xff" * 64
    picture(320, 240).save(buf, "JPEG", quality=85, exif=garbage)
    return buf.getvalue()


def png(width: int = 400, height: int = 300) -> bytes:
    buf = io.BytesIO()
    picture(width, height).save(buf, "PNG")
    return buf.getvalue()


def webp(width: int = 400, height: int = 300) -> bytes:
    buf = io.BytesIO()
    picture(width, height).save(buf, "WEBP", quality=80)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(side: int = 40_000) -> bytes:
    """A few hundred bytes that claim side × side pixels (1.6 gigapixels by default)."""
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * side
    idat = zlib.compress(row * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def jpeg_bomb(side: int = 60_000) -> bytes:
    """A small JPEG whose frame header (SOF0) claims side × side pixels."""
    data = bytearray(jpeg_without_exif(64, 64))
    i = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, i + 5, side, side)
    return bytes(data)


# --- hostile files (the corpus is generated here, never committed as binaries) -------

def _jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def _after_soi(jpeg_bytes: bytes, *segments: bytes) -> bytes:
    assert jpeg_bytes[:2] == b"\xff\xd8"
    return jpeg_bytes[:2] + b"".join(segments) + jpeg_bytes[2:]


def jpeg_zip_polyglot() -> bytes:
    """A valid JPEG that is also a valid ZIP (the archive rides after the image)."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    return jpeg_without_exif(320, 240) + buf.getvalue()


def jpeg_html_trailer() -> bytes:
    """A JPEG followed by an HTML page (opens as a page if ever served as text/html)."""
    return jpeg_without_exif(320, 240) + b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def jpeg_html_in_comment() -> bytes:
    """Script markup hidden in a JPEG comment segment (COM): the pixels are fine."""
    return _after_soi(jpeg_without_exif(320, 240), _jpeg_segment(0xFE, b"<svg onload=alert(1)><script>x()</script>"))


def png_html_in_text_chunk() -> bytes:
    data = png(200, 150)
    i = data.index(b"IDAT") - 4
    return data[:i] + _chunk(b"tEXt", b"Comment\x00<html><script>alert(1)</script></html>") + data[i:]


def jpeg_huge_metadata(segments: int = 24, size: int = 60_000) -> bytes:
    """A photo carrying `segments` APP1 blocks of ~60 KB each (≈1.4 MB of "EXIF")."""
    block = b"Exif\x00\x00" + b"II*\x00\x08\x00\x00\x00" + bytes(size)
    return _after_soi(jpeg_without_exif(320, 240), *[_jpeg_segment(0xE1, block) for _ in range(segments)])


def jpeg_impossible_gps() -> bytes:
    return jpeg(320, 240, lat=95.5, lon=221.0, taken="2026:11:20 10:00:00")
