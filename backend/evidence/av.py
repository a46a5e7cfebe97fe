"""Video and voice evidence: recognise the container from its first bytes, probe it with
ffprobe, read its recorded time and place, and make the still a viewer shows (a poster
frame for a video, a waveform for a recording).

No Flask or database here: plain functions the service and the benchmark call. ffprobe
and ffmpeg (Debian's `ffmpeg` package) run as child processes under a wall-clock
timeout and `setrlimit` limits on memory, CPU time, file writes and open files, with the
demuxer forced to the one the magic bytes name and only the `file` protocol allowed:
nothing in an upload chooses how it is parsed, and a playlist or a reference to another
file is never followed.
"""
from __future__ import annotations

import json
import math
import re
import resource
import shutil
import struct
import subprocess
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, NamedTuple

from PIL import Image, ImageDraw

from ..models_base import LOCAL_TZ

__all__ = [
    "AvRejected", "AvUnavailable", "AvInfo", "Sniffed", "sniff", "SNIFF_BYTES", "limit_for", "max_upload_bytes",
    "probe", "poster", "waveform", "still_for", "parse_iso6709", "tools", "check_tools", "duration_text",
]

# --- what the first bytes say -------------------------------------------------------------

SNIFF_BYTES = 12  # ftyp and RIFF....WAVE need twelve; most formats say it in fewer
PHOTO, VIDEO, AUDIO = "photo", "video", "audio"
KINDS = (PHOTO, VIDEO, AUDIO)
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
QT_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}  # QuickTime files older than ftyp


class Sniffed(NamedTuple):
    """`kind`: the limit that applies (photo, video or audio); `demuxer`: the ffmpeg demuxer
    the bytes name (None for photos, which Pillow reads)."""

    kind: str
    demuxer: str | None


def sniff(head: bytes) -> Sniffed | None | bool:
    """What the first bytes say: a `Sniffed`, `None` when they say nothing we accept, or
    `False` when too few bytes have arrived to tell (fewer than SNIFF_BYTES)."""
    decided = _sniff(head)
    if decided is None and len(head) < SNIFF_BYTES:
        return False
    return decided


def _sniff(head: bytes) -> Sniffed | None:
    n = len(head)
    if head[:3] == b"\xff\xd8\xff" or head[:8] == b"\x89PNG\r\n\x1a\n":
        return Sniffed(PHOTO, None)
    if n >= 12 and head[:4] == b"RIFF":
        if head[8:12] == b"WEBP":
            return Sniffed(PHOTO, None)
        return Sniffed(AUDIO, "wav") if head[8:12] == b"WAVE" else None
    if n >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in HEIF_BRANDS:
            return Sniffed(PHOTO, None)  # HEIC/AVIF photos: the photo limit (and Pillow's answer)
        return Sniffed(AUDIO if brand in AUDIO_BRANDS else VIDEO, "mov")
    if n >= 8 and head[4:8] in QT_ATOMS:
        return Sniffed(VIDEO, "mov")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return Sniffed(VIDEO, "matroska")  # WebM/Matroska; audio-only WebM is told apart by the probe
    if head[:4] == b"OggS":
        return Sniffed(AUDIO, "ogg")
    if head[:3] == b"ID3":
        return Sniffed(AUDIO, "mp3")  # an ID3 tag in front of MPEG audio (or of ADTS: see _skip_id3)
    if n >= 2 and head[0] == 0xFF:
        if head[1] & 0xF6 == 0xF0:  # ADTS sync: 12 bits set, layer 00
            return Sniffed(AUDIO, "aac")
        if head[1] & 0xE0 == 0xE0 and head[1] & 0x06:  # MPEG audio frame sync, layer I-III
            return Sniffed(AUDIO, "mp3")
    return None


def _skip_id3(path: Path) -> str:
    """The demuxer for what follows an ID3v2 tag: MPEG audio, or ADTS AAC."""
    with open(path, "rb") as f:
        head = f.read(10)
        if len(head) < 10:
            return "mp3"
        size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
        f.seek(10 + size + (10 if head[5] & 0x10 else 0))
        after = f.read(2)
    return "aac" if len(after) == 2 and after[0] == 0xFF and after[1] & 0xF6 == 0xF0 else "mp3"


