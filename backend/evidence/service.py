"""Evidence services: resumable upload by content hash, inspection (Pillow for photos,
ffprobe for video and audio), derivatives, citations with EXIF cross-checks, access
rules and the chain of custody."""
from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator

from flask import current_app
from sqlalchemy import select, true
from sqlalchemy.exc import IntegrityError

from geo import geodesic_distance_m

from ..audit import service as audit
from ..auth.access import Identity
from ..auth.models import Role
from ..errors import ApiError, Conflict, Forbidden, NotFound
from ..errors import invalid as _error
from ..extensions import db, end_read_transaction
from ..models_base import utcnow
from . import av, decoder, imaging
from .models import Media, MediaCitation, MediaUpload
from .storage import MediaStore, TooLarge, fsync_file, local_copy, make_store

CHUNK = 1 << 20  # 1 MiB reads: few syscalls, memory still bounded
RANGE_RE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


def store() -> MediaStore:
    """The app's media store: the filesystem under MEDIA_ROOT, or the object store MEDIA_STORE_URL names."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    st = app.extensions.get("media_store")
    if st is None:
        st = app.extensions["media_store"] = make_store(app.config)
    return st


KIND_ZH = {av.PHOTO: "照片", av.VIDEO: "视频", av.AUDIO: "录音"}
KIND_EN = {av.PHOTO: "Photos", av.VIDEO: "Videos", av.AUDIO: "Audio recordings"}


def _too_large(limit: int, kind: str | None = None) -> ApiError:
    kind = kind or av.PHOTO
    return _error("media.too_large", f"{KIND_ZH[kind]}不能超过 {limit // (1 << 20)} MB",
                  f"{KIND_EN[kind]} may not exceed {limit // (1 << 20)} MB", status=413, limit_bytes=limit, kind=kind)


def max_upload_bytes() -> int:
    """The largest body any upload may have before its first bytes say what it is."""
    return av.max_upload_bytes(current_app.config)


class _OverLimit(Exception):
    def __init__(self, limit: int, kind: str | None) -> None:
        super().__init__(limit)
        self.limit, self.kind = limit, kind


class _Gate:
    """Decides an upload's size limit from its first bytes as they arrive (JPEG, PNG,
    WebP, HEIC: the photo limit; ftyp, EBML, OggS, ID3/MPEG sync, ADTS, RIFF WAVE: the
    video or audio limit; anything else: the photo limit, and Pillow's answer), so a huge
    body that is no video is stopped at the photo limit, not a gigabyte later."""

    def __init__(self, head: bytes = b"", total: int | None = None) -> None:
        self.head, self.total = head[:av.SNIFF_BYTES], total
        self.decided, self.kind = False, None
        self.limit = max_upload_bytes()
        self._decide(av.sniff(self.head))

    def _decide(self, sniffed: av.Sniffed | None | bool) -> None:
        if sniffed is False:
            return
        self.decided = True
        self.kind = sniffed.kind if sniffed else None
        self.limit = av.limit_for(self.kind, current_app.config)
        if self.total is not None and self.total > self.limit:
            raise _OverLimit(self.limit, self.kind)

    def feed(self, chunks: Iterable[bytes], seen: int = 0) -> Iterator[bytes]:
        for chunk in chunks:
            if not self.decided:
                self.head += chunk[:av.SNIFF_BYTES - len(self.head)]
                self._decide(av.sniff(self.head))
            seen += len(chunk)
            if seen > self.limit:
                raise _OverLimit(self.limit, self.kind)
            yield chunk


def parse_content_range(header: str | None) -> tuple[int, int, int] | None:
    if header is None:
        return None
    m = RANGE_RE.match(header.strip())
    if not m:
        raise _error("upload.bad_range", "Content-Range 格式应为 bytes 起-止/总长", "Content-Range must be 'bytes start-end/total'", status=400)
    start, end, total = (int(g) for g in m.groups())
    if not start <= end < total:
        raise _error("upload.bad_range", "Content-Range 范围无效", "Content-Range start ≤ end < total is required", status=400)
    return start, end, total


@dataclass
class UploadResult:
    state: str  # "created" | "exists" | "partial"
    media: Media | None = None
    offset: int = 0
    total: int | None = None


def _read_exactly(stream: BinaryIO, length: int | None, limit: int) -> Iterator[bytes]:
    """Yield the body in chunks; never more than `limit` bytes in all."""
    seen = 0
    while True:
        want = CHUNK if length is None else min(CHUNK, length - seen)
        if want <= 0:
            return
        chunk = stream.read(want)
        if not chunk:
            return
        seen += len(chunk)
        if seen > limit:
            raise TooLarge()
        yield chunk


def status(sha256: str) -> dict[str, Any]:
    media = db.session.get(Media, sha256)
    if media is not None:
        return {"sha256": sha256, "state": "complete", "offset": media.bytes, "total": media.bytes, "kind": media.kind,
                "content_type": media.content_type, "duration_s": media.duration_s}
    upload = db.session.get(MediaUpload, sha256)
    if upload is not None:
        return {"sha256": sha256, "state": "partial", "offset": store().partial_size(sha256), "total": upload.total}
    return {"sha256": sha256, "state": "absent", "offset": 0, "total": None}


def receive(sha256: str, stream: BinaryIO, *, content_length: int | None, content_range: str | None,
            identity: Identity, declared: str = "") -> UploadResult:
    """`PUT /media/<sha256>`: a whole file, or one `Content-Range` chunk of it. `declared`
    (the Content-Type) never decides what the file is; it only names the error when the
    bytes are neither a photo nor an accepted video or recording."""
    limit = max_upload_bytes()
    existing = db.session.get(Media, sha256)
    # a chunk's upload in progress is read in the same transaction (the authentication's:
    # the view is `releases_before_body`), which ends here, before the first byte is read
    upload = db.session.get(MediaUpload, sha256) if existing is None and content_range is not None else None
    end_read_transaction()  # no lock or pooled connection held while the body trickles in
    if existing is not None and store().has_original(sha256):
        own = av.limit_for(existing.kind, current_app.config)  # what this kind may be: more is not these bytes
        try:
            if content_length is not None and content_length > own:
                raise TooLarge()
            for _ in _read_exactly(stream, content_length, own):  # drain; nothing stored twice
                pass
        except TooLarge:
            raise _too_large(own, existing.kind) from None
        return UploadResult("exists", existing, existing.bytes, existing.bytes)
    rng = parse_content_range(content_range)
    if rng is None:
        return _receive_whole(sha256, stream, content_length, limit, identity, declared)
    return _receive_chunk(sha256, stream, rng, limit, identity, upload, declared)


def _receive_whole(sha256: str, stream: BinaryIO, length: int | None, limit: int, identity: Identity,
                   declared: str = "") -> UploadResult:
    st = store()
    try:
        gate = _Gate(total=length)
    except _OverLimit as exc:  # (not reached: nothing is known before the first bytes)
        raise _too_large(exc.limit, exc.kind) from None
    f, staged = st.staging_file()
    h = _Hasher()
    size = 0
    try:
        with f, h:
            for chunk in gate.feed(_read_exactly(stream, length, limit)):
                h.update(chunk)
                f.write(chunk)
                size += len(chunk)
    except TooLarge:
        staged.unlink(missing_ok=True)
        raise _too_large(limit) from None
    except _OverLimit as exc:
        staged.unlink(missing_ok=True)
        raise _too_large(exc.limit, exc.kind) from None
    except BaseException:
        staged.unlink(missing_ok=True)  # a client that hung up leaves nothing behind
        raise
    if length is not None and size != length:
        staged.unlink(missing_ok=True)
        raise _error("upload.incomplete", "上传中断，请重试", "The upload was cut off; retry (or resume with Content-Range)", status=400)
    return _finalize(sha256, staged, h.hexdigest(), size, identity, declared)


class _Hasher:
    """SHA-256 in a thread of its own while the caller writes to disk (hashlib and file
    writes both release the GIL): a large upload costs the longer of the two, not their
    sum. At most four chunks (4 MiB) wait in between."""

    def __init__(self) -> None:
        import queue

        self._h = hashlib.sha256()
        self._q: Any = queue.Queue(maxsize=4)
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        while (chunk := self._q.get()) is not None:
            self._h.update(chunk)

    def update(self, chunk: bytes) -> None:
        self._q.put(chunk)

    def __enter__(self) -> "_Hasher":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._q.put(None)
        self._t.join()

    def hexdigest(self) -> str:
        return self._h.hexdigest()


# how often a chunk moves its upload's `updated_at` (last activity): a write per chunk was
# three round trips on each of a photo's twenty chunks, for a time nobody needs to the second
UPLOAD_TOUCH_EVERY = timedelta(seconds=60)


def _receive_chunk(sha256: str, stream: BinaryIO, rng: tuple[int, int, int], limit: int, identity: Identity,
                   upload: MediaUpload | None, declared: str = "") -> UploadResult:
    start, end, total = rng
    if total > limit:
        raise _too_large(limit)
    st = store()
    if upload is None:
        if start != 0:
            raise Conflict("upload.offset_mismatch", "续传位置不符，请从服务器记录的位置继续", "Resume from the offset the server has",
                           details={"offset": 0})
        st.discard_partial(sha256)
        upload = MediaUpload(sha256=sha256, total=total, officer_id=identity.officer_id, device_id=identity.device_id)
        db.session.add(upload)
        try:
            db.session.commit()
        except IntegrityError:  # a concurrent first chunk for the same hash
            db.session.rollback()
            upload = db.session.get(MediaUpload, sha256)
    if upload.officer_id != identity.officer_id:
        raise Conflict("upload.in_progress_by_other", "该照片正由其他人员上传", "Another officer is uploading this photo")
    if upload.total != total:
        raise Conflict("upload.total_mismatch", "文件总长度与已开始的上传不同", "Total length differs from the upload in progress",
                       details={"total": upload.total})
    offset = st.partial_size(sha256)
    if start != offset:
        raise Conflict("upload.offset_mismatch", "续传位置不符，请从服务器记录的位置继续", "Resume from the offset the server has",
                       details={"offset": offset})
    expected = end - start + 1
    end_read_transaction()
    try:
        gate = _Gate(_partial_head(sha256, offset), total=total)  # the limit the first bytes name
        new_size = st.append_partial(sha256, gate.feed(_read_exactly(stream, expected, expected), seen=offset), limit=total)
    except TooLarge:
        st.truncate_partial(sha256, offset)
        raise _error("upload.bad_range", "数据长度与 Content-Range 不符", "Body longer than its Content-Range", status=400) from None
    except _OverLimit as exc:  # the first bytes name a kind whose limit the total exceeds: start again never helps
        st.discard_partial(sha256)
        db.session.delete(upload)
        db.session.commit()
        raise _too_large(exc.limit, exc.kind) from None
    now = utcnow()
    if now - upload.updated_at >= UPLOAD_TOUCH_EVERY:
        upload.updated_at = now
        db.session.commit()
    if new_size < total:
        # a short body (cut-off connection) keeps what arrived: resume from new_size
        return UploadResult("partial", None, new_size, total)
    actual, staged = st.take_partial(sha256)  # the whole file, hashed, in a local staging file
    db.session.delete(upload)
    db.session.commit()
    return _finalize(sha256, staged, actual, total, identity, declared)


def _partial_head(sha256: str, offset: int) -> bytes:
    if offset <= 0:
        return b""
    return store().partial_head(sha256, min(offset, av.SNIFF_BYTES))


def _sniff_file(path: Path) -> av.Sniffed | None:
    with open(path, "rb") as f:
        return av.sniff(f.read(av.SNIFF_BYTES)) or None


def _finalize(sha256: str, staged: Path, actual: str, size: int, identity: Identity, declared: str = "") -> UploadResult:
    """Verify the hash and the content (a photo by Pillow, a video or recording by
    ffprobe), make derivatives, commit the original, record custody."""
    try:
        if actual != sha256:
            raise _error("media.hash_mismatch", "文件内容与 SHA-256 不符，可能传输出错", "The bytes do not match the SHA-256 in the URL",
                         expected=sha256, actual=actual)
        if size == 0:
            raise _error("media.empty", "文件为空", "The file is empty")
        sniffed = _sniff_file(staged)
        if sniffed is None and declared.startswith(("video/", "audio/")):
            zh, en = av.PROBLEMS["not_media"]
            raise _error("media.not_media", zh, en)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    if sniffed is not None and sniffed.kind != av.PHOTO:
        return _finalize_av(sha256, staged, sniffed, size, identity)
    st = store()
    # Flush the original to disk while Pillow decodes (both release the GIL).
    syncer = threading.Thread(target=fsync_file, args=(staged,), daemon=True)
    try:
        cfg = current_app.config
        certificate = _certificate_of(identity.officer)
        syncer.start()
        # in a decoder child at a lower priority: the small requests of other phones go first
        info, thumb, display = decoder.run(
            imaging.decode_photo, str(staged), cfg["MEDIA_MAX_PIXELS"], cfg["MEDIA_MAX_METADATA_BYTES"],
            cfg.get("WATERMARK_FONT"), certificate,
            processes=cfg["PHOTO_DECODE_PROCESSES"], nice=cfg["PHOTO_DECODE_NICE"], timeout=cfg["PHOTO_DECODE_TIMEOUT_S"])
    except imaging.ImageRejected as exc:
        _join(syncer)
        staged.unlink(missing_ok=True)
        raise _error(exc.code, exc.zh, exc.en) from None
    except (decoder.DecoderUnavailable, TimeoutError):
        _join(syncer)
        staged.unlink(missing_ok=True)
        raise ApiError("media.decoder_unavailable", "服务器暂时无法处理照片，请稍后重试（已上传的内容会保留在手机上）",
                       "The server could not process the photo just now; try again later", status=503) from None
    except BaseException:
        _join(syncer)
        staged.unlink(missing_ok=True)
        raise
    syncer.join()
    _store_verified(st, sha256, staged, {"thumb": thumb, "display": display})
    media = Media(
        sha256=sha256, bytes=size, content_type=info.content_type, width=info.width, height=info.height,
        exif=info.exif, taken_at=info.taken_at, lat=info.lat, lon=info.lon, uploaded_by_id=identity.officer_id,
        jurisdiction_id=identity.jurisdiction_id, device_id=identity.device_id, kind=av.PHOTO,
    )
    details = {"bytes": size, "content_type": info.content_type, "width": info.width, "height": info.height}
    return _record_new(media, identity, details, {"sha256": sha256, "decoded": True, "exif": info.exif})


def _store_verified(st: MediaStore, sha256: str, staged: Path, derived: dict[str, bytes]) -> None:
    """The derived copies first, then the original (visible last): a failure (disk full, the
    object store refusing) leaves no half-written original in tmp/."""
    try:
        for variant, data in derived.items():
            st.put_derived(sha256, variant, data)
        st.commit_original(sha256, staged, synced=True)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise


def _finalize_av(sha256: str, staged: Path, sniffed: av.Sniffed, size: int, identity: Identity) -> UploadResult:
    """A video or a recording: probe (container, streams, recorded time and place), the
    kind's size limit, a poster frame or waveform, watermarked thumb and display copies."""
    st = store()
    cfg = current_app.config
    syncer = threading.Thread(target=fsync_file, args=(staged,), daemon=True)  # flush while ffmpeg works
    try:
        syncer.start()
        info = av.probe(staged, sniffed, cfg)
        limit = av.limit_for(info.kind, cfg)
        if size > limit:  # a WebM or MP4 that holds only sound is a recording: its limit
            raise _too_large(limit, info.kind)
        still = av.still_for(staged, info, cfg)
        still_jpeg = _jpeg(still, 88)
        with still:
            thumb, display = imaging.render_derivatives(still, _watermark_for(info, identity.officer, None), cfg.get("WATERMARK_FONT"))
    except av.AvRejected as exc:
        _join(syncer)
        staged.unlink(missing_ok=True)
        raise ApiError(exc.code, exc.zh, exc.en, status=exc.status, details=exc.details) from None
    except imaging.ImageRejected as exc:
        _join(syncer)
        staged.unlink(missing_ok=True)
        raise _error(exc.code, exc.zh, exc.en) from None
    except BaseException:
        _join(syncer)
        staged.unlink(missing_ok=True)
        raise
    syncer.join()
    _store_verified(st, sha256, staged, {"still": still_jpeg, "thumb": thumb, "display": display})
    media = Media(
        sha256=sha256, bytes=size, content_type=info.content_type, width=info.width, height=info.height,
        exif=info.meta, taken_at=info.taken_at, lat=info.lat, lon=info.lon, uploaded_by_id=identity.officer_id,
        jurisdiction_id=identity.jurisdiction_id, device_id=identity.device_id, kind=info.kind,
        container=info.container, duration_s=info.duration_s, video_codec=info.video_codec, audio_codec=info.audio_codec,
        av=info.details,
    )
    details = {"bytes": size, "content_type": info.content_type, "kind": info.kind, "width": info.width, "height": info.height,
               "duration_s": info.duration_s}
    verified = {"sha256": sha256, "probed": True, "kind": info.kind, "container": info.container,
                "codecs": [c for c in (info.video_codec, info.audio_codec) if c], "duration_s": info.duration_s, "exif": info.meta}
    return _record_new(media, identity, details, verified)


