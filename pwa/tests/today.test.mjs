// The officer's day (src/lib/today.js): patrol time, distance and inspections; tasks to
// accept and due soon; re-inspections due, from the server and this phone; documents with
// their upload state; "today" as the Shanghai day.
import 'fake-indexeddb/auto'
import { test } from 'node:test'
import assert from 'node:assert/strict'

const { trackMetres, patrolOfToday, tasksNeedingMe, myDocuments, issuedToday, reinspectionsToday, reinspectionWhen, dayInWords } =
  await import('../src/lib/today.js')

// 0.001° of latitude ≈ 111.2 m
const walk = [0, 1, 2, 3].map((i) => ({ lat: 29.87 + i * 0.001, lon: 121.55, accuracy: 10 }))

test('distance counts good fixes only', () => {
  assert.ok(Math.abs(trackMetres(walk) - 333.6) < 1)
  const vague = [walk[0], { lat: 29.9, lon: 121.6, accuracy: 400 }, walk[1]]
  assert.ok(Math.abs(trackMetres(vague) - 111.2) < 1) // the 400 m fix would add kilometres
  assert.equal(trackMetres([]), 0)
})

test('the patrol in progress shows its time, distance and inspections; else today\'s add up', () => {
  const now = Date.parse('2026-12-01T03:00:00Z') // 11:00 Shanghai
  const active = { id: 'p1', officer: 'zf001', status: 'active', startedAt: '2026-12-01T02:00:00Z', points: walk.slice(0, 2), buffer: walk.slice(2), inspections: 2 }
  const day = patrolOfToday([active], 'zf001', now)
  assert.equal(day.active, true)
  assert.equal(day.seconds, 3600)
  assert.equal(day.inspections, 2)
  assert.ok(Math.abs(day.km - 0.3336) < 0.001)
  // a companion sees the patrol too; another officer does not
  assert.equal(patrolOfToday([active], 'zf002', now), null)
  assert.equal(patrolOfToday([{ ...active, officers: ['zf001', 'zf002'] }], 'zf002', now).active, true)
  const ended = [
    { id: 'a', officer: 'zf001', status: 'ended', startedAt: '2026-11-30T16:30:00Z', endedAt: '2026-11-30T17:30:00Z', points: walk, inspections: 1 }, // 00:30 local today
    { id: 'b', officer: 'zf001', status: 'ended', startedAt: '2026-11-30T15:00:00Z', endedAt: '2026-11-30T15:30:00Z', points: walk, inspections: 5 }, // 23:00 local yesterday
    { id: 'c', officer: 'zf001', status: 'ended', startedAt: '2026-12-01T01:00:00Z', endedAt: '2026-12-01T01:30:00Z', points: [], inspections: 1 },
  ]
  const sum = patrolOfToday(ended, 'zf001', now)
  assert.equal(sum.active, false)
  assert.equal(sum.count, 2)
  assert.equal(sum.seconds, 5400)
  assert.equal(sum.inspections, 2)
})

test('tasks to accept and tasks due within a day, the late ones flagged, moves on this phone counted', () => {
  const now = Date.parse('2026-12-01T03:00:00Z')
  const tasks = [
    { id: 1, status: 'dispatched', due_at: '2026-12-01T04:00:00Z' },
    { id: 2, status: 'accepted', due_at: '2026-12-01T02:00:00Z' },
    { id: 3, status: 'in_progress', due_at: '2026-12-05T02:00:00Z' },
    { id: 4, status: 'accepted', due_at: '2026-12-01T20:00:00Z' },
    { id: 5, status: 'done', due_at: '2026-12-01T01:00:00Z' },
    { id: 6, status: 'dispatched' },
  ]
  const r = tasksNeedingMe(tasks, { 6: 'accepted', 4: 'done' }, now)
  assert.deepEqual(r.toAccept.map((x) => x.id), [1])
  assert.deepEqual(r.dueSoon.map((x) => [x.id, x.overdue]), [[2, true]])
  assert.equal(r.open, 4)
})

test('my documents: newest first, pending until acknowledged, void when the server says so', () => {
  const tickets = [
    { id: 't1', number: 'A1', officer: 'zf001', issuedAt: '2026-12-01T01:00:00Z', payload: { party: { name: '王' }, penalty: { kind: 'fine', amount_fen: 5000 } } },
    { id: 't2', number: 'A2', officer: 'zf001', issuedAt: '2026-12-01T02:00:00Z', payload: { party: { name: '李' }, penalty: { kind: 'warning' } } },
    { id: 't3', number: 'A3', officer: 'zf001', issuedAt: '2026-11-30T02:00:00Z', serverStatus: 'voided', payload: { party: { name: '赵' }, penalty: { kind: 'warning' } } },
    { id: 't4', number: 'B1', officer: 'zf002', issuedAt: '2026-12-01T02:00:00Z', payload: {} },
  ]
  const outbox = [{ id: 't2', kind: 'ticket', status: 'pending' }, { id: 't1', kind: 'ticket', status: 'photos' }]
  const docs = myDocuments(tickets, outbox, 'zf001')
  assert.deepEqual(docs.map((d) => [d.number, d.state]), [['A2', 'pending'], ['A1', 'uploaded'], ['A3', 'void']])
  assert.equal(docs[1].amountFen, 5000)
  assert.deepEqual(issuedToday(docs, Date.parse('2026-12-01T03:00:00Z')).map((d) => d.number), ['A2', 'A1'])
})

