// Who is using the phone: login (online, once), a session that survives offline, a PIN
// lock after inactivity, and logout that never deletes unsynced records. Reference data
// for offline work is refreshed here too (profile, team, matters, grids, rules, books,
// tasks, the street's register of subjects) and kept current through the change feed.
import { reactive } from 'vue'
import { db, deviceId, getMeta, setMeta, getRef, setRef } from './db.js'
import { ApiError, OfflineError, asOfficer, login as apiLogin } from './api.js'
import { keyId, newSessionKey } from './cosign.js'

export const state = reactive({
  ready: false,
  user: null,          // username on this phone now
  profile: null,       // GET /me, cached
  locked: false,
  online: navigator.onLine,
  refreshedAt: null,
  lockAfterMs: 5 * 60 * 1000,
})

const PBKDF2_ITER = 150000
const BOOK_LOW_WATER = 5
const BOOK_SIZE = 20

function hex(buf) {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

function unhex(s) {
  return new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)))
}

export async function pbkdf2Hex(secret, saltHex, iterations) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'PBKDF2', false, ['deriveBits'])
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: unhex(saltHex), iterations }, key, 256)
  return hex(bits)
}

export async function init() {
  state.user = await getMeta('currentUser')
  if (state.user) {
    const s = await db.sessions.get(state.user)
    if (!s || s.loggedOut) {
      state.user = null
    } else {
      state.profile = s.profile
      state.refreshedAt = await getMeta(`refreshedAt:${state.user}`)
      // a reload or crash mid-work does not ask for the PIN; a phone left alone does
      const idle = Date.now() - Number(localStorage.getItem('zs-last-active') || 0)
      state.locked = !!s.pinHash && idle > state.lockAfterMs
    }
  }
  window.addEventListener('online', () => { state.online = true; refresh().catch(() => {}) })
  window.addEventListener('offline', () => { state.online = false })
  for (const ev of ['pointerdown', 'keydown']) window.addEventListener(ev, touch, { passive: true })
  setInterval(checkIdle, 15000)
  state.ready = true
}

let lastActivity = Date.now()
function touch() {
  lastActivity = Date.now()
  localStorage.setItem('zs-last-active', String(lastActivity))
}
async function checkIdle() {
  if (!state.user || state.locked) return
  const s = await db.sessions.get(state.user)
  if (s?.pinHash && Date.now() - lastActivity > state.lockAfterMs) state.locked = true
}

export function lockNow() { state.locked = true }

export async function signIn(username, password) {
  const data = await apiLogin(username.trim(), password, await deviceId())
  const existing = await db.sessions.get(data.officer.username)
  // a new login is a new session with a new key pair (the private key never leaves the phone)
  const key = await newSessionKey()
  await db.sessions.put({
    ...(existing || {}),
    keyPrivate: key.privateKey,
    keyPublic: key.publicKey,
    keyId: await keyId(key.publicKey),
    keyRegistered: false,
    username: data.officer.username,
    officerId: data.officer.id,
    name: data.officer.name,
    role: data.officer.role,
    access: data.access_token,
    refresh: data.refresh_token,
    accessExpiresAt: Date.now() + data.expires_in * 1000,
    loggedOut: false,
  })
  state.user = data.officer.username
  await setMeta('currentUser', state.user)
  touch()
  state.locked = false
  await refresh()
  return data
}

export async function hasPin(username = state.user) {
  return !!(await db.sessions.get(username))?.pinHash
}

export async function setPin(pin) {
  const salt = hex(crypto.getRandomValues(new Uint8Array(16)))
  await db.sessions.update(state.user, { pinSalt: salt, pinHash: await pbkdf2Hex(pin, salt, PBKDF2_ITER) })
}

export async function unlock(pin) {
  const s = await db.sessions.get(state.user)
  if (!s?.pinHash) { state.locked = false; return true }
  const ok = (await pbkdf2Hex(pin, s.pinSalt, PBKDF2_ITER)) === s.pinHash
  if (ok) { state.locked = false; touch() }
  return ok
}

/** Log out: the UI forgets the officer; their queued records still go (outbox.finishLogout). */
export async function signOut() {
  const user = state.user
  if (!user) return
  const queued = await db.outbox.where('officer').equals(user).count()
  const photos = await db.blobs.where('officer').equals(user).filter((b) => b.verified === 0).count()
  if (!queued && !photos) {
    try { await asOfficer(user, 'POST', '/api/v1/auth/logout') } catch { /* offline: the server session just expires */ }
    await db.sessions.delete(user)
  } else {
    await db.sessions.update(user, { loggedOut: true, pinHash: null, keyPrivate: null })
  }
  state.user = null
  state.profile = null
  state.locked = false
  await setMeta('currentUser', null)
}

/** Register this session's public key with the server (once; teammates check consents with it). */
async function registerKey(user) {
  const s = await db.sessions.get(user)
  if (!s?.keyPublic || s.keyRegistered) return
  await asOfficer(user, 'PUT', '/api/v1/auth/session-key', { body: { public_key: s.keyPublic } })
  await db.sessions.update(user, { keyRegistered: true })
}