def _jpeg(im: Any, quality: int) -> bytes:
    import io

    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _record_new(media: Media, identity: Identity, uploaded: dict[str, Any], verified: dict[str, Any]) -> UploadResult:
    """The row, two audit entries (uploaded, verified) and the checks of records that
    cited this file before it arrived."""
    sha256, size = media.sha256, media.bytes
    db.session.add(media)
    try:
        db.session.flush()
    except IntegrityError:  # the same file arrived twice at once: the first one stands
        db.session.rollback()
        return UploadResult("exists", db.session.get(Media, sha256), size, size)
    audit.record("media.uploaded", "media", sha256, jurisdiction_id=identity.jurisdiction_id, actor_id=identity.officer_id,
                 device_id=identity.device_id, details=uploaded)
    audit.record("media.verified", "media", sha256, jurisdiction_id=identity.jurisdiction_id, actor_id=identity.officer_id,
                 device_id=identity.device_id, details=verified)
    for citation in db.session.scalars(select(MediaCitation).where(MediaCitation.sha256 == sha256)):
        _check(citation, media)
        media.derivatives_stale = True
    db.session.commit()  # records waiting for it see it when next read (sync.refresh_incomplete): no call into sync/
    return UploadResult("created", media, size, size)


def _join(thread: threading.Thread) -> None:
    if thread.is_alive() or thread.ident is not None:
        thread.join()


