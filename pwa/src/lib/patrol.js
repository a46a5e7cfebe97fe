// The patrol recorder lives outside any page: GPS keeps recording while the officer
// inspects, writes a ticket or looks at the outbox. Fixes are persisted on arrival and
// queued as `track_points` records every 20 fixes or minute; a reload resumes the patrol.
import { reactive } from 'vue'
import { db } from './db.js'
import { enqueue } from './outbox.js'
import { fixFrom } from './geo.js'

const FLUSH_FIXES = 20
const FLUSH_MS = 60000

export const rec = reactive({
  patrol: null,  // {id, officer, officers, startedAt}
  points: [],    // fixes already queued
  buffer: [],    // fixes persisted but not yet queued
  last: null,
  awake: false,
})

// reactive proxies cannot go into IndexedDB
const plain = (x) => JSON.parse(JSON.stringify(x))

let watchId = null
let timer = null
let lock = null

async function keepAwake() {
  try {
    lock = await navigator.wakeLock?.request('screen')
    rec.awake = !!lock
  } catch { rec.awake = false }
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && rec.patrol) keepAwake()
})

async function onFix(position) {
  if (!rec.patrol) return
  const fix = fixFrom(position)
  rec.last = fix
  rec.buffer.push(fix)
  await db.patrols.update(rec.patrol.id, { buffer: plain(rec.buffer) })
  if (rec.buffer.length >= FLUSH_FIXES) await flush()
}

export async function flush() {
  if (!rec.patrol || !rec.buffer.length) return
  const batch = plain(rec.buffer.splice(0))
  const id = rec.patrol.id
  await db.transaction('rw', db.patrols, db.outbox, async () => {
    await enqueue({ id: crypto.randomUUID(), kind: 'track_points', officer: rec.patrol.officer, payload: { patrol_id: id, points: batch } })
    const doc = await db.patrols.get(id)
    await db.patrols.update(id, { buffer: [], points: [...(doc.points || []), ...batch] })
  })
  rec.points.push(...batch)
}

function watch() {
  if (watchId != null || !navigator.geolocation) return
  watchId = navigator.geolocation.watchPosition(onFix, () => {}, { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 })
  timer = setInterval(flush, FLUSH_MS)
  keepAwake()
}

function unwatch() {
  if (watchId != null) navigator.geolocation.clearWatch(watchId)
  watchId = null
  clearInterval(timer)
  lock?.release?.()
  lock = null
  rec.awake = false
}

export async function startPatrol(officer, companions = []) {
  const id = crypto.randomUUID()
  const startedAt = new Date().toISOString()
  const doc = { id, officer, status: 'active', startedAt, officers: [officer, ...companions], buffer: [], points: [] }
  await db.patrols.put(doc)
  await enqueue({ id, kind: 'patrol_start', officer, payload: { officers: doc.officers, started_at: startedAt } })
  Object.assign(rec, { patrol: doc, points: [], buffer: [], last: null })
  watch()
}

export async function stopPatrol() {
  if (!rec.patrol) return
  await flush()
  const { id, officer } = rec.patrol
  const endedAt = new Date().toISOString()
  await enqueue({ id: crypto.randomUUID(), kind: 'patrol_end', officer, payload: { patrol_id: id, ended_at: endedAt } })
  await db.patrols.update(id, { status: 'ended', endedAt })
  unwatch()
  Object.assign(rec, { patrol: null, points: [], buffer: [], last: null })
}

/** An inspection made during the patrol: counted on it (the patrol screen and 今日 show it). */
export async function countInspection() {
  if (!rec.patrol) return
  const doc = await db.patrols.get(rec.patrol.id)
  const inspections = (doc?.inspections || 0) + 1
  await db.patrols.update(rec.patrol.id, { inspections })
  rec.patrol = { ...rec.patrol, inspections }
}

/** After a reload (or switching back to this officer): continue the open patrol. */
export async function resumePatrol(officer) {
  if (rec.patrol?.officer === officer) return
  if (rec.patrol) unwatch()
  const active = await db.patrols.where('status').equals('active').filter((p) => p.officer === officer).first()
  if (!active) { Object.assign(rec, { patrol: null, points: [], buffer: [], last: null }); return }
  Object.assign(rec, { patrol: active, points: active.points || [], buffer: active.buffer || [] })
  rec.last = rec.buffer[rec.buffer.length - 1] || rec.points[rec.points.length - 1] || null
  watch()
}
