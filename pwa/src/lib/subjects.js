// Subjects this officer inspected on this phone (商户、当事人), to copy from the last visit: one
// tap fills the name, address, credit code and matter. Plain functions over plain data (node
// tests call them). The street's register (监管对象库, lib/register.js) is offered beside them
// in the inspection's subject picker; a visit remembers the register id it named, and a
// rectification order its inspection's id (the re-inspection follows it up).
import { distanceM } from './geo.js'

export const KEEP = 200
export const NEAR_M = 300

const keyOf = (s) => (s.credit_code ? `c:${s.credit_code}` : `n:${s.name.trim()}|${(s.address || '').trim()}`)

/** The list with this visit first (one entry per subject: by credit code, else name and
 *  address; and by register id when the visit named one). */
export function remember(list, visit) {
  const entry = {
    name: visit.name.trim(), address: (visit.address || '').trim(), credit_code: visit.credit_code || '',
    matter_code: visit.matter_code || '', result: visit.result || '', at: visit.at, lat: visit.lat ?? null, lon: visit.lon ?? null,
    rectify_by: visit.result === 'rectify' ? visit.rectify_by || null : null,
    inspection_id: visit.result === 'rectify' ? visit.inspection_id || null : null,
    subject_id: visit.subject_id ?? null,
  }
  const k = keyOf(entry)
  const same = (x) => keyOf(x) === k || (entry.subject_id != null && x.subject_id === entry.subject_id)
  return [entry, ...list.filter((x) => !same(x))].slice(0, KEEP)
}

/** Subjects to offer: those within NEAR_M of `here` first (nearest first), then the most recent. */
export function offer(list, here, limit = 6) {
  const near = here ? list.filter((x) => x.lat != null && distanceM(here, x) <= NEAR_M)
    .sort((a, b) => distanceM(here, a) - distanceM(here, b)) : []
  const rest = list.filter((x) => !near.includes(x))
  return [...near, ...rest].slice(0, limit)
}

/** Subjects ordered to rectify whose deadline has come (复查到期): the day after the
 *  deadline or earlier than `soonDays` before it, soonest first. What this phone knows by
 *  itself: 今日 takes the server's list (GET /reinspections, lib/today.js) once it has one. */
export function reinspectionsDue(list, today, soonDays = 1) {
  const horizon = new Date(`${today}T12:00:00+08:00`)
  horizon.setUTCDate(horizon.getUTCDate() + soonDays)
  const limit = horizon.toISOString().slice(0, 10)
  return list.filter((x) => x.rectify_by && x.rectify_by <= limit)
    .sort((a, b) => a.rectify_by.localeCompare(b.rectify_by))
    .map((x) => ({ ...x, overdue: x.rectify_by < today }))
}