def _certificate_of(officer: Any) -> str:
    """What the watermark names the officer by: the valid 执法证 number, else name (username)."""
    from ..auth import service as auth_service

    if officer is None:
        return ""
    cert = auth_service.valid_certificate(officer)
    return cert.number if cert else f"{officer.name}（{officer.username}）"


def _watermark_for(info: Any, officer: Any, citation: MediaCitation | None) -> list[str]:
    """Watermark facts: the photo's own EXIF first, the citing record's claims second;
    the certificate of the officer who recorded it (or uploaded it)."""
    from ..auth import service as auth_service

    if citation is not None and citation.officer_id:
        officer = auth_service.get_officer(citation.officer_id)
    certificate = _certificate_of(officer)
    lat = info.lat if info.lat is not None else (citation.claimed_lat if citation else None)
    lon = info.lon if info.lon is not None else (citation.claimed_lon if citation else None)
    taken_at = info.taken_at or (citation.claimed_at if citation else None)
    return imaging.watermark_lines(taken_at=taken_at, lat=lat, lon=lon, place=citation.label if citation else "",
                                   certificate=certificate, record=citation.record_id if citation else "",
                                   duration=av.duration_text(getattr(info, "duration_s", None)))


# --- citations ------------------------------------------------------------------


def _check(citation: MediaCitation, media: Media) -> None:
    cfg = current_app.config
    reasons = []
    citation.distance_m = citation.time_delta_s = None
    if None not in (media.lat, media.lon, citation.claimed_lat, citation.claimed_lon):
        citation.distance_m = round(geodesic_distance_m(media.lon, media.lat, citation.claimed_lon, citation.claimed_lat), 1)
        if citation.distance_m > cfg["MEDIA_MISMATCH_DISTANCE_M"]:
            reasons.append("place")
    if media.taken_at is not None and citation.claimed_at is not None:
        # a clip covers its duration from its recorded time (some devices stamp the end:
        # the span is taken either way); a photo is an instant
        span = media.duration_s or 0.0
        delta = abs((citation.claimed_at - media.taken_at).total_seconds())
        citation.time_delta_s = round(max(0.0, delta - span), 1)
        if citation.time_delta_s > cfg["MEDIA_MISMATCH_SECONDS"]:
            reasons.append("time")
    citation.mismatch_reasons = reasons
    citation.mismatch = bool(reasons)