def limit_for(kind: str | None, cfg: dict[str, Any]) -> int:
    """Largest upload of this kind (photos and anything unrecognised keep MEDIA_MAX_BYTES)."""
    if kind == VIDEO:
        return cfg["MEDIA_MAX_VIDEO_BYTES"]
    if kind == AUDIO:
        return cfg["MEDIA_MAX_AUDIO_BYTES"]
    return cfg["MEDIA_MAX_BYTES"]


def max_upload_bytes(cfg: dict[str, Any]) -> int:
    """The most any upload may be before its first bytes are seen."""
    return max(limit_for(k, cfg) for k in KINDS)


# --- errors ---------------------------------------------------------------------------------


class AvRejected(Exception):
    """The file is refused: a stable code and the message in both languages."""

    def __init__(self, code: str, zh: str, en: str, status: int = 422, **details: Any) -> None:
        super().__init__(en)
        self.code, self.zh, self.en, self.status, self.details = code, zh, en, status, details


class AvUnavailable(AvRejected):
    """ffprobe/ffmpeg is not installed or cannot run: the server's fault, not the file's."""

    def __init__(self, tool: str) -> None:
        super().__init__("media.av_unavailable", "服务器暂不能处理视频和录音（缺少 ffmpeg），请稍后重试",
                         f"The server cannot inspect video or audio now ({tool} is missing); retry later", status=503,
                         tool=tool)


PROBLEMS = {
    "not_media": ("文件不是可接受的视频或录音（MP4/MOV/WebM、M4A/AAC/Opus/OGG/MP3/WAV）",
                  "Not an accepted video or audio file (MP4/MOV/WebM, M4A/AAC/Opus/OGG/MP3/WAV)"),
    "corrupt": ("视频或录音文件已损坏，无法读取", "The video or audio file is corrupt"),
    "truncated": ("视频或录音文件不完整，请重新上传", "The video or audio file is truncated"),
    "unsupported_codec": ("不支持该编码（视频：H.264/H.265/VP8/VP9；音频：AAC/Opus/Vorbis/MP3/PCM）",
                          "Unsupported codec (video: H.264/H.265/VP8/VP9; audio: AAC/Opus/Vorbis/MP3/PCM)"),
    "no_streams": ("文件中没有视频或音频内容", "The file holds no video or audio stream"),
    "too_many_streams": ("文件中的流数量异常", "The file holds an implausible number of streams"),
    "zero_duration": ("视频或录音的时长为零", "The video or audio has no duration"),
    "too_long": ("视频或录音的时长超出上限（疑似伪造的容器）", "The duration is beyond the limit (a crafted container?)"),
    "too_many_pixels": ("视频分辨率异常（疑似伪造的文件）", "Implausible video dimensions (a crafted file?)"),
    "impossible_gps": ("文件记录的 GPS 坐标不可能存在，疑似被篡改", "The recorded GPS position is impossible"),
    "polyglot": ("文件中夹带网页、脚本或压缩包内容，已拒收", "The file carries HTML, script or a ZIP archive"),
    "probe_timeout": ("检查视频或录音超时（疑似伪造的文件）", "Inspecting the file took too long (a crafted file?)"),
    "undecodable": ("无法从文件中解码出画面或声音", "No picture or sound could be decoded from the file"),
}


def _reject(problem: str, **details: Any) -> AvRejected:
    zh, en = PROBLEMS[problem]
    return AvRejected(f"media.{problem}", zh, en, **details)


# --- the tools --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    timeout_s: float
    memory_bytes: int

    @classmethod
    def of(cls, cfg: dict[str, Any]) -> "Limits":
        return cls(float(cfg["MEDIA_PROBE_TIMEOUT_S"]), int(cfg["MEDIA_PROBE_MEMORY_BYTES"]))


def tools(cfg: dict[str, Any]) -> tuple[str | None, str | None]:
    """(ffprobe, ffmpeg) paths, or None where missing."""
    return (shutil.which(cfg.get("MEDIA_FFPROBE") or "ffprobe"), shutil.which(cfg.get("MEDIA_FFMPEG") or "ffmpeg"))


def check_tools(cfg: dict[str, Any]) -> list[str]:
    """Names of the tools that are missing (empty when video and audio can be taken)."""
    return [name for name, path in zip(("ffprobe", "ffmpeg"), tools(cfg)) if path is None]


def _tool(cfg: dict[str, Any], name: str) -> str:
    path = tools(cfg)[0 if name == "ffprobe" else 1]
    if path is None:
        raise AvUnavailable(name)
    return path


