// The outbox: everything recorded on the phone waits here until the server has it.
// No UI code. The views enqueue records and read the status; this module sends them.
//
// Rules (docs/pwa.md):
// - records go in the order they were made, small records first; photos follow, uploaded
//   resumably in chunks, so a ticket never waits behind a photo;
// - a record leaves the outbox only after the server acknowledged it (`created` or
//   `duplicate`) *and* every photo it cites is verified by the server;
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

/** Keep an original photo (or a signature) until the server has verified it. */
export async function keepBlob(blob, officer, extra = {}) {
  const sha256 = await sha256Hex(blob)
  const existing = await db.blobs.get(sha256)
  if (!existing) {
    await db.blobs.put({ sha256, blob, type: blob.type || 'image/jpeg', size: blob.size, officer, verified: 0,
      createdAt: Date.now(), ...extra })
  }
  return sha256
}

export async function sha256Hex(blob) {
  const buf = await blob.arrayBuffer()
  const digest = await crypto.subtle.digest('SHA-256', buf)
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
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
    photos: unverified,
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
        await uploadPhotos(officer)
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

// Two photos in flight: while one chunk waits out the link's latency for its answer, the
// other one's bytes are on the wire (one at a time left ~10 % of a 3G link idle).
const PHOTO_STREAMS = 2

async function uploadPhotos(officer) {
  const pending = await db.blobs.where('officer').equals(officer).filter((b) => !b.verified).toArray()
  let next = 0
  const stream = async () => {
    while (next < pending.length) {
      await uploadKept(officer, pending[next++])
      emit()
    }
  }
  // both streams finish (or fail) before the drain goes on; the first failure is the drain's
  const failed = (await Promise.allSettled(Array.from({ length: PHOTO_STREAMS }, stream))).find((r) => r.status === 'rejected')
  if (failed) throw failed.reason
}

/** Upload a kept photo now (unless the server has verified it already) and mark it
 * verified: the drain's photo streams, and the console before it cites photos. */
export async function uploadKept(officer, b) {
  if (b.verified === 1) return true
  if (!(await uploadResumable(officer, b))) return false
  await db.blobs.update(b.sha256, { verified: 1, verifiedAt: Date.now() })
  return true
}

/** PUT the blob in chunks from wherever the server says it has got to. True once the
 * server has the photo verified; false when it refused the file (the record says why). */
export async function uploadResumable(officer, b) {
  let offset = 0
  if (b.attempted) {
    // resuming: ask where the server got to (a first attempt skips this round trip: on a
    // 3G link with 150 ms latency it cost ~10 % of a day's sync; a server that already
    // has the photo answers the first chunk with 200, one with a partial copy with 409)
    const { data: st } = await asOfficer(officer, 'GET', `/api/v1/media/${b.sha256}/status`)
    if (st.state === 'complete') return true
    offset = st.state === 'partial' ? st.offset : 0
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
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.details?.offset !== undefined) {
        offset = err.details.offset // the server has more (or less) than we thought: follow it
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

/** Remove acknowledged records whose photos are all verified. */
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
