// The outbox: everything recorded on the phone waits here until the server has it.
// No UI code. The views enqueue records and read the status; this module sends them.
//
// Rules (docs/pwa.md):
// - records go in the order they were made, small records first; their files follow,
//   uploaded resumably in chunks: photos and voice notes first, videos last (smallest
//   first), so a ticket never waits behind a photo — and records queued while a video is
//   on its way go in between its chunks;
// - each file's progress (bytes the server confirmed) is kept on its row (`sent`), so the
//   officer sees it, also after the app was closed and opened again;
// - a record leaves the outbox only after the server acknowledged it (`created` or
//   `duplicate`) *and* every file it cites is verified by the server;
// - network failures back off exponentially (2 s … 5 min, with jitter);
// - one drain at a time across tabs (Web Locks), triggered on start, `online`,
//   visibility and a timer;
// - each record is sent with its own officer's session, even after that officer logged
//   out on this phone (the session is revoked once their records are all through).
import Dexie from 'dexie'
import { db, deviceId, setMeta, getMeta } from './db.js'
import { ApiError, OfflineError, asOfficer } from './api.js'

export const CHUNK = 256 * 1024
const BATCH = 50
const BACKOFF_MIN = 2000
const BACKOFF_MAX = 5 * 60 * 1000
const TIMER_MS = 30000

// statuses shown to the officer
export const STATUS = {
  pending: 'pending',     // 待上传
  sending: 'sending',     // 上传中
  photos: 'photos',       // the record is in; its photos are still uploading (上传中)
  done: 'done',           // 已同步 (removed right after)
  error: 'error',         // 需处理: refused, with the server's message
  conflict: 'conflict',   // 需处理: this id was used for different content
  retry: 'retry',         // "not yet" from the server: try again later
}

const listeners = new Set()
let failures = 0
let nextTry = 0
let timer = null
let running = null
let lastError = null
let retryTimer = null
let queuedSince = false  // a record was queued since the drain last sent records