OUTPUT_BYTES = 16 << 20  # what a child may write (its JSON, its poster frame, its errors): more is a crafted file


def _limiter(limits: Limits) -> Callable[[], None]:
    """Runs in the child between fork and exec (`preexec_fn`): only `setrlimit` calls on
    values computed beforehand — no imports, no locks, nothing that could deadlock in a
    child forked from a threaded server."""
    cpu = max(1, math.ceil(limits.timeout_s)) + 1
    memory = limits.memory_bytes

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        # its output goes to unlinked temporary files: a file claiming 100,000 streams
        # cannot make ffprobe print a gigabyte of JSON into this process
        resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_BYTES, OUTPUT_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    return apply


def _input(demuxer: str, path: Path) -> list[str]:
    return ["-protocol_whitelist", "file", "-f", demuxer, "-i", f"file:{path}"]


def _run(cmd: list[str], limits: Limits) -> subprocess.CompletedProcess:
    """Run a tool under the limits; its stdout (at most OUTPUT_BYTES) and the tail of its
    stderr come back in a CompletedProcess."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, timeout=limits.timeout_s,
                                  preexec_fn=_limiter(limits), check=False)
        except subprocess.TimeoutExpired:
            raise _reject("probe_timeout") from None
        except OSError:
            raise AvUnavailable(Path(cmd[0]).name) from None
        out.seek(0)
        stdout = out.read(OUTPUT_BYTES)
        err.seek(max(0, err.seek(0, 2) - 2000))
        return subprocess.CompletedProcess(cmd, done.returncode, stdout, err.read())


# --- probing --------------------------------------------------------------------------------

VIDEO_CODECS = {"h264", "hevc", "vp8", "vp9"}
AUDIO_CODECS = {"aac", "opus", "vorbis", "mp3", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_u8",
                "pcm_alaw", "pcm_mulaw"}
FORMAT_FAMILY = {  # ffprobe's format_name -> the demuxers it may come from
    "mov,mp4,m4a,3gp,3g2,mj2": {"mov"}, "matroska,webm": {"matroska"}, "ogg": {"ogg"}, "mp3": {"mp3"},
    "wav": {"wav"}, "aac": {"aac"},
}
MAX_STREAMS = 16
MIN_DURATION_S = 0.05
CONTENT_TYPES = {
    ("mp4", VIDEO): "video/mp4", ("m4a", VIDEO): "video/mp4", ("m4a", AUDIO): "audio/mp4", ("mov", VIDEO): "video/quicktime", ("webm", VIDEO): "video/webm",
    ("matroska", VIDEO): "video/x-matroska", ("mp4", AUDIO): "audio/mp4", ("mov", AUDIO): "audio/mp4",
    ("webm", AUDIO): "audio/webm", ("matroska", AUDIO): "audio/x-matroska", ("ogg", AUDIO): "audio/ogg",
    ("mp3", AUDIO): "audio/mpeg", ("wav", AUDIO): "audio/wav", ("aac", AUDIO): "audio/aac",
}


@dataclass
class AvInfo:
    kind: str
    demuxer: str
    container: str
    content_type: str
    width: int
    height: int
    duration_s: float
    video_codec: str | None = None
    audio_codec: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)  # the EXIF-like facts: taken_at, lat, lon, alt, make, model, errors
    taken_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None


def _float(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _rate(value: Any) -> float | None:
    if not isinstance(value, str) or "/" not in value:
        return None
    num, _, den = value.partition("/")
    n, d = _float(num), _float(den)
    return round(n / d, 3) if n and d else None


def _hms(value: Any) -> float | None:
    """Matroska's DURATION tag: `00:00:03.000000000`."""
    m = re.match(r"^(\d+):(\d\d):(\d\d(?:\.\d+)?)$", str(value or "").strip())
    return int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) if m else None


