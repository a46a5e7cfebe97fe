// The vector base map's drawing rules (src/lib/vectorstyle.js) for the two common schemas.
// Run by tests/unit/test_pwa_modules.py.
import { test } from 'node:test'
import assert from 'node:assert/strict'

const { classOf, roadRank, landFill, COLOURS } = await import('../src/lib/vectorstyle.js')

test('a feature is classed by Protomaps kind or OpenMapTiles class', () => {
  assert.equal(classOf({ kind: 'major_road' }), 'major_road')
  assert.equal(classOf({ class: 'primary' }), 'primary')
  assert.equal(classOf({}), '')
})

test('roads rank the same in both schemas; unknown roads are minor', () => {
  assert.equal(roadRank({ kind: 'highway' }), 'major')
  assert.equal(roadRank({ class: 'primary' }), 'major')
  assert.equal(roadRank({ class: 'tertiary' }), 'medium')
  assert.equal(roadRank({ kind: 'path' }), 'path')
  assert.equal(roadRank({ class: 'rail' }), 'rail')
  assert.equal(roadRank({ class: 'something_new' }), 'minor')
})

test('land is filled by its use; what is neither is not drawn', () => {
  assert.equal(landFill({ kind: 'park' }), COLOURS.green)
  assert.equal(landFill({ class: 'forest' }), COLOURS.wood)
  assert.equal(landFill({ class: 'residential' }), COLOURS.residential)
  assert.equal(landFill({ kind: 'parking' }), null)
})