export function onChange(fn) {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

function emit() {
  for (const fn of listeners) {
    try { fn() } catch { /* a listener's problem is not the outbox's */ }
  }
}

/** Queue a record (and the blobs it cites) in one IndexedDB transaction. */
export async function enqueue({ id, kind, officer, payload, photos = [], capturedAt }) {
  queuedSince = true // a video on its way lets this record go between two of its chunks
  // plain JSON only: Vue's reactive proxies cannot be stored by IndexedDB, and what is
  // sent must be exactly what was stored
  payload = JSON.parse(JSON.stringify(payload))
  photos = [...photos]
  // callers may wrap this in their own transaction (the ticket and its record together)
  await db.outbox.add({
    id, kind, officer, payload, photos,
    captured_at: capturedAt || new Date().toISOString(),
    status: STATUS.pending, attempts: 0, message: null, createdAt: Date.now(),
  })
  // the drain must not run inside the caller's transaction
  Dexie.ignoreTransaction(() => setTimeout(() => { emit(); kick() }, 0))
  return id
}

/** Keep an original file — a photo, a signature, a voice note or a video (`extra.kind`) —
 * until the server has verified it. */
export async function keepBlob(blob, officer, extra = {}) {
  const sha256 = await sha256Hex(blob)
  const existing = await db.blobs.get(sha256)
  if (!existing) {
    await db.blobs.put({ sha256, blob, type: blob.type || 'image/jpeg', size: blob.size, officer, verified: 0, sent: 0,
      createdAt: Date.now(), ...extra })
    emit()
  }
  return sha256
}

/** A kept file the officer took back (a voice note recorded again) before any record cited
 * it: it is not uploaded. A file a queued record cites, or the server has, stays. */
export async function forgetBlob(sha256) {
  await db.transaction('rw', db.blobs, db.outbox, async () => {
    const b = await db.blobs.get(sha256)
    if (!b || b.verified !== 0) return
    const cited = await db.outbox.filter((r) => (r.photos || []).includes(sha256)).count()
    if (!cited) await db.blobs.delete(sha256)
  })
  emit()
}

/** What a kept file is: 'photo', 'signature', 'audio' or 'video' (rows kept before videos
 * and voice notes existed say nothing: a photo, unless their type says otherwise). */
export function fileKind(b) {
  if (b.kind) return b.kind
  const type = b.type || ''
  return type.startsWith('video/') ? 'video' : type.startsWith('audio/') ? 'audio' : 'photo'
}

// Web Crypto digests a whole buffer at once: a file this large is read in slices and hashed
// by hand instead (a 600 MB clip read into one ArrayBuffer would end a phone's tab).
const WHOLE_HASH_MAX = 32 * 1024 * 1024
const HASH_SLICE = 4 * 1024 * 1024

export async function sha256Hex(blob) {
  if (blob.size > WHOLE_HASH_MAX) return sha256Sliced(blob)
  const buf = await blob.arrayBuffer()
  const digest = await crypto.subtle.digest('SHA-256', buf)
  return hex(new Uint8Array(digest))
}

function hex(bytes) {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** What the status bar shows: unsynced count, oldest age, per-status counts. */
export async function summary() {
  const rows = await db.outbox.toArray()
  const unverified = await db.blobs.where('verified').equals(0).count()
  const open = rows.filter((r) => r.status !== STATUS.done)
  const oldest = open.reduce((min, r) => Math.min(min, r.createdAt), Infinity)
  const by = {}
  for (const r of open) by[r.status] = (by[r.status] || 0) + 1
  return {
    unsynced: open.length,
    photos: unverified, // files of every kind not yet verified
    oldestAgeS: open.length ? Math.round((Date.now() - oldest) / 1000) : 0,
    byStatus: by,
    needsAttention: (by.error || 0) + (by.conflict || 0),
    running: !!running,
    lastError,
    nextTry,
  }
}

function backoff() {
  failures += 1
  const base = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** (failures - 1))
  nextTry = Date.now() + base / 2 + Math.random() * base / 2
  // the retry comes when the backoff ends, not at the next 30 s tick: a chunk lost to a
  // dropped connection resumes seconds later (the timer alone made it 30 s and more)
  clearTimeout(retryTimer)
  retryTimer = setTimeout(() => kick(), nextTry - Date.now() + 50)
  retryTimer?.unref?.() // (node's tests: a pending retry must not hold the process)
}

/** Start a drain if none is running and the backoff allows (force: ignore the backoff). */
export function kick(force = false) {
  if (!force && Date.now() < nextTry) return running
  if (running) return running
  clearTimeout(retryTimer) // this drain is the retry
  running = drainWithLock().finally(() => { running = null; emit() })
  emit()
  return running
}

async function drainWithLock() {
  const locks = globalThis.navigator?.locks
  if (locks?.request) {
    return locks.request('zhangshang-outbox', { ifAvailable: true }, async (lock) => {
      if (lock) await drain()
    })
  }
  return drain()
}

async function healthFor() {
  const rows = await db.outbox.toArray()
  const oldest = rows.reduce((min, r) => Math.min(min, r.createdAt), Infinity)
  let persistent = null
  const storage = globalThis.navigator?.storage
  try { persistent = storage?.persisted ? await storage.persisted() : null } catch { /* unknown */ }
  let battery = null
  try { battery = (await globalThis.navigator?.getBattery?.())?.level ?? null } catch { /* not told */ }
  return {
    queue_depth: rows.length,
    oldest_unsynced_age_s: rows.length ? Math.round((Date.now() - oldest) / 1000) : 0,
    storage_persistent: persistent,
    battery,
  }
}

// why an officer's records could not go in the last drain (an expired login, say), by officer
export const officerErrors = {}

async function drain() {
  let failed = null
  try {
    const officers = new Set((await db.outbox.toArray()).map((r) => r.officer))
    for (const b of await db.blobs.where('verified').equals(0).toArray()) officers.add(b.officer)
    // each officer on their own: one colleague's expired login on a shared phone must not hold
    // back everyone else's records; no network stops them all
    for (const officer of officers) {
      try {
        await sendRecords(officer)
        await uploadFiles(officer)
        await settle(officer)
        await finishLogout(officer)
        delete officerErrors[officer]
      } catch (err) {
        if (err instanceof OfflineError) throw err
        officerErrors[officer] = err?.code || String(err)
        failed = failed || err
      }
    }
  } catch (err) {
    failed = err
  }
  if (!failed) {
    failures = 0
    nextTry = 0
    lastError = null
    await setMeta('lastSyncAt', Date.now())
    return
  }
  lastError = failed instanceof OfflineError ? 'offline' : failed?.code || String(failed)
  backoff()
  // records caught in flight go back to pending: the server's ledger makes a resend safe
  await db.outbox.where('status').equals(STATUS.sending).modify({ status: STATUS.pending })
}

async function sendRecords(officer) {
  queuedSince = false
  const device = await deviceId()
  for (;;) {
    const ready = (await db.outbox.where('officer').equals(officer).sortBy('seq'))
      .filter((r) => r.status === STATUS.pending || (r.status === STATUS.retry && (r.retryAt || 0) <= Date.now()))
      .slice(0, BATCH)
    if (!ready.length) return
    await db.outbox.bulkUpdate(ready.map((r) => ({ key: r.seq, changes: { status: STATUS.sending } })))
    emit()
    const { data } = await asOfficer(officer, 'POST', '/api/v1/sync', {
      body: {
        device_id: device, app_version: typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : 'dev', sent_at: new Date().toISOString(),
        health: await healthFor(),
        records: ready.map((r) => ({ id: r.id, kind: r.kind, captured_at: r.captured_at, payload: r.payload })),
      },
    })
    const byId = new Map(data.results.map((x) => [x.id, x]))
    await db.transaction('rw', db.outbox, async () => {
      for (const r of ready) {
        const res = byId.get(r.id)
        if (!res) { await db.outbox.update(r.seq, { status: STATUS.pending }); continue }
        const changes = { attempts: (r.attempts || 0) + 1, result: res.status, ref: res.ref || r.ref || null }
        if (res.status === 'created' || res.status === 'duplicate' || res.status === 'incomplete') {
          changes.status = STATUS.photos // acknowledged; removed once its photos are verified
          changes.message = null
        } else if (res.status === 'conflict') {
          changes.status = STATUS.conflict
          changes.message = res.message || null
        } else if (res.retryable) {
          changes.status = STATUS.retry
          changes.retryAt = Date.now() + Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** Math.min(changes.attempts, 8))
          changes.message = res.message || null
        } else {
          changes.status = STATUS.error
          changes.message = res.message || null
          changes.code = res.code || null
        }
        await db.outbox.update(r.seq, changes)
      }
    })
    emit()
    // a batch that made no progress (all "not yet") must not spin
    if (ready.every((r) => byId.get(r.id)?.retryable)) return
  }
}