def cite(sha256s: Iterable[str], *, record_kind: str, record_id: str, jurisdiction_id: int, officer_id: int | None,
         device_id: str | None, claimed_at: datetime | None, lat: float | None, lon: float | None, label: str = "") -> list[MediaCitation]:
    """Called by the feature that stores a record citing photos (in its transaction).

    The EXIF check runs now if the photo is here, or when it arrives. The capture is
    written to the photo's chain of custody.
    """
    citations = []
    for sha in sha256s:
        citation = db.session.get(MediaCitation, (sha, record_kind, record_id))
        if citation is None:
            _check_may_cite(sha, jurisdiction_id, officer_id)
            citation = MediaCitation(sha256=sha, record_kind=record_kind, record_id=record_id, jurisdiction_id=jurisdiction_id,
                                     officer_id=officer_id, device_id=device_id, claimed_at=claimed_at, claimed_lat=lat,
                                     claimed_lon=lon, label=label[:255])
            db.session.add(citation)
            audit.record("media.captured", "media", sha, jurisdiction_id=jurisdiction_id, actor_id=officer_id, device_id=device_id,
                         details={"record_kind": record_kind, "record_id": record_id, "claimed_at": claimed_at,
                                  "lat": lat, "lon": lon, "place": label})
        media = db.session.get(Media, sha)
        if media is not None:
            _check(citation, media)
            media.derivatives_stale = True
        citations.append(citation)
    return citations


