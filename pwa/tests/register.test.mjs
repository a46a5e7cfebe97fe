// The register offline (src/lib/register.js): search by name, initials, credit code and address,
// ranked as the server ranks; what is around here; a new name that resembles a subject nearby.
import { test } from 'node:test'
import assert from 'node:assert/strict'

const { prepare, search, nearby, resembling, nameSimilarity, sameSubject, NEAR_M } = await import('../src/lib/register.js')

const COLUMNS = ['id', 'name', 'initials', 'address', 'credit_code', 'lat', 'lon', 'kind', 'risk_class']
const USCC = '91330206MA2AAAAA07'
// as GET /api/v1/subjects/register sends them (0.001° of latitude ≈ 111 m)
const REGISTER = {
  columns: COLUMNS,
  version: 'v1',
  rows: [
    [1, '老王水果店', 'lwsgd', '新碶街道明州路1号', '', 29.9700, 121.6200, 'shop', 'medium'],
    [2, '小王水果店', 'xwsgd', '新碶街道明州路9号', '', 29.9750, 121.6300, 'shop', 'medium'],
    [3, '宁波某某餐饮有限公司', 'nbmmcyyxgs', '俞范东路8号', USCC, 29.9600, 121.6600, 'company', 'high'],
    [4, '水果批发市场', 'sgpfsc', '俞范东路20号', '', null, null, 'site', 'low'],
    [5, '俞范便利店', 'yfbld', '俞范东路10号', '92330211MA2H00001P', 29.9601, 121.6601, 'individual_business', 'medium'],
    [6, 'Apple 专卖店', 'zmd', '明州路88号', '', 29.9705, 121.6205, 'shop', 'low'],
  ],
}
const names = (list) => list.map((s) => s.name)

test('a name fragment, the initials, a code prefix and an address find their subjects', () => {
  const reg = prepare(REGISTER)
  assert.deepEqual(names(search(reg, '水果')), ['水果批发市场', '小王水果店', '老王水果店'])
  assert.deepEqual(names(search(reg, 'lwsgd')), ['老王水果店']) // pinyin initials, as typed on a phone keyboard
  assert.deepEqual(names(search(reg, 'LWS')), ['老王水果店']) // initials in capitals too
  assert.deepEqual(names(search(reg, USCC.slice(0, 8).toLowerCase())), ['宁波某某餐饮有限公司']) // a code prefix, any case
  assert.deepEqual(names(search(reg, '明州路9')), ['小王水果店']) // an address
  assert.deepEqual(names(search(reg, 'apple')), ['Apple 专卖店']) // Latin letters in a name, any case
  assert.deepEqual(names(search(reg, '  老王  ')), ['老王水果店']) // spaces around the text do not matter
  assert.deepEqual(search(reg, '%'), []) // text, never a pattern
  assert.deepEqual(search(prepare(null), '水果'), []) // no register yet: nothing, no error
})

test('ranked as the server: the code typed whole, then names beginning with the text, then the nearest, then the name', () => {
  const reg = prepare(REGISTER)
  // a whole code first even where another subject's address holds the text
  const withCode = prepare({ ...REGISTER, rows: [...REGISTER.rows, [7, '另一家', 'lyj', `门牌 ${USCC}`, '', 29.97, 121.62, 'shop', 'low']] })
  assert.deepEqual(names(search(withCode, USCC)), ['宁波某某餐饮有限公司', '另一家'])
  // names beginning with the text before names holding it; among them the nearest first
  const here = { lat: 29.9751, lon: 121.6301 }
  assert.deepEqual(names(search(reg, '水果', here)), ['水果批发市场', '小王水果店', '老王水果店'])
  assert.deepEqual(names(search(reg, '水果店', here)), ['小王水果店', '老王水果店'])
  assert.deepEqual(names(search(reg, '水果店', { lat: 29.9701, lon: 121.6201 })), ['老王水果店', '小王水果店'])
  // without a position: by name (code point order, as the server's Python sort)
  assert.deepEqual(names(search(reg, '店')), ['Apple 专卖店', '俞范便利店', '小王水果店', '老王水果店'])
  // the distance comes with each result when a position was given, else null
  assert.ok(search(reg, '老王', { lat: 29.9701, lon: 121.6200 })[0].distanceM > 10)
  assert.equal(search(reg, '老王')[0].distanceM, null)
  assert.equal(search(reg, '店', null, { limit: 2 }).length, 2)
})