// GET /api/v1/reinspections items, as kept on the phone
const order = (id, name, deadline, due, extra = {}) => ({
  id, subject: { id: 10 + name.length, name, address: `${name}路 1 号`, credit_code: null }, matter_code: 'SR-001',
  rectify_deadline: deadline, reinspect_due: due, overdue: false, lat: 29.97, lon: 121.62, notes: '占道', ...extra,
})
const mine = (name, rectifyBy, inspectionId, at) => ({ name, address: '', credit_code: '', result: 'rectify', rectify_by: rectifyBy,
  inspection_id: inspectionId, at, lat: 29.97, lon: 121.62, matter_code: '', subject_id: null })

test('re-inspections due: the server\'s list, and the orders this phone made that the server had not yet', () => {
  const today = '2026-11-06'
  const server = { at: Date.parse('2026-11-06T01:00:00Z'), items: [order('r1', '老王烧烤', '2026-11-05', '2026-11-06'), order('r0', '李记', '2026-11-02', '2026-11-03')] }
  const local = [
    mine('新单', '2026-11-05', 'r9', '2026-11-05T02:00:00Z'),     // still in the outbox: the server could not know it
    mine('晚单', '2026-11-05', 'r8', '2026-11-06T02:00:00Z'),     // made after the answer
    mine('老王烧烤', '2026-11-05', 'r1', '2026-11-01T02:00:00Z'), // the server's own
    mine('已知', '2026-11-04', 'r7', '2026-11-01T02:00:00Z'),     // sent before the answer, not listed: not due or done
    mine('远期', '2026-11-20', 'r6', '2026-11-06T02:00:00Z'),     // its day has not come
  ]
  const list = reinspectionsToday({ server, local, today, unsent: new Set(['r9']) })
  assert.deepEqual(list.map((x) => [x.id, x.name, x.due, x.overdue, x.daysLate]), [
    ['r0', '李记', '2026-11-03', true, 3], ['r9', '新单', '2026-11-06', false, 0],
    ['r8', '晚单', '2026-11-06', false, 0], ['r1', '老王烧烤', '2026-11-06', false, 0]])
  assert.deepEqual([list[3].subjectId, list[3].matter_code, list[3].rectifyBy], [14, 'SR-001', '2026-11-05'])
  // never fetched: the phone's own list alone (its old entries too)
  assert.deepEqual(reinspectionsToday({ local, today }).map((x) => x.id), ['r7', 'r9', 'r8', 'r1'])
  // re-inspected on this phone: shown as recorded until it uploads, then gone
  const after = reinspectionsToday({ server, local, today, unsent: new Set(['r9']), followed: new Set(['r1', 'r0']), pending: new Set(['r1']) })
  assert.deepEqual(after.map((x) => [x.id, x.recorded]), [['r9', false], ['r8', false], ['r1', true]])
})

test('when a re-inspection is due, in words: the late ones by days, today, tomorrow, a day', () => {
  const today = '2026-11-06'
  const at = (due, extra = {}) => reinspectionsToday({ server: { at: 0, items: [order('x', '店', '2026-11-01', due)] }, local: [], today, ...extra })[0]
  assert.deepEqual(reinspectionWhen(at('2026-11-03'), today), ['已逾期 3 天', '3 days late'])
  assert.deepEqual(reinspectionWhen(at('2026-11-05'), today), ['已逾期 1 天', '1 day late'])
  assert.deepEqual(reinspectionWhen(at('2026-11-06'), today), ['今日复查', 'Due today'])
  assert.deepEqual(reinspectionWhen(at('2026-11-07'), today), ['明日复查', 'Due tomorrow'])
  assert.deepEqual(reinspectionWhen(at('2026-11-10'), today), ['11月10日复查', 'Due 10/11'])
  assert.deepEqual(reinspectionWhen(at('2026-11-03', { followed: new Set(['x']), pending: new Set(['x']) }), today), ['已复查，待上传', 'Re-inspected, not uploaded'])
  assert.equal(dayInWords('2026-11-05'), '2026年11月5日')
})
