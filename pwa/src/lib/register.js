// The street's register of subjects (监管对象库) on the phone, searched offline: by name, pinyin
// initials, credit code or address, ranked as the server ranks (backend/subjects/service.py
// `search`): a credit code typed whole first, then names (or initials) beginning with the
// text, then the nearest, then by name. With nothing typed and a position: what is around
// here, nearest first. Plain functions over plain data (pwa/tests/register.test.mjs).
//
// The register comes as the server sends it (GET /api/v1/subjects/register: {columns, rows,
// version}); `prepare` turns it into search rows once per load — lowercase fields and the
// name order computed then, never per keystroke (5,000 subjects answer in a few ms).
import { distanceM } from './geo.js'

export const NEAR_M = 300          // "around here", as the server's search
export const SAME_PLACE_M = 100    // a new name this close to a similar one is probably that one
export const LIMIT = 20
const SIMILAR = 0.5                // Dice coefficient of the names' character pairs
const M_PER_DEG = 111_000           // a little under a degree's length: the box around a circle holds it whole

const EMPTY = Object.freeze({ version: null, rows: [], byId: new Map(), byCode: new Map(), byNameAddress: new Map() })

/** Whitespace collapsed, as the server normalises names and addresses. */
export const norm = (s) => String(s ?? '').split(/\s+/).filter(Boolean).join(' ')

// a name reduced to what tells shops apart: no spaces, brackets or punctuation
const key = (s) => String(s ?? '').toLowerCase().replace(/[\s()（）【】[\]〔〕{}<>《》「」『』"'“”‘’·•.,，。、:：;；!！?？\-—_/\\|]+/g, '')

let last = { register: null, index: EMPTY }

/** The register made ready to search ({version, rows, byId, byCode, byNameAddress}). The last
 *  index is kept: the same register (the same object, or the same version read again from
 *  IndexedDB) is not prepared twice. */
export function prepare(register) {
  if (!register || !Array.isArray(register.rows)) return EMPTY
  if (last.register === register) return last.index
  const v = register.version
  if (v != null && v === last.index.version && register.rows.length === last.index.rows.length) return last.index
  const cols = register.columns || ['id', 'name', 'initials', 'address', 'credit_code', 'lat', 'lon', 'kind', 'risk_class']
  const at = Object.fromEntries(cols.map((c, i) => [c, i]))
  const rows = register.rows.map((r) => {
    const name = String(r[at.name] ?? '')
    const address = String(r[at.address] ?? '')
    const initials = String(r[at.initials] ?? '').toLowerCase()
    const code = String(r[at.credit_code] ?? '').toUpperCase()
    const lat = r[at.lat] ?? null
    const lon = r[at.lon] ?? null
    return {
      id: r[at.id], name, initials, address, credit_code: code, lat, lon,
      kind: r[at.kind] ?? null, risk_class: r[at.risk_class] ?? null,
      priors: at.priors != null && Array.isArray(r[at.priors]) ? r[at.priors] : [], // matters decided before (首违不罚)
      // computed once: what a keystroke compares (the name key for resemblance when first asked)
      n: name.toLowerCase(), a: address.toLowerCase(), k: null, placed: lat != null && lon != null, o: 0,
    }
  })
  // the name order (then id), as a number: ties in the ranking need no string comparison
  const byName = [...rows].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.id - y.id))
  byName.forEach((s, i) => { s.o = i })
  const index = {
    version: register.version ?? null, rows,
    byId: new Map(rows.map((s) => [s.id, s])),
    byCode: new Map(rows.filter((s) => s.credit_code).map((s) => [s.credit_code, s])),
    // without a code, the server matches the same name and address (the first by id)
    byNameAddress: new Map(rows.filter((s) => !s.credit_code).reverse().map((s) => [`${norm(s.name)}|${norm(s.address)}`, s])),
  }
  last = { register, index }
  return index
}

const rowsOf = (index) => (Array.isArray(index) ? index : index?.rows || [])

// a box around `here` that holds every point within `m` metres (a cheap test before the distance)
function box(here, m) {
  const dLat = m / M_PER_DEG
  const dLon = m / (M_PER_DEG * Math.max(0.2, Math.cos((here.lat * Math.PI) / 180)))
  return { s: here.lat - dLat, n: here.lat + dLat, w: here.lon - dLon, e: here.lon + dLon }
}
const inBox = (b, s) => s.placed && s.lat >= b.s && s.lat <= b.n && s.lon >= b.w && s.lon <= b.e

