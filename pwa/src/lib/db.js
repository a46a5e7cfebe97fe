// IndexedDB through Dexie. The schema only ever migrates forward: a new app version adds a
// `db.version(n+1)` block (with an upgrade function if rows change shape) and never drops
// the outbox, so records queued by an older version still sync after an update.
import Dexie from 'dexie'

export const db = new Dexie('zhangshang')

db.version(1).stores({
  meta: 'key',                        // deviceId, currentUser, locale, contrast, feed cursors
  sessions: 'username',               // tokens, cached profile, PIN verifier, loggedOut flag
  ref: 'key',                         // reference data: matters, grids, rules, team, books, tasks
  outbox: '++seq, &id, officer, status', // records to send, in the order they were made
  blobs: 'sha256, officer, verified', // photo and signature originals (Blob) until verified
  patrols: 'id, officer, status',     // the patrol in progress and its live track
  tickets: 'id, number, officer',     // decisions issued on this phone (to show again, print)
})

export async function getMeta(key, fallback = null) {
  const row = await db.meta.get(key)
  return row ? row.value : fallback
}

export async function setMeta(key, value) {
  await db.meta.put({ key, value })
}

export async function getRef(key, fallback = null) {
  const row = await db.ref.get(key)
  return row ? row.value : fallback
}

export async function setRef(key, value) {
  await db.ref.put({ key, value, at: Date.now() })
}

/** The phone's own id, made once per install (the server binds sessions to it). */
export async function deviceId() {
  let id = await getMeta('deviceId')
  if (!id) {
    id = crypto.randomUUID()
    await setMeta('deviceId', id)
  }
  return id
}