/** A session on this phone that can sign a consent: {username, name, keyPrivate, keyId, pin…}. */
export async function sessionOf(username) {
  const s = await db.sessions.get(username)
  return s && !s.loggedOut && s.keyPrivate ? s : null
}

/** Check another officer's PIN for their own session on this (shared) phone. */
export async function checkPin(username, pin) {
  const s = await db.sessions.get(username)
  return !!s?.pinHash && (await pbkdf2Hex(pin, s.pinSalt, PBKDF2_ITER)) === s.pinHash
}

/** Officers of this street from the cached roster (for the second officer of a ticket). */
export async function team() {
  return (await getRef(`team:${state.user}`)) || []
}

async function refreshBooks(user, profile) {
  if (!profile?.can_decide_penalties) return
  let { data } = await asOfficer(user, 'GET', '/api/v1/ticket-books')
  const usable = availableNumbers(data.items, await usedNumbers())
  if (usable.length < BOOK_LOW_WATER) {
    await asOfficer(user, 'POST', '/api/v1/ticket-books', { body: { count: BOOK_SIZE } })
    ;({ data } = await asOfficer(user, 'GET', '/api/v1/ticket-books'))
  }
  await setRef(`books:${user}`, data.items)
}

async function usedNumbers() {
  return new Set((await db.tickets.toArray()).map((t) => t.number))
}

export function availableNumbers(books, used) {
  const now = Date.now()
  const out = []
  for (const b of books || []) {
    if (b.expired || Date.parse(b.expires_at) <= now) continue
    for (const n of b.numbers) if (b.status[n] === 'outstanding' && !used.has(n)) out.push(n)
  }
  return out
}

/** The next unused number of this device's live books (offline). */
export async function nextTicketNumber() {
  const books = await getRef(`books:${state.user}`, [])
  return availableNumbers(books, await usedNumbers())[0] || null
}

/** Pull everything the phone needs offline. Never throws for "offline". */
export async function refresh() {
  const user = state.user
  if (!user) return
  try {
    await registerKey(user)  // before the roster: a teammate refreshing now sees this key
    const { data: me } = await asOfficer(user, 'GET', '/api/v1/me')
    state.profile = me
    await db.sessions.update(user, { profile: me })
    const gets = {
      team: '/api/v1/team', matters: '/api/v1/matters', grids: '/api/v1/grids', rules: '/api/v1/rules',
      tasks: '/api/v1/tasks?mine=true&limit=200', jurisdictions: '/api/v1/jurisdictions',
    }
    for (const [key, path] of Object.entries(gets)) {
      const { data } = await asOfficer(user, 'GET', path)
      await setRef(`${key}:${user}`, ['team', 'matters', 'tasks', 'jurisdictions'].includes(key) ? data.items : data)
    }
    await refreshBooks(user, me)
    await pullChanges(user)
    await refreshRegister(user)
    state.refreshedAt = Date.now()
    await setMeta(`refreshedAt:${user}`, state.refreshedAt)  // shown after a reload too
  } catch (err) {
    if (!(err instanceof OfflineError) && !(err instanceof ApiError && err.status >= 500)) throw err
  }
}

/** The street's register of subjects (监管对象库) for the offline search (lib/register.js):
 *  `{columns, rows, version}`, fetched again only when it changed (`If-None-Match`: 304). */
async function refreshRegister(user) {
  const kept = await getRef(`register:${user}`)
  const headers = kept?.etag ? { 'If-None-Match': kept.etag } : {}
  const resp = await asOfficer(user, 'GET', '/api/v1/subjects/register', { raw: true, headers, timeoutMs: 60000 })
  if (resp.status === 304 || !resp.ok) return  // unchanged, or not now: the copy kept stays
  const data = await resp.json()
  await setRef(`register:${user}`, { columns: data.columns, rows: data.rows, version: data.version, etag: resp.headers.get('ETag') })
}

async function pullChanges(user) {
  let since = await getMeta(`cursor:${user}`)
  for (let i = 0; i < 20; i++) {
    const q = since ? `?since=${encodeURIComponent(since)}` : ''
    const { data } = await asOfficer(user, 'GET', `/api/v1/sync/changes${q}`)
    const cases = (await getRef(`cases:${user}`)) || {}
    const reviews = (await getRef(`reviews:${user}`)) || {}
    for (const item of data.items || []) {
      if (item.kind === 'case') cases[item.id] = item.data
      if (item.kind === 'review') reviews[item.id] = { ...item.data, id: item.id, at: item.at }
    }
    await setRef(`cases:${user}`, cases)
    await setRef(`reviews:${user}`, reviews)
    since = data.cursor || since
    await setMeta(`cursor:${user}`, since)
    if (!data.next) break
  }
}

export async function ref(key, fallback = null) {
  return getRef(`${key}:${state.user}`, fallback)
}