def probe(path: Path, sniffed: Sniffed, cfg: dict[str, Any]) -> AvInfo:
    """Inspect a video or audio file: container and streams by ffprobe (the demuxer the
    magic bytes named, forced), then the checks that refuse hostile files. Raises
    `AvRejected` with a stable code."""
    limits = Limits.of(cfg)
    demuxer = sniffed.demuxer or ""
    if demuxer == "mp3":
        demuxer = _skip_id3(path)
    size = path.stat().st_size
    if zipfile.is_zipfile(path):  # an archive riding behind the clip (before the box walk calls it truncated)
        raise _reject("polyglot")
    _check_complete(path, demuxer, size)
    cmd = [_tool(cfg, "ffprobe"), "-v", "error", "-hide_banner", "-threads", "1", *_input(demuxer, path),
           "-print_format", "json", "-show_format", "-show_streams"]
    done = _run(cmd, limits)
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace")[-400:]
        if "moov atom not found" in err:  # an MP4 cut before its index (written last)
            raise _reject("truncated")
        raise _reject("corrupt")
    try:
        data = json.loads(done.stdout or b"{}")
    except ValueError:
        raise _reject("corrupt") from None
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    if demuxer not in FORMAT_FAMILY.get(fmt.get("format_name", ""), set()):
        raise _reject("not_media")
    if len(streams) > MAX_STREAMS:
        raise _reject("too_many_streams")
    videos = [s for s in streams if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if not videos and not audios:
        raise _reject("no_streams")
    for s in videos:
        if s.get("codec_name") not in VIDEO_CODECS:
            raise _reject("unsupported_codec", codec=str(s.get("codec_name"))[:32])
    for s in audios:
        if s.get("codec_name") not in AUDIO_CODECS:
            raise _reject("unsupported_codec", codec=str(s.get("codec_name"))[:32])
    kind = VIDEO if videos else AUDIO

    durations = [_float(fmt.get("duration"))]
    for s in videos + audios:
        durations += [_float(s.get("duration")), _hms((s.get("tags") or {}).get("DURATION"))]
    known = [d for d in durations if d is not None]
    duration = max(known) if known else 0.0
    if duration > cfg["MEDIA_MAX_DURATION_S"]:
        raise _reject("too_long", duration_s=round(duration, 1), limit_s=cfg["MEDIA_MAX_DURATION_S"])
    if duration < MIN_DURATION_S:
        raise _reject("zero_duration")

    width = height = 0
    details: dict[str, Any] = {"format": fmt.get("format_name"), "bit_rate": _int(fmt.get("bit_rate"))}
    if videos:
        v = videos[0]
        width, height = _int(v.get("width")) or 0, _int(v.get("height")) or 0
        side, pixels = cfg["MEDIA_MAX_VIDEO_SIDE"], cfg["MEDIA_MAX_VIDEO_PIXELS"]
        if not (0 < width <= side and 0 < height <= side and width * height <= pixels):
            raise _reject("too_many_pixels", width=width, height=height)
        rotation = _rotation(v)
        if rotation % 180:
            width, height = height, width  # as shown: phones record portrait clips as rotated landscape
        details["video"] = {"codec": v.get("codec_name"), "profile": v.get("profile"), "coded_width": _int(v.get("width")),
                            "coded_height": _int(v.get("height")), "rotation": rotation,
                            "fps": _rate(v.get("avg_frame_rate")) or _rate(v.get("r_frame_rate")), "pix_fmt": v.get("pix_fmt")}
    if audios:
        a = audios[0]
        details["audio"] = {"codec": a.get("codec_name"), "sample_rate": _int(a.get("sample_rate")),
                            "channels": _int(a.get("channels"))}
    container = _container(demuxer, fmt, path)
    meta, taken_at, lat, lon = read_metadata(fmt, streams)
    if "gps_impossible" in meta.get("errors", []):
        raise _reject("impossible_gps")
    return AvInfo(kind=kind, demuxer=demuxer, container=container, content_type=CONTENT_TYPES.get((container, kind), f"{kind}/{container}"),
                  width=width, height=height, duration_s=round(duration, 3),
                  video_codec=videos[0].get("codec_name") if videos else None,
                  audio_codec=audios[0].get("codec_name") if audios else None,
                  details={k: v for k, v in details.items() if v is not None}, meta=meta, taken_at=taken_at, lat=lat, lon=lon)


def _int(value: Any) -> int | None:
    f = _float(value)
    return int(f) if f is not None else None


def _rotation(stream: dict[str, Any]) -> int:
    for side in stream.get("side_data_list") or []:
        r = _float(side.get("rotation"))
        if r is not None:
            return int(round(r)) % 360
    r = _float((stream.get("tags") or {}).get("rotate"))
    return int(round(r)) % 360 if r is not None else 0


def _container(demuxer: str, fmt: dict[str, Any], path: Path) -> str:
    if demuxer == "mov":
        brand = str((fmt.get("tags") or {}).get("major_brand", "")).strip()
        return "mov" if brand == "qt" else "m4a" if brand.startswith("M4") else "mp4"
    if demuxer == "matroska":
        with open(path, "rb") as f:
            head = f.read(64)
        return "webm" if b"webm" in head else "matroska"
    return demuxer


# --- truncation: what the container says its length is ------------------------------------


def _check_complete(path: Path, demuxer: str, size: int) -> None:
    """Refuse a file cut short, where the container records its own length (MP4/MOV box
    sizes, a Matroska segment's size, a WAV's RIFF size). Streaming formats (Ogg, MP3,
    ADTS) carry none: a cut one is simply shorter."""
    with open(path, "rb") as f:
        if demuxer == "mov":
            _check_boxes(f, size)
        elif demuxer == "matroska":
            _check_ebml(f, size)
        elif demuxer == "wav":
            head = f.read(12)
            declared = struct.unpack("<I", head[4:8])[0] + 8 if len(head) == 12 else 0
            if declared > size and declared != 0xFFFFFFFF + 8:  # 0xFFFFFFFF: a recorder that never finished the header
                raise _reject("truncated")


def _check_boxes(f: Any, size: int) -> None:
    offset, seen = 0, 0
    while offset < size:
        f.seek(offset)
        head = f.read(16)
        if len(head) < 8:
            raise _reject("truncated")
        length = struct.unpack(">I", head[:4])[0]
        if length == 1:
            if len(head) < 16:
                raise _reject("truncated")
            length = struct.unpack(">Q", head[8:16])[0]
        elif length == 0:  # "to the end of the file"
            return
        if length < 8:
            raise _reject("corrupt")
        if offset + length > size:
            raise _reject("truncated")
        offset += length
        seen += 1
        if seen > 10_000:  # a real file has a handful of top-level boxes
            raise _reject("corrupt")


def _ebml_vint(data: bytes, at: int) -> tuple[int, int] | None:
    if at >= len(data) or data[at] == 0:
        return None
    first = data[at]
    width = 8 - first.bit_length() + 1
    if at + width > len(data):
        return None
    value = first & ((1 << (8 - width)) - 1)
    for b in data[at + 1:at + width]:
        value = (value << 8) | b
    unknown = value == (1 << (7 * width)) - 1
    return (-1 if unknown else value), width


def _check_ebml(f: Any, size: int) -> None:
    head = f.read(64)
    if len(head) < 5:
        raise _reject("truncated")
    hdr = _ebml_vint(head, 4)
    if hdr is None:
        raise _reject("corrupt")
    hsize, w = hdr
    at = 4 + w + max(hsize, 0)
    f.seek(at)
    seg = f.read(12)
    if len(seg) < 5 or seg[:4] != b"\x18\x53\x80\x67":
        raise _reject("truncated" if len(seg) < 5 else "corrupt")
    parsed = _ebml_vint(seg, 4)
    if parsed is None:
        raise _reject("corrupt")
    seg_size, w = parsed
    if seg_size >= 0 and at + 4 + w + seg_size > size:  # unknown size (live recording): nothing to check
        raise _reject("truncated")


# --- recorded time and place --------------------------------------------------------------

ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?(?:CRS[^/]*)?/?$")
LOCATION_TAGS = ("com.apple.quicktime.location.ISO6709", "location", "location-eng", "com.android.location")
TIME_TAGS = ("com.apple.quicktime.creationdate", "creation_time", "DATE_RECORDED")
MAKE_TAGS = ("com.apple.quicktime.make", "make", "com.android.manufacturer")
MODEL_TAGS = ("com.apple.quicktime.model", "model", "com.android.model")
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)  # 1904/1970 stamps are unset clocks, not times
_ACTIVE = ("<script", "<html", "<iframe", "<svg", "<body", "<object", "<embed", "<?php", "<!doctype", "javascript:")