// Two files in flight: while one chunk waits out the link's latency for its answer, the
// other one's bytes are on the wire (one at a time left ~10 % of a 3G link idle).
const PHOTO_STREAMS = 2

/** The order files go in: photos, signatures and voice notes as they were kept, then videos,
 * the smallest first (a 5-minute clip must not hold back the photos of ten inspections). */
export function uploadOrder(blobs) {
  const small = blobs.filter((b) => fileKind(b) !== 'video').sort((a, b) => (a.createdAt || 0) - (b.createdAt || 0))
  const large = blobs.filter((b) => fileKind(b) === 'video').sort((a, b) => a.size - b.size || (a.createdAt || 0) - (b.createdAt || 0))
  return [small, large]
}

async function uploadFiles(officer) {
  const pending = await db.blobs.where('officer').equals(officer).filter((b) => !b.verified).toArray()
  const [small, large] = uploadOrder(pending)
  await inStreams(officer, small, null)
  // between two chunks of a video, records queued meanwhile are sent (a ticket issued while a
  // clip uploads is not held for minutes)
  await inStreams(officer, large, recordsBetween)
}

async function inStreams(officer, files, between) {
  let next = 0
  const stream = async () => {
    while (next < files.length) {
      await uploadKept(officer, files[next++], { between })
      emit()
    }
  }
  // both streams finish (or fail) before the drain goes on; the first failure is the drain's
  const failed = (await Promise.allSettled(Array.from({ length: PHOTO_STREAMS }, stream))).find((r) => r.status === 'rejected')
  if (failed) throw failed.reason
}

let sendingBetween = null
/** Records queued while a video uploads, sent between its chunks (once, for both streams). */
function recordsBetween() {
  if (!queuedSince) return sendingBetween
  if (!sendingBetween) {
    sendingBetween = (async () => {
      const officers = new Set((await db.outbox.where('status').equals(STATUS.pending).toArray()).map((r) => r.officer))
      for (const officer of officers) {
        try {
          await sendRecords(officer)
        } catch (err) {
          if (err instanceof OfflineError) throw err
          // an officer's refused login is the drain's to report, after the video
        }
      }
    })().finally(() => { sendingBetween = null })
  }
  return sendingBetween
}

/** Upload a kept file now (unless the server has verified it already) and mark it
 * verified: the drain's upload streams, and the console before it cites photos. */