def _check_may_cite(sha: str, jurisdiction_id: int, officer_id: int | None) -> None:
    """A photo already here may be cited by its uploader, in its uploader's street, or in a
    street that cites it already — quoting another street's hash once unlocked that photo
    for the whole street. (One not yet here is checked when seen: `check_can_view` counts
    only citations of the photo's own street or by its uploader.)"""
    media = db.session.get(Media, sha)
    if media is None or media.uploaded_by_id == officer_id or media.jurisdiction_id == jurisdiction_id:
        return
    if db.session.scalar(select(MediaCitation.sha256).where(MediaCitation.sha256 == sha,
                                                            MediaCitation.jurisdiction_id == jurisdiction_id).limit(1)):
        return
    raise Forbidden("media.not_yours", "不能引用其他乡镇（街道）的照片", "A photo of another street cannot be cited here",
                    details={"field": "photos", "sha256": sha})


def missing_photos(sha256s: Iterable[str]) -> list[str]:
    """Which of these files (photos, videos, recordings alike) have not arrived yet (the
    sync ledger marks records incomplete until every cited file is here)."""
    wanted = list(dict.fromkeys(sha256s))
    if not wanted:
        return []
    present = set(db.session.scalars(select(Media.sha256).where(Media.sha256.in_(wanted))))
    return [s for s in wanted if s not in present]