def _iso_part(text: str, int_digits_for: tuple[int, int, int]) -> float | None:
    """One ISO 6709 coordinate: ±D.D, ±DDMM.M or ±DDMMSS.S, told apart by the digits
    before the point (`int_digits_for` = the widths of degrees, +2, +4)."""
    sign = -1.0 if text[0] == "-" else 1.0
    body = text[1:]
    whole = body.split(".")[0]
    n = len(whole)
    deg_w = int_digits_for[0]
    try:
        if n <= deg_w:
            value = float(body)
        elif n == deg_w + 2:
            value = int(whole[:deg_w]) + float(body[deg_w:]) / 60.0
        elif n == deg_w + 4:
            value = int(whole[:deg_w]) + int(whole[deg_w:deg_w + 2]) / 60.0 + float(body[deg_w + 2:]) / 3600.0
        else:
            return None
    except ValueError:
        return None
    return sign * value


def parse_iso6709(text: str) -> tuple[float, float, float | None] | None:
    """`+29.9700+121.6200/`, `+29.9700+121.6200+008.000/`, `+2958.20+12137.20/` ->
    (lat, lon, alt). None if it is not ISO 6709."""
    m = ISO6709.match(text.strip())
    if not m:
        return None
    lat, lon = _iso_part(m[1], (2, 4, 6)), _iso_part(m[2], (3, 5, 7))
    if lat is None or lon is None:
        return None
    return lat, lon, _float(m[3]) if m[3] else None