export async function uploadKept(officer, b, opts = {}) {
  if (b.verified === 1) return true
  if (!(await uploadResumable(officer, b, opts))) return false
  await db.blobs.update(b.sha256, { verified: 1, verifiedAt: Date.now(), sent: b.blob.size })
  return true
}

/** How far the server has got with a file (bytes it confirmed), for the officer to see. */
async function progress(b, sent) {
  if (b.sent === sent) return
  b.sent = sent
  await db.blobs.update(b.sha256, { sent })
  emit()
}

/** PUT the blob in chunks from wherever the server says it has got to. True once the
 * server has the file verified; false when it refused the file (the record says why).
 * `between` (optional) runs after each confirmed chunk. */
export async function uploadResumable(officer, b, { between = null } = {}) {
  let offset = 0
  if (b.attempted) {
    // resuming: ask where the server got to (a first attempt skips this round trip: on a
    // 3G link with 150 ms latency it cost ~10 % of a day's sync; a server that already
    // has the photo answers the first chunk with 200, one with a partial copy with 409)
    const { data: st } = await asOfficer(officer, 'GET', `/api/v1/media/${b.sha256}/status`)
    if (st.state === 'complete') return true
    offset = st.state === 'partial' ? st.offset : 0
    await progress(b, offset)
  } else {
    await db.blobs.update(b.sha256, { attempted: 1 })
  }
  const total = b.blob.size
  while (offset < total) {
    const end = Math.min(total, offset + CHUNK)
    try {
      const resp = await asOfficer(officer, 'PUT', `/api/v1/media/${b.sha256}`, {
        body: b.blob.slice(offset, end),
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes ${offset}-${end - 1}/${total}` },
        timeoutMs: 120000,
      })
      if (resp.status === 201 || resp.status === 200) return true
      if (!Number.isInteger(resp.data?.offset)) throw new ApiError(502, { code: 'upload.no_offset' })
      offset = resp.data.offset
      await progress(b, offset)
      if (between) await between()
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.details?.offset !== undefined) {
        offset = err.details.offset // the server has more (or less) than we thought: follow it
        await progress(b, offset)
        continue
      }
      if (err instanceof ApiError && err.status === 422) {
        // the file itself is refused (corrupt, not a photo): tell the officer, stop retrying it
        await db.blobs.update(b.sha256, { verified: -1, message: err.messages })
        await db.outbox.where('officer').equals(officer)
          .filter((r) => (r.photos || []).includes(b.sha256))
          .modify({ status: STATUS.error, message: err.messages, code: err.code })
        return false
      }
      throw err
    }
  }
  return true
}

/** Files not yet verified, in the order they go, for the outbox screen: kind, size and the
 * bytes the server confirmed (no Blob: a screen needs none). */
export async function pendingFiles() {
  const rows = await db.blobs.where('verified').anyOf(0, -1).toArray()
  const [small, large] = uploadOrder(rows)
  return [...small, ...large].map(({ blob, ...b }) => ({
    sha256: b.sha256, kind: fileKind(b), type: b.type, size: b.size ?? blob?.size ?? 0, sent: b.sent || 0,
    verified: b.verified, message: b.message || null, officer: b.officer, duration_s: b.duration_s ?? null,
  }))
}

/** Remove acknowledged records whose files are all verified. */
async function settle(officer) {
  const acked = await db.outbox.where('officer').equals(officer).filter((r) => r.status === STATUS.photos).toArray()
  for (const r of acked) {
    const blobs = await db.blobs.bulkGet(r.photos || [])
    if (blobs.every((b) => b && b.verified === 1)) {
      await db.outbox.delete(r.seq)
    }
  }
  // originals stay a day after verification (to show them again), then are cleared
  const old = Date.now() - 24 * 3600 * 1000
  await db.blobs.where('verified').equals(1).filter((b) => (b.verifiedAt || 0) < old).delete()
  emit()
}

/** An officer who logged out while records were queued: end their server session now. */
async function finishLogout(officer) {
  const session = await db.sessions.get(officer)
  if (!session?.loggedOut) return
  const left = await db.outbox.where('officer').equals(officer).count()
  const photos = await db.blobs.where('officer').equals(officer).filter((b) => b.verified === 0).count()
  if (left || photos) return
  try { await asOfficer(officer, 'POST', '/api/v1/auth/logout') } catch { /* gone already */ }
  await db.sessions.delete(officer)
}

/** Try again now a record the officer fixed or wants resent. */
export async function retry(seq, changes = {}) {
  await db.outbox.update(seq, { ...changes, status: STATUS.pending, message: null, retryAt: 0 })
  emit()
  return kick(true)
}

/** Start the triggers: app start, `online`, visibility, a timer while open. */
export async function start() {
  // a tab closed or reloaded mid-send left records marked "sending": they go again (the
  // server's ledger answers `duplicate` for what it already has, so nothing doubles)
  await db.outbox.where('status').equals(STATUS.sending).modify({ status: STATUS.pending })
  // back online: the backoff earned while there was no network is spent
  window.addEventListener('online', () => { failures = 0; kick(true) })
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') kick() })
  if (!timer) timer = setInterval(() => kick(), TIMER_MS)
  if (navigator.storage?.persist) navigator.storage.persist().catch(() => {})
  kick(true)
}

// --- last resort: the queue as a file, and back ----------------------------------------

function blobToBase64(blob) {
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => resolve(String(r.result).split(',')[1])
    r.onerror = reject
    r.readAsDataURL(blob)
  })
}

export async function exportQueue() {
  const records = await db.outbox.toArray()
  const blobs = await db.blobs.where('verified').equals(0).toArray()
  const photos = []
  for (const b of blobs) photos.push({ sha256: b.sha256, type: b.type, officer: b.officer, base64: await blobToBase64(b.blob) })
  const doc = {
    format: 'zhangshang-outbox', version: 1, device_id: await deviceId(), exported_at: new Date().toISOString(),
    records: records.map(({ seq, ...r }) => r), photos,
  }
  return new Blob([JSON.stringify(doc)], { type: 'application/json' })
}

export async function importQueue(file) {
  const doc = JSON.parse(await file.text())
  if (doc.format !== 'zhangshang-outbox') throw new Error('not an outbox file')
  let added = 0
  for (const p of doc.photos || []) {
    const bytes = Uint8Array.from(atob(p.base64), (c) => c.charCodeAt(0))
    const blob = new Blob([bytes], { type: p.type })
    if ((await sha256Hex(blob)) !== p.sha256) continue // damaged in transit: the record will say so
    if (!(await db.blobs.get(p.sha256))) {
      await db.blobs.put({ sha256: p.sha256, blob, type: p.type, size: blob.size, officer: p.officer, verified: 0, createdAt: Date.now() })
    }
  }
  for (const r of doc.records || []) {
    if (await db.outbox.where('id').equals(r.id).count()) continue
    await db.outbox.add({ ...r, status: STATUS.pending, attempts: 0 })
    added += 1
  }
  emit()
  kick(true)
  return added
}

export async function lastSyncAt() {
  return getMeta('lastSyncAt')
}

// --- SHA-256 of a large file, read slice by slice (FIPS 180-4) -----------------------------

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

/** Compress every whole 64-byte block of `bytes` into the state `h`; returns the bytes used. */
function blocks(h, w, bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let used = 0
  for (; used + 64 <= bytes.length; used += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(used + i * 4)
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15], b = w[i - 2]
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10)
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0
    }
    let [a, b, c, d, e, f, g, k] = h
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
      k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k
  }
  return used
}

export async function sha256Sliced(blob) {
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19])
  const w = new Uint32Array(64)
  let rest = new Uint8Array(0)
  for (let at = 0; at < blob.size; at += HASH_SLICE) {
    const slice = new Uint8Array(await blob.slice(at, at + HASH_SLICE).arrayBuffer())
    const bytes = rest.length ? new Uint8Array(rest.length + slice.length) : slice
    if (rest.length) { bytes.set(rest); bytes.set(slice, rest.length) }
    rest = bytes.slice(blocks(h, w, bytes))
  }
  // the padding: 0x80, zeros, the length in bits as a 64-bit big-endian number
  const tail = new Uint8Array(rest.length + 9 <= 64 ? 64 : 128)
  tail.set(rest)
  tail[rest.length] = 0x80
  const bits = blob.size * 8
  const view = new DataView(tail.buffer)
  view.setUint32(tail.length - 8, Math.floor(bits / 2 ** 32))
  view.setUint32(tail.length - 4, bits >>> 0)
  blocks(h, w, tail)
  const out = new DataView(new ArrayBuffer(32))
  h.forEach((x, i) => out.setUint32(i * 4, x))
  return hex(new Uint8Array(out.buffer))
}
