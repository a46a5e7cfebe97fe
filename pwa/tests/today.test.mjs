// The officer's day (src/lib/today.js): patrol time, distance and inspections; tasks to
// accept and due soon; documents with their upload state; "today" as the Shanghai day.
import 'fake-indexeddb/auto'
import { test } from 'node:test'
import assert from 'node:assert/strict'

const { trackMetres, patrolOfToday, tasksNeedingMe, myDocuments, issuedToday } = await import('../src/lib/today.js')

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