test('with nothing typed, what lies around here, nearest first', () => {
  const reg = prepare(REGISTER)
  assert.deepEqual(names(nearby(reg, { lat: 29.9701, lon: 121.6201 })), ['老王水果店', 'Apple 专卖店'])
  assert.deepEqual(names(search(reg, '', { lat: 29.9602, lon: 121.6602 })), ['俞范便利店', '宁波某某餐饮有限公司'])
  assert.deepEqual(search(reg, '', null), []) // nothing typed, no position: nothing to offer
  assert.deepEqual(names(nearby(reg, { lat: 29.9701, lon: 121.6201 }, { radiusM: 10_000 })).slice(0, 3), ['老王水果店', 'Apple 专卖店', '小王水果店'])
  assert.equal(NEAR_M, 300)
})

test('a new name resembling a subject within 100 m is offered; a far one or another name is not', () => {
  const reg = prepare(REGISTER)
  const here = { lat: 29.9602, lon: 121.6600 }
  const hit = resembling(reg, '俞范便利', here)
  assert.equal(hit.name, '俞范便利店')
  assert.ok(hit.distanceM > 10 && hit.distanceM < 100)
  assert.equal(resembling(reg, ' 俞范 便利店 ', here).similarity, 1) // the same name, retyped with spaces
  assert.equal(resembling(reg, '俞范便利店（东门）', here).name, '俞范便利店') // the register's name inside the new one
  assert.equal(resembling(reg, '俞范便利店', { lat: 29.9650, lon: 121.6600 }), null) // 550 m away
  assert.equal(resembling(reg, '张三修车铺', here), null) // another name
  assert.equal(resembling(reg, '店', here), null) // one character says nothing
  assert.equal(resembling(reg, '俞范便利店', null), null) // no position, no "nearby"
  assert.ok(nameSimilarity('老王烧烤', '老王烧烤店') >= 0.9)
  assert.ok(nameSimilarity('老王烧烤', '小李烧烤') < 0.5)
})

test('a remembered visit finds its register subject by id, code, or name and address', () => {
  const reg = prepare(REGISTER)
  assert.equal(sameSubject(reg, { subject_id: 2, name: '改了名' }).id, 2)
  assert.equal(sameSubject(reg, { name: '某某餐饮', credit_code: USCC.toLowerCase() }).id, 3)
  assert.equal(sameSubject(reg, { name: ' 老王水果店', address: '新碶街道明州路1号 ' }).id, 1)
  assert.equal(sameSubject(reg, { name: '老王水果店', address: '别处' }), null)
  assert.equal(sameSubject(reg, { name: '俞范便利店', address: '俞范东路10号' }), null) // it has a code: the name alone is not enough
  assert.equal(prepare(REGISTER), reg) // prepared once per load
  assert.equal(prepare(structuredClone(REGISTER)), reg) // the same version read again from IndexedDB
  const changed = { ...REGISTER, version: 'v2', rows: REGISTER.rows.slice(1) }
  assert.deepEqual(names(search(prepare(changed), '老王')), []) // a new version is prepared anew
})

test("the register carries each subject's earlier matters (首违不罚), by id and by credit code", () => {
  const reg = prepare({ columns: [...COLUMNS, 'priors'], version: 'v2',
    rows: REGISTER.rows.map((r) => [...r, r[0] === 3 ? ['SR-001'] : []]) })
  assert.deepEqual(reg.byId.get(3).priors, ['SR-001'])
  assert.deepEqual(reg.byCode.get(USCC).priors, ['SR-001'])
  assert.deepEqual(search(reg, USCC)[0].priors, ['SR-001'])
  assert.deepEqual(reg.byId.get(1).priors, [])
  assert.deepEqual(prepare(REGISTER).byId.get(3).priors, []) // an older server's register: none known
})