def _parse_time(text: str) -> datetime | None:
    s = text.strip()
    if not s:
        return None
    s = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", s.replace("Z", "+00:00").replace(" ", "T", 1))
    try:
        t = datetime.fromisoformat(s)
    except ValueError:
        return None
    if t.tzinfo is None:  # no offset: local time, as phones here write it
        t = t.replace(tzinfo=LOCAL_TZ)
    return t.astimezone(timezone.utc)


def read_metadata(fmt: dict[str, Any], streams: list[dict[str, Any]]) -> tuple[dict[str, Any], datetime | None, float | None, float | None]:
    """Recorded time, place and device from the container's tags, as `exif` is for a photo.
    The container's tags first, then the streams'. Unreadable values are left out and
    named in `errors`; markup in any tag refuses the file (tags are shown on consoles)."""
    tag_sets = [fmt.get("tags") or {}] + [s.get("tags") or {} for s in streams]
    for tags in tag_sets:
        for value in tags.values():
            if any(marker in str(value).lower() for marker in _ACTIVE):
                raise _reject("polyglot")

    def first(names: tuple[str, ...]) -> str | None:
        for tags in tag_sets:
            lowered = {str(k).lower(): v for k, v in tags.items()}
            for name in names:
                value = lowered.get(name.lower())
                if value not in (None, ""):
                    return str(value)[:128]
        return None

    out: dict[str, Any] = {}
    errors: list[str] = []
    taken_at = lat = lon = None
    raw_time = first(TIME_TAGS)
    if raw_time:
        taken_at = _parse_time(raw_time)
        if taken_at is None:
            errors.append("datetime")
        elif taken_at < EARLIEST:
            taken_at = None
    raw_place = first(LOCATION_TAGS)
    if raw_place:
        parsed = parse_iso6709(raw_place)
        if parsed is None:
            errors.append("gps")
        else:
            lat, lon, alt = parsed
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                errors.append("gps_impossible")
                lat = lon = None
            elif alt is not None and abs(alt) < 20000:
                out["alt"] = alt
    out["make"], out["model"] = first(MAKE_TAGS), first(MODEL_TAGS)
    out["taken_at"] = taken_at.isoformat() if taken_at else None
    out["lat"] = round(lat, 7) if lat is not None else None
    out["lon"] = round(lon, 7) if lon is not None else None
    if errors:
        out["errors"] = errors
    return {k: v for k, v in out.items() if v is not None}, taken_at, lat, lon


# --- the still a viewer shows -----------------------------------------------------------

POSTER_PX = 1280
WAVE_SIZE = (1280, 360)
WAVE_RATE = 8000  # Hz: enough for the envelope of speech
WAVE_BG, WAVE_FG, WAVE_AXIS = (24, 32, 40), (90, 200, 160), (70, 80, 90)


def poster(path: Path, info: AvInfo, cfg: dict[str, Any]) -> Image.Image:
    """One frame — the key frame at or before a third of the way into the first three
    seconds, so exactly one frame is decoded (`-skip_frame nokey`) however heavy the
    stream — turned upright, scaled to at most 1280 px on its long side, decoded by
    ffmpeg with one thread."""
    at = min(1.0, info.duration_s / 3)
    scale = f"scale='min({POSTER_PX},iw)':'min({POSTER_PX},ih)':force_original_aspect_ratio=decrease"
    cmd = [_tool(cfg, "ffmpeg"), "-v", "error", "-nostdin", "-hide_banner", "-threads", "1", "-skip_frame", "nokey", "-noaccurate_seek", "-ss", f"{at:.3f}",
           *_input(info.demuxer, path), "-map", "0:V:0", "-frames:v", "1", "-fps_mode", "passthrough", "-vf", scale,
           "-an", "-sn", "-dn", "-c:v", "bmp", "-f", "image2pipe", "pipe:1"]
    done = _run(cmd, Limits.of(cfg))
    if done.returncode != 0 or not done.stdout:
        raise _reject("undecodable")
    import io

    try:
        im = Image.open(io.BytesIO(done.stdout), formats=["BMP"])
        im.load()
    except (OSError, SyntaxError, ValueError):
        raise _reject("undecodable") from None
    return im.convert("RGB")


