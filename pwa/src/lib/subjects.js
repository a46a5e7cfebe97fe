// Subjects this officer inspected on this phone (商户、当事人), to copy from the last visit: one
// tap fills the name, address, credit code and matter. Plain functions over plain data (node
// tests call them); the register of subjects on the server (监管对象库) will feed the same list.
import { distanceM } from './geo.js'

export const KEEP = 200
export const NEAR_M = 300

const keyOf = (s) => (s.credit_code ? `c:${s.credit_code}` : `n:${s.name.trim()}|${(s.address || '').trim()}`)

/** The list with this visit first (one entry per subject: by credit code, else name and address). */
export function remember(list, visit) {
  const entry = {
    name: visit.name.trim(), address: (visit.address || '').trim(), credit_code: visit.credit_code || '',
    matter_code: visit.matter_code || '', result: visit.result || '', at: visit.at, lat: visit.lat ?? null, lon: visit.lon ?? null,
  }
  const k = keyOf(entry)
  return [entry, ...list.filter((x) => keyOf(x) !== k)].slice(0, KEEP)
}

/** Subjects to offer: those within NEAR_M of `here` first (nearest first), then the most recent. */
export function offer(list, here, limit = 6) {
  const near = here ? list.filter((x) => x.lat != null && distanceM(here, x) <= NEAR_M)
    .sort((a, b) => distanceM(here, a) - distanceM(here, b)) : []
  const rest = list.filter((x) => !near.includes(x))
  return [...near, ...rest].slice(0, limit)
}