/** A subject as a result: its register fields and, when a position was given, its distance. */
const result = (s, d) => ({
  id: s.id, name: s.name, initials: s.initials, address: s.address, credit_code: s.credit_code, lat: s.lat, lon: s.lon,
  kind: s.kind, risk_class: s.risk_class, priors: s.priors || [], distanceM: Number.isFinite(d) ? d : null,
})

/** Search the prepared register. `here` {lat, lon} puts the nearest first; with nothing typed
 *  it lists what lies within `radiusM` of it, nearest first (nothing without a position). */
export function search(index, query, here = null, { limit = LIMIT, radiusM = NEAR_M } = {}) {
  const rows = rowsOf(index)
  const q = norm(query)
  const located = here && Number.isFinite(here.lat) && Number.isFinite(here.lon)
  const hits = []
  if (!q) {
    if (!located) return []
    const b = box(here, radiusM)
    for (const s of rows) {
      if (!inBox(b, s)) continue
      const d = distanceM(here, s)
      if (d <= radiusM) hits.push({ s, d, r: 0 })
    }
  } else {
    const ql = q.toLowerCase()
    const qu = q.toUpperCase()
    for (const s of rows) {
      const initial = s.initials.startsWith(ql)
      if (!(s.n.includes(ql) || initial || s.a.includes(ql) || (s.credit_code && s.credit_code.startsWith(qu)))) continue
      // rank: 0 a code typed whole, 1 a name or initials beginning with the text, 2 the rest
      const r = s.credit_code === qu ? 0 : s.n.startsWith(ql) || initial ? 1 : 2
      hits.push({ s, d: located && s.placed ? distanceM(here, s) : Infinity, r })
    }
  }
  hits.sort((x, y) => x.r - y.r || x.d - y.d || x.s.o - y.s.o)
  return hits.slice(0, limit).map((h) => result(h.s, h.d))
}

/** What lies around `here` (nothing typed), nearest first. */
export function nearby(index, here, { limit = LIMIT, radiusM = NEAR_M } = {}) {
  return search(index, '', here, { limit, radiusM })
}

// character pairs of a name key ("老王烧烤" → 老王 王烧 烧烤); a one-character name is its own pair
function pairs(k) {
  if (k.length < 2) return [k]
  const out = []
  for (let i = 0; i < k.length - 1; i++) out.push(k.slice(i, i + 2))
  return out
}

/** How alike two names are, 0…1: the same name 1, one inside the other 0.9, else the Dice
 *  coefficient of their character pairs. */
export function nameSimilarity(a, b) {
  const x = key(a)
  const y = key(b)
  if (!x || !y) return 0
  if (x === y) return 1
  const [short, long] = x.length <= y.length ? [x, y] : [y, x]
  if (short.length >= 2 && long.includes(short)) return 0.9
  const px = pairs(x)
  const py = pairs(y)
  const pool = new Map()
  for (const p of py) pool.set(p, (pool.get(p) || 0) + 1)
  let common = 0
  for (const p of px) {
    const n = pool.get(p)
    if (n) { common += 1; pool.set(p, n - 1) }
  }
  return (2 * common) / (px.length + py.length)
}

/** A register subject that a newly typed name probably means: a same or similar name within
 *  `radiusM` of `here` (the most alike first, then the nearest), as {…subject, distanceM,
 *  similarity}; null when there is none. */
export function resembling(index, name, here, { radiusM = SAME_PLACE_M, threshold = SIMILAR } = {}) {
  const k = key(name)
  if (k.length < 2 || !here || !Number.isFinite(here.lat) || !Number.isFinite(here.lon)) return null
  const b = box(here, radiusM)
  let best = null
  for (const s of rowsOf(index)) {
    if (!inBox(b, s)) continue
    const d = distanceM(here, s)
    if (d > radiusM) continue
    if (s.k === null) s.k = key(s.name)
    const sim = s.k === k ? 1 : nameSimilarity(s.name, name)
    if (sim < threshold) continue
    if (!best || sim > best.similarity || (sim === best.similarity && d < best.distanceM)) best = { ...result(s, d), similarity: sim }
  }
  return best
}

/** The register's subject a remembered visit names: by register id, else by credit code, else
 *  by the same name and address (the server's rule); null when none. */
export function sameSubject(index, visit) {
  if (!visit || !index?.byId) return null
  const byId = visit.subject_id != null ? index.byId.get(visit.subject_id) : null
  if (byId) return byId
  const code = String(visit.credit_code || '').toUpperCase()
  if (code && index.byCode.has(code)) return index.byCode.get(code)
  if (code) return null
  return index.byNameAddress.get(`${norm(visit.name)}|${norm(visit.address)}`) || null
}