def waveform(path: Path, info: AvInfo, cfg: dict[str, Any]) -> Image.Image:
    """The recording's envelope, drawn 1280 × 360: ffmpeg decodes to 8 kHz mono PCM on a
    pipe and each column keeps its peak, so memory stays the same for a minute or six
    hours of sound."""
    import numpy as np

    limits = Limits.of(cfg)
    cols = WAVE_SIZE[0]
    per_col = max(1, math.ceil(info.duration_s * WAVE_RATE / cols))
    peaks = np.zeros(cols, dtype=np.int32)
    cmd = [_tool(cfg, "ffmpeg"), "-v", "error", "-nostdin", "-hide_banner", "-threads", "1", *_input(info.demuxer, path),
           "-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(WAVE_RATE), "-f", "s16le", "pipe:1"]
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                preexec_fn=_limiter(limits))
    except OSError:
        raise AvUnavailable("ffmpeg") from None
    fired = threading.Event()

    def stop() -> None:
        fired.set()
        proc.kill()

    timer = threading.Timer(_decode_budget(info, limits), stop)
    timer.start()
    got, carry = 0, b""
    try:
        assert proc.stdout is not None
        while chunk := proc.stdout.read(1 << 16):
            chunk = carry + chunk
            usable = len(chunk) // 2 * 2
            carry = chunk[usable:]
            samples = np.abs(np.frombuffer(chunk[:usable], dtype="<i2").astype(np.int32))
            _fold_peaks(peaks, samples, got, per_col)
            got += samples.size
        code = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    if fired.is_set():
        raise _reject("probe_timeout")
    if code != 0 and got == 0:
        raise _reject("undecodable")
    return _draw_wave(peaks / 32768.0)


def _fold_peaks(peaks: Any, samples: Any, first: int, per_col: int) -> None:
    """Fold `samples` (which start at sample number `first`) into each column's peak."""
    import numpy as np

    last = peaks.size - 1
    i, n = 0, samples.size
    lead = (-first) % per_col  # samples that finish the column already begun
    if lead:
        take = min(lead, n)
        col = min(first // per_col, last)
        peaks[col] = max(peaks[col], samples[:take].max())
        i = take
    full = (n - i) // per_col
    if full:
        block = samples[i:i + full * per_col].reshape(full, per_col).max(axis=1)
        start = (first + i) // per_col
        idx = np.minimum(np.arange(start, start + full), last)
        np.maximum.at(peaks, idx, block)
        i += full * per_col
    if i < n:
        col = min((first + i) // per_col, last)
        peaks[col] = max(peaks[col], samples[i:].max())


def _decode_budget(info: AvInfo, limits: Limits) -> float:
    """Wall-clock allowance for decoding the whole recording: the probe's timeout plus
    what a slow machine needs (decoding runs hundreds of times faster than real time)."""
    return limits.timeout_s + info.duration_s / 50


def _draw_wave(peaks: Any) -> Image.Image:
    w, h = WAVE_SIZE
    im = Image.new("RGB", (w, h), WAVE_BG)
    draw = ImageDraw.Draw(im)
    mid = h // 2 - 20  # the watermark band takes the bottom
    draw.line([(0, mid), (w, mid)], fill=WAVE_AXIS)
    top = max(float(peaks.max()), 0.02)  # a quiet room still shows; silence stays a line
    for x, p in enumerate(peaks.tolist()):
        half = max(1, int(p / top * (mid - 10)))
        draw.line([(x, mid - half), (x, mid + half)], fill=WAVE_FG)
    return im


def still_for(path: Path, info: AvInfo, cfg: dict[str, Any]) -> Image.Image:
    """The picture behind the thumb and display copies: a poster frame or a waveform."""
    return poster(path, info, cfg) if info.kind == VIDEO else waveform(path, info, cfg)


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
