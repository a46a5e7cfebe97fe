// Voice notes and videos as evidence (no DOM): the words for a file's length, size and upload
// progress, the recorder's format, and the server's side — what a stored file is (kind,
// duration; asked once per session) and a short-lived address a <video>/<audio> element can
// play and seek without the officer's token header.
import { asOfficer } from './api.js'
import { t } from './i18n.js'

/** A clip above this is refused on the phone (the server's limit for originals). */
export const VIDEO_MAX_BYTES = 1024 ** 3
/** A voice note stops by itself after this long (a forgotten recorder must not fill the phone). */
export const VOICE_MAX_S = 10 * 60

/** 0:07, 12:30, 1:02:03 */
export function clock(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

const MB = 1024 * 1024

/** 850 KB, 12.3 MB, 1.2 GB */
export function sizeText(bytes) {
  const n = Number(bytes) || 0
  if (n >= 1024 * MB) return `${(n / 1024 / MB).toFixed(1)} GB`
  if (n >= MB) return `${(n / MB).toFixed(1)} MB`
  return `${Math.max(1, Math.round(n / 1024))} KB`
}

/** 已上传 45% · 12.3/27.0 MB (in the unit of the whole file) */
export function progressText(sent, size) {
  const pct = size ? Math.floor((100 * Math.min(sent, size)) / size) : 0
  const big = size >= MB
  const amount = big ? `${(sent / MB).toFixed(1)}/${(size / MB).toFixed(1)} MB` : `${Math.round(sent / 1024)}/${Math.max(1, Math.round(size / 1024))} KB`
  return t(`已上传 ${pct}% · ${amount}`, `Uploaded ${pct}% · ${amount}`)
}

export function percent(sent, size) {
  return size ? Math.floor((100 * Math.min(sent, size)) / size) : 0
}

/** The kinds of kept files, in words. */
export const KIND_WORDS = {
  photo: ['照片', 'Photo'], signature: ['签名', 'Signature'], audio: ['录音', 'Voice note'], video: ['视频', 'Video'],
}
export function kindText(kind) {
  return t(...(KIND_WORDS[kind] || KIND_WORDS.photo))
}

/** The recorder's format: Opus in WebM (Chrome, Firefox, Android), else MP4/AAC (Safari). */
export function recorderType(MR = globalThis.MediaRecorder) {
  for (const type of ['audio/webm;codecs=opus', 'audio/webm', 'audio/mp4', 'audio/mp4;codecs=mp4a.40.2']) {
    if (MR?.isTypeSupported?.(type)) return type
  }
  return ''
}

/** Why the microphone could not be opened, in words the officer can act on. */
export function microphoneProblem(err) {
  const name = err?.name || ''
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return t('麦克风未获允许：请在手机“设置 → 应用 → 浏览器 → 权限”中允许使用麦克风，再点录音',
      'The microphone is not allowed: allow it for the browser in the phone\'s settings, then tap record again')
  }
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') {
    return t('未找到麦克风：请检查手机麦克风或耳机是否可用', 'No microphone found: check the phone\'s microphone or headset')
  }
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError') {
    return t('麦克风正被其他应用占用（如通话、录像），请关闭后再试', 'The microphone is in use by another app (a call, the camera): close it and try again')
  }
  if (name === 'unsupported') {
    return t('此浏览器不能录音：请用手机自带的新版浏览器（Chrome、Edge 或 Safari）打开本应用',
      'This browser cannot record: open the app in a current Chrome, Edge or Safari')
  }
  return t('无法开始录音，请重试', 'Recording could not start: try again')
}

// what the server says a stored file is, asked once per sha for this session
const infos = new Map()

/** `{kind, duration_s, content_type, …}` of a stored file; null when it cannot be asked now
 * (offline, not uploaded yet): the caller shows it as a photo, as before. */
export function mediaInfo(officer, sha256) {
  if (!infos.has(sha256)) {
    const asked = asOfficer(officer, 'GET', `/api/v1/media/${sha256}`)
      .then(({ data }) => ({ ...data, kind: data?.kind || 'photo' }))
      .catch(() => { infos.delete(sha256); return null })
    infos.set(sha256, asked)
  }
  return infos.get(sha256)
}