# --- reading ---------------------------------------------------------------------------


def get_media(sha256: str) -> Media:
    media = db.session.get(Media, sha256)
    if media is None:
        raise NotFound("media.not_found", "照片不存在或尚未上传", "Photo not found or not uploaded yet")
    return media


def check_can_view(identity: Identity, media: Media) -> None:
    """Its uploader; officers, supervisors and admins of a street whose record cites it;
    a district admin. A photo cited by nothing is visible only to its uploader."""
    if identity.is_global_admin or media.uploaded_by_id == identity.officer_id:
        return
    if identity.role in (Role.officer.value, Role.supervisor.value, Role.admin.value):
        own_street = identity.jurisdiction_id == media.jurisdiction_id
        cited_here = db.session.scalar(
            select(MediaCitation.sha256).where(MediaCitation.sha256 == media.sha256,
                                               MediaCitation.jurisdiction_id == identity.jurisdiction_id,
                                               # a citation made before the photo arrived counts only if its
                                               # street or its officer is the uploader's
                                               true() if own_street else MediaCitation.officer_id == media.uploaded_by_id).limit(1)
        )
        if cited_here:
            return
    raise Forbidden("media.forbidden", "无权查看该照片", "You may not see this photo")


def open_variant(identity: Identity, media: Media, variant: str) -> tuple[BinaryIO, str]:
    """The bytes of a variant. The original's viewing is recorded by `record_original_view`
    once the answer is known (a 304 or 416 sends nothing)."""
    st = store()
    if variant == "original":
        return st.open_original(media.sha256), media.content_type
    if media.derivatives_stale or not st.has_derived(media.sha256, variant):
        _rerender(media)
    if variant == "display":
        audit.record("media.viewed_display", "media", media.sha256, jurisdiction_id=identity.jurisdiction_id,
                     actor_id=identity.officer_id, device_id=identity.device_id, details={"variant": "display"})
        db.session.commit()
    f = st.open_derived(media.sha256, variant)
    assert f is not None
    return f, "image/jpeg"


