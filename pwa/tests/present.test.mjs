// What a person reads in the console's tables (src/lib/present.js): no column keys, no UTC
// timestamps, no English enum values, no fen. Run by tests/unit/test_pwa_modules.py.
import 'fake-indexeddb/auto'
import { test } from 'node:test'
import assert from 'node:assert/strict'

const { columnLabel, cellText } = await import('../src/lib/present.js')
const { i18n } = await import('../src/lib/i18n.js')

test('columns are named in words', () => {
  i18n.locale = 'zh-CN'
  assert.equal(columnLabel('subject_name'), '检查对象')
  assert.equal(columnLabel('amount_fen'), '罚款')
  assert.equal(columnLabel('some_new_key'), 'some new key') // never the raw key with underscores
})

test('cells are money, local times, words', () => {
  i18n.locale = 'zh-CN'
  assert.equal(cellText('amount_fen', 15000), '¥150.00')
  assert.match(cellText('opened_at', '2026-11-30T16:30:00+00:00'), /2026\/12\/1.*0?0:30:00/)
  assert.equal(cellText('result', 'compliant'), '合格')
  assert.equal(cellText('on_time', false), '否')
  assert.equal(cellText('closed_at', null), '—')
  assert.equal(cellText('dispatch_to_feedback_s', 600), '10')
  i18n.locale = 'en'
  assert.equal(cellText('stage', 'executing'), 'executing')
  assert.equal(columnLabel('subject_name'), 'Subject')
  i18n.locale = 'zh-CN'
})
