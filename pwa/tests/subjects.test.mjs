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

test('a visit keeps the register id it named and a rectification order its inspection, for the re-inspection', () => {
  let list = remember([], shop('俞范水果店', 29.97, 121.62, { subject_id: 7, result: 'rectify', rectify_by: '2026-11-05', inspection_id: 'a1' }))
  assert.deepEqual([list[0].subject_id, list[0].inspection_id], [7, 'a1'])
  // the re-inspection of the same register subject replaces it, even under the sign's other name
  list = remember(list, shop('俞范水果（东门店）', 29.97, 121.62, { subject_id: 7, result: 'compliant', inspection_id: 'b2' }))
  assert.deepEqual(list.map((x) => [x.name, x.inspection_id, x.rectify_by]), [['俞范水果（东门店）', null, null]])
  assert.deepEqual(reinspectionsDue(list, '2026-11-06'), [])
  assert.equal(remember([], shop('无编号', 29.97, 121.62)).at(0).subject_id, null)
})

test('the rectification notice printed on the spot says what the server\'s numbered copy says', async () => {
  const { correctionNotice } = await import('../src/lib/paper.js')
  const n = correctionNotice({ party: { name: '俞范水果店' }, violation: '店外摆放商品占用人行道。', legalBasis: '《城市市容和环境卫生管理条例》第十四条',
    deadline: '2026-11-05', reconsiderationBody: '宁波市镇海区人民政府' })
  assert.equal(n.salutation, '俞范水果店：')
  assert.equal(n.facts, '经查，你（单位）店外摆放商品占用人行道。上述行为违反了《城市市容和环境卫生管理条例》第十四条的规定。')
  assert.ok(n.order.includes('现责令你（单位）于2026年11月5日前改正上述违法行为。'))
  assert.ok(n.remedies.includes('六十日内向宁波市镇海区人民政府申请行政复议') && n.remedies.includes('有管辖权的人民法院'))
  const bare = correctionNotice({ party: { name: '某店' } })
  assert.ok(bare.facts.includes('相关法律法规') && bare.order.includes('立即改正') && bare.remedies.includes('有管辖权的行政复议机关'))
})