def record_original_view(identity: Identity, media: Media, *, status: int, range_header: str | None) -> None:
    """Write a viewing of the original to the audit trail: every whole answer (200); a
    partial one (206, a player seeking) when it starts at byte 0 or when the same officer
    on the same device has no viewing of this file in the last MEDIA_VIEW_AUDIT_WINDOW_S —
    so a clip scrubbed fifty times is one viewing, and skipping byte 0 hides nothing."""
    if status not in (200, 206):
        return
    details: dict[str, Any] = {"variant": "original"}
    if status == 206:
        details["range"] = (range_header or "")[:64]
        if not (range_header or "").replace(" ", "").startswith("bytes=0-") and _viewed_recently(identity, media):
            return
    audit.record("media.viewed_original", "media", media.sha256, jurisdiction_id=identity.jurisdiction_id,
                 actor_id=identity.officer_id, device_id=identity.device_id, details=details)
    db.session.commit()


def _viewed_recently(identity: Identity, media: Media) -> bool:
    since = utcnow() - timedelta(seconds=current_app.config["MEDIA_VIEW_AUDIT_WINDOW_S"])
    return any(e.action == "media.viewed_original" and e.actor_id == identity.officer_id
               and e.device_id == identity.device_id and _aware(e.at) >= since
               for e in audit.entries_for("media", media.sha256))


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def kinds_of(sha256s: Iterable[str]) -> dict[str, tuple[str, float | None]]:
    """What each arrived file is (photo, video, audio) and a clip's length: records cite
    every kind in their `photos` arrays, so a case file asks here how to label them."""
    shas = [s for s in set(sha256s) if s]
    if not shas:
        return {}
    rows = db.session.execute(select(Media.sha256, Media.kind, Media.duration_s).where(Media.sha256.in_(shas)))
    return {r.sha256: (r.kind or "photo", r.duration_s) for r in rows}


