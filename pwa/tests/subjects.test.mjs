// Copy from the last visit (src/lib/subjects.js): one entry per subject, nearest first.
import 'fake-indexeddb/auto'
import { test } from 'node:test'
import assert from 'node:assert/strict'

const { remember, offer, reinspectionsDue, KEEP } = await import('../src/lib/subjects.js')

const shop = (name, lat, lon, extra = {}) => ({ name, address: `${name}路 1 号`, lat, lon, at: '2026-11-30T01:00:00Z', ...extra })

test('a subject is kept once, the latest visit first, and the list is bounded', () => {
  let list = remember([], shop('老王烧烤', 29.97, 121.62, { credit_code: '92330211MA2H00001P', result: 'rectify' }))
  list = remember(list, shop('李记水果', 29.971, 121.62))
  list = remember(list, shop('老王烧烤（新招牌）', 29.97, 121.62, { credit_code: '92330211MA2H00001P', result: 'compliant' }))
  assert.deepEqual(list.map((x) => x.name), ['老王烧烤（新招牌）', '李记水果'])
  assert.equal(list[0].result, 'compliant')
  for (let i = 0; i < KEEP + 10; i++) list = remember(list, shop(`店${i}`, 29.9, 121.5))
  assert.equal(list.length, KEEP)
})

test('the subjects near the officer come first, nearest first, then the recent ones', () => {
  const list = [shop('远处', 29.99, 121.66), shop('隔壁', 29.9702, 121.62), shop('门口', 29.97005, 121.62), shop('无位置', null, null)]
  const here = { lat: 29.97, lon: 121.62 }
  assert.deepEqual(offer(list, here).map((x) => x.name), ['门口', '隔壁', '远处', '无位置'])
  assert.deepEqual(offer(list, null, 2).map((x) => x.name), ['远处', '隔壁'])
})

test('rectifications whose deadline has come are due for re-inspection, the late ones flagged', () => {
  let list = remember([], shop('甲', 29.97, 121.62, { result: 'rectify', rectify_by: '2026-12-01' }))
  list = remember(list, shop('乙', 29.97, 121.62, { result: 'rectify', rectify_by: '2026-11-28' }))
  list = remember(list, shop('丙', 29.97, 121.62, { result: 'rectify', rectify_by: '2026-12-10' }))
  list = remember(list, shop('丁', 29.97, 121.62, { result: 'compliant', rectify_by: '2026-11-01' }))
  assert.deepEqual(reinspectionsDue(list, '2026-11-30').map((x) => [x.name, x.overdue]), [['乙', true], ['甲', false]])
})
