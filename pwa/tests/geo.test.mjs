// §22 on the phone: is the place inside the street's cached boundary? (src/lib/geo.js)
import { test } from 'node:test'
import assert from 'node:assert/strict'

const { inGeometry } = await import('../src/lib/geo.js')
const street = { type: 'Polygon', coordinates: [[[121.60, 29.95], [121.66, 29.95], [121.66, 30.00], [121.60, 30.00], [121.60, 29.95]]] }
const multi = { type: 'MultiPolygon', coordinates: [street.coordinates] }

test('a place in the street, in the next street, in Beijing, and no boundary at all', () => {
  assert.equal(inGeometry(street, 29.97, 121.62), true)
  assert.equal(inGeometry(multi, 29.97, 121.62), true)
  assert.equal(inGeometry(street, 29.97, 121.70), false)
  assert.equal(inGeometry(street, 39.9087, 116.3975), false)
  assert.equal(inGeometry(null, 29.97, 121.62), null) // unknown: the server decides
})