def display_copy(sha256: str) -> bytes | None:
    """The watermarked display copy of a photo for a case file (a video's poster frame or
    a recording's waveform for those), or None if it has not arrived."""
    media = db.session.get(Media, sha256)
    if media is None:
        return None
    st = store()
    if media.derivatives_stale or not st.has_derived(media.sha256, "display"):
        _rerender(media)
    f = st.open_derived(media.sha256, "display")
    if f is None:
        return None
    with f:
        return f.read()


def _rerender(media: Media) -> None:
    """Re-burn the watermark with what the first citing record adds (place, record no.)."""
    st = store()
    citation = db.session.scalar(
        select(MediaCitation).where(MediaCitation.sha256 == media.sha256).order_by(MediaCitation.cited_at).limit(1)
    )
    if media.kind in (av.VIDEO, av.AUDIO):
        _rerender_av(media, citation)
        return
    with st.open_original(media.sha256) as f:
        with imaging.Image.open(f, formats=list(imaging.FORMATS)) as im:
            info = imaging.ImageInfo(im.format, media.content_type, media.width, media.height, media.exif,
                                     media.taken_at, media.lat, media.lon)
            from ..auth import service as auth_service

            uploader = auth_service.get_officer(media.uploaded_by_id)
            lines = _watermark_for(info, uploader, citation)
            thumb, display = imaging.render_derivatives(im, lines, current_app.config.get("WATERMARK_FONT"))
    st.put_derived(media.sha256, "thumb", thumb)
    st.put_derived(media.sha256, "display", display)
    media.derivatives_stale = False
    db.session.commit()


def _rerender_av(media: Media, citation: MediaCitation | None) -> None:
    """A video's or recording's copies from its kept still (made again from the original
    if the still is missing)."""
    from types import SimpleNamespace

    from ..auth import service as auth_service

    st = store()
    cfg = current_app.config
    f = st.open_derived(media.sha256, "still")
    if f is None:
        with local_copy(st, media.sha256) as path:
            sniffed = _sniff_file(path)
            assert sniffed is not None
            still = av.still_for(path, av.probe(path, sniffed, cfg), cfg)
        st.put_derived(media.sha256, "still", _jpeg(still, 88))
    else:
        with f:
            still = imaging.Image.open(f, formats=["JPEG"])
            still.load()
    info = SimpleNamespace(taken_at=media.taken_at, lat=media.lat, lon=media.lon, duration_s=media.duration_s)
    lines = _watermark_for(info, auth_service.get_officer(media.uploaded_by_id), citation)
    with still:
        thumb, display = imaging.render_derivatives(still, lines, cfg.get("WATERMARK_FONT"))
    st.put_derived(media.sha256, "thumb", thumb)
    st.put_derived(media.sha256, "display", display)
    media.derivatives_stale = False
    db.session.commit()


def media_to_dict(media: Media) -> dict[str, Any]:
    citations = list(db.session.scalars(select(MediaCitation).where(MediaCitation.sha256 == media.sha256)))
    return {
        "sha256": media.sha256, "width": media.width, "height": media.height, "bytes": media.bytes,
        "content_type": media.content_type, "exif": media.exif, "uploaded_at": media.uploaded_at,
        "kind": media.kind, "container": media.container, "duration_s": media.duration_s,
        "video_codec": media.video_codec, "audio_codec": media.audio_codec, "av": media.av,
        "citations": [
            {"record_kind": c.record_kind, "record_id": c.record_id, "distance_m": c.distance_m,
             "time_delta_s": c.time_delta_s, "mismatch": c.mismatch, "mismatch_reasons": c.mismatch_reasons or []}
            for c in citations
        ],
    }


def custody(media: Media, identity: Identity) -> list[dict[str, Any]]:
    """The photo's chain of custody from the audit trail (device ids shown whole to managers only)."""
    from ..auth.service import device_label

    return [
        {"seq": e.seq, "at": e.at, "action": e.action, "actor_id": e.actor_id, "device_id": device_label(e.device_id, identity),
         "details": e.details}
        for e in audit.entries_for("media", media.sha256)
    ]
