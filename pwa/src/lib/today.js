// The officer's day (今日), worked out from what the phone holds: the patrol in progress or
// today's, the tasks waiting for them, the re-inspections due (复查到期), the records not yet
// uploaded, the documents issued today. Pure functions over plain data (node tests call
// them); the home screen reads the data and shows the result.
import { distanceM, POOR_ACCURACY_M } from './geo.js'
import { addDays, localDay } from './time.js'
import { reinspectionsDue } from './subjects.js'

const HOUR = 3600 * 1000
export const DUE_SOON_MS = 24 * HOUR

/** Metres walked along fixes, leaving out fixes too vague to count (they zig-zag). */
export function trackMetres(points) {
  let metres = 0
  let prev = null
  for (const p of points || []) {
    if (p.accuracy != null && p.accuracy > POOR_ACCURACY_M) continue
    if (prev) metres += distanceM(prev, p)
    prev = p
  }
  return metres
}

/** A patrol as the officer sees it: how long, how far, how many inspections. */
export function patrolFigures(patrol, now = Date.now()) {
  const started = Date.parse(patrol.startedAt)
  const ended = patrol.endedAt ? Date.parse(patrol.endedAt) : now
  return {
    id: patrol.id,
    active: patrol.status === 'active',
    startedAt: patrol.startedAt,
    seconds: Math.max(0, Math.round((ended - started) / 1000)),
    km: trackMetres([...(patrol.points || []), ...(patrol.buffer || [])]) / 1000,
    inspections: patrol.inspections || 0,
  }
}

/** The patrol in progress, else today's patrols added up (null if none today). */
export function patrolOfToday(patrols, officer, now = Date.now()) {
  const mine = patrols.filter((p) => p.officer === officer || (p.officers || []).includes(officer))
  const active = mine.find((p) => p.status === 'active')
  if (active) return patrolFigures(active, now)
  const today = localDay(new Date(now))
  const done = mine.filter((p) => p.startedAt && localDay(new Date(p.startedAt)) === today).map((p) => patrolFigures(p, now))
  if (!done.length) return null
  return {
    active: false, count: done.length, startedAt: done.map((p) => p.startedAt).sort()[0],
    seconds: done.reduce((s, p) => s + p.seconds, 0), km: done.reduce((s, p) => s + p.km, 0),
    inspections: done.reduce((s, p) => s + p.inspections, 0),
  }
}

/** Tasks that need the officer: new ones to accept, and open ones due within a day (or late). */
export function tasksNeedingMe(tasks, moves = {}, now = Date.now()) {
  const shown = (x) => moves[x.id] || x.status
  const open = tasks.filter((x) => !['done', 'closed'].includes(shown(x)))
  const toAccept = open.filter((x) => shown(x) === 'dispatched')
  const dueSoon = open.filter((x) => shown(x) !== 'dispatched' && x.due_at && Date.parse(x.due_at) - now <= DUE_SOON_MS)
    .sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at))
    .map((x) => ({ ...x, overdue: Date.parse(x.due_at) < now }))
  return { toAccept, dueSoon, open: open.length }
}

/** Decisions this officer issued on this phone, newest first, with their upload state:
 *  pending (待上传) until the server acknowledged the record, then uploaded (已上传), or void
 *  (已作废) when the server says so. */
export function myDocuments(tickets, outboxRows, officer) {
  const waiting = new Set(outboxRows.filter((r) => r.kind === 'ticket' && !['photos', 'done'].includes(r.status)).map((r) => r.id))
  return tickets.filter((x) => x.officer === officer)
    .map((x) => ({
      id: x.id, number: x.number, party: x.payload?.party?.name || '', kind: x.payload?.penalty?.kind,
      amountFen: x.payload?.penalty?.amount_fen || 0, issuedAt: x.issuedAt,
      state: x.serverStatus === 'voided' ? 'void' : waiting.has(x.id) ? 'pending' : 'uploaded',
    }))
    .sort((a, b) => String(b.issuedAt).localeCompare(String(a.issuedAt)))
}

/** Of `docs`, those issued on the local day of `now`. */
export function issuedToday(docs, now = Date.now()) {
  const today = localDay(new Date(now))
  return docs.filter((d) => d.issuedAt && localDay(new Date(d.issuedAt)) === today)
}

/** A document's state in words (zh, en). */
export const DOC_STATE = { pending: ['待上传', 'Not uploaded'], uploaded: ['已上传', 'Uploaded'], void: ['已作废', 'Void'] }

/** 复查到期: rectification orders due for re-inspection — the server's list (GET
 *  /api/v1/reinspections, kept for offline reading: `server` = {items, at}) and the orders made
 *  on this phone that the server had not yet when it answered (still in the outbox, or made
 *  since); with no answer ever fetched, the phone's own list alone (subjects.reinspectionsDue).
 *  `followed`: the orders this phone re-inspected; `pending`: those whose re-inspection is still
 *  in the outbox (shown as recorded), the others are done (gone). Soonest first. */
export function reinspectionsToday({ server = null, local = [], today, unsent = new Set(), followed = new Set(), pending = new Set() }) {
  const tomorrow = addDays(today, 1)
  const items = (server?.items || []).map((x) => ({
    id: x.id, subjectId: x.subject?.id ?? null, name: x.subject?.name || '', address: x.subject?.address || '',
    credit_code: x.subject?.credit_code || '', matter_code: x.matter_code || '', lat: x.lat ?? null, lon: x.lon ?? null,
    notes: x.notes || '', rectifyBy: x.rectify_deadline, due: x.reinspect_due,
  }))
  const known = new Set(items.map((x) => x.id))
  for (const x of reinspectionsDue(local, today)) {
    const id = x.inspection_id || null
    if (server && (!id || known.has(id) || !(unsent.has(id) || Date.parse(x.at) > server.at))) continue
    const due = addDays(x.rectify_by, 1)  // the server's rule: the day after the deadline
    if (due > tomorrow) continue
    items.push({ id, subjectId: x.subject_id ?? null, name: x.name, address: x.address, credit_code: x.credit_code || '',
      matter_code: x.matter_code || '', lat: x.lat, lon: x.lon, notes: '', rectifyBy: x.rectify_by, due })
  }
  return items
    .filter((x) => !(x.id && followed.has(x.id) && !pending.has(x.id)))
    .map((x) => ({ ...x, overdue: x.due < today, daysLate: x.due < today ? daysBetween(x.due, today) : 0, recorded: !!(x.id && pending.has(x.id)) }))
    .sort((a, b) => a.due.localeCompare(b.due) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T12:00:00+08:00`) - Date.parse(`${from}T12:00:00+08:00`)) / 86400000)
}

/** When a re-inspection is due, in words [zh, en]: late by days (the officer sees it in red),
 *  today, tomorrow, or the day; a recorded one waits to upload. */
export function reinspectionWhen(item, today) {
  if (item.recorded) return ['已复查，待上传', 'Re-inspected, not uploaded']
  if (item.overdue) return [`已逾期 ${item.daysLate} 天`, `${item.daysLate} ${item.daysLate === 1 ? 'day' : 'days'} late`]
  if (item.due === today) return ['今日复查', 'Due today']
  if (item.due === addDays(today, 1)) return ['明日复查', 'Due tomorrow']
  const [, m, d] = item.due.split('-').map(Number)
  return [`${m}月${d}日复查`, `Due ${d}/${m}`]
}

/** A date (YYYY-MM-DD) in Chinese words: 2026年11月5日. */
export function dayInWords(day) {
  if (!day) return ''
  const [y, m, d] = day.split('-').map(Number)
  return `${y}年${m}月${d}日`
}