/** A playable address for a stored video or voice note: the server's short-lived ticket URL,
 * which answers Range requests without a token header (so the player can seek). */
export async function playbackUrl(officer, sha256) {
  const { data } = await asOfficer(officer, 'POST', `/api/v1/media/${sha256}/playback`, { body: {} })
  return data.url
}

// --- a recorded WebM's length --------------------------------------------------------------
// Chrome's MediaRecorder writes a WebM with no Duration in its Segment Info (it streams and
// never goes back): players show no length, seeking is poor, and a server that reads the
// length from the header finds none. The phone knows how long it recorded: it writes the
// Duration into the Info element before the note is kept (and hashed), the only change.

const EBML = 0x1a45dfa3
const SEGMENT = 0x18538067
const INFO = 0x1549a966
const TIMECODE_SCALE = 0x2ad7b1
const DURATION = 0x4489

function vint(bytes, at, keepMarker) {
  const first = bytes[at]
  if (first === undefined || first === 0) return null
  const len = Math.clz32(first) - 23 // 1..8
  if (at + len > bytes.length) return null
  let value = keepMarker ? first : first & (0xff >> len)
  let unknown = value === (0xff >> len)
  for (let i = 1; i < len; i++) {
    value = value * 256 + bytes[at + i]
    if (bytes[at + i] !== 0xff) unknown = false
  }
  return { value, len, unknown: !keepMarker && unknown }
}

function element(bytes, at) {
  const id = vint(bytes, at, true)
  if (!id) return null
  const size = vint(bytes, at + id.len, false)
  if (!size) return null
  return { id: id.value, start: at, data: at + id.len + size.len, size: size.unknown ? null : size.value, sizeLen: size.len }
}

/** The WebM with `seconds` written as its Duration, or the same blob when it has one already
 * or is not a WebM this understands (nothing is ever lost: the original is kept then). */
export async function withWebmDuration(blob, seconds) {
  if (!(seconds > 0) || !/webm/i.test(blob.type || '')) return blob
  try {
    const head = new Uint8Array(await blob.slice(0, 64 * 1024).arrayBuffer())
    const ebml = element(head, 0)
    if (!ebml || ebml.id !== EBML || ebml.size == null) return blob
    const seg = element(head, ebml.data + ebml.size)
    if (!seg || seg.id !== SEGMENT || seg.size != null) return blob // a sized segment: leave it
    let at = seg.data
    let info = null
    while (at < head.length) {
      const el = element(head, at)
      if (!el || el.size == null) return blob
      if (el.id === INFO) { info = el; break }
      if (el.id === 0x1f43b675) return blob // a Cluster before any Info
      at = el.data + el.size
    }
    if (!info || info.data + info.size > head.length) return blob
    let scale = 1e6
    for (let p = info.data; p < info.data + info.size;) {
      const el = element(head, p)
      if (!el || el.size == null) return blob
      if (el.id === DURATION) return blob // it has one
      if (el.id === TIMECODE_SCALE) {
        scale = 0
        for (let i = 0; i < el.size; i++) scale = scale * 256 + head[el.data + i]
      }
      p = el.data + el.size
    }
    const children = head.slice(info.data, info.data + info.size)
    const duration = new Uint8Array(11)
    duration.set([0x44, 0x89, 0x88])
    new DataView(duration.buffer).setFloat64(3, (seconds * 1e9) / (scale || 1e6))
    const size = children.length + duration.length
    const newInfo = new Uint8Array(4 + 8 + size)
    newInfo.set([0x15, 0x49, 0xa9, 0x66, 0x01]) // the ID, then the size as an 8-byte number
    for (let i = 0, n = size; i < 7; i++, n = Math.floor(n / 256)) newInfo[11 - i] = n & 0xff
    newInfo.set(children, 12)
    newInfo.set(duration, 12 + children.length)
    return new Blob([head.slice(0, info.start), newInfo, blob.slice(info.data + info.size)], { type: blob.type })
  } catch {
    return blob
  }
}
