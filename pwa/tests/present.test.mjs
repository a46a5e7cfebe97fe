// What a person reads in the console's tables (src/lib/present.js): no column keys, no UTC
// timestamps, no English enum values, no fen. Run by tests/unit/test_pwa_modules.py.
import 'fake-indexeddb/auto'
import { test } from 'node:test'
import assert from 'node:assert/strict'

const { columnLabel, cellText, setDictionary } = await import('../src/lib/present.js')
// the server's dictionary (backend/supervision/columns.py), as GET /supervision/dictionary serves it
setDictionary({
  columns: { subject_name: { 'zh-CN': '检查对象', en: 'Subject' }, amount_fen: { 'zh-CN': '罚款', en: 'Fine' } },
  values: { compliant: { 'zh-CN': '合格', en: 'compliant' }, executing: { 'zh-CN': '执行', en: 'executing' },
    not_syncing: { 'zh-CN': '久未同步', en: 'not syncing' }, queue_long: { 'zh-CN': '积压过多', en: 'queue backed up' } },
})
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
  assert.equal(cellText('alarms', 'not_syncing,queue_long'), '久未同步、积压过多')
  i18n.locale = 'en'
  assert.equal(cellText('stage', 'executing'), 'executing')
  assert.equal(columnLabel('subject_name'), 'Subject')
  i18n.locale = 'zh-CN'
})

test("a download keeps the server's Chinese file name (RFC 6266 filename*)", async () => {
  const { dispositionName } = await import('../src/lib/files.js')
  assert.equal(dispositionName(`inline; filename*=UTF-8''${encodeURIComponent('责令改正通知书-蛟川街道综执改字〔2026〕第0001号.pdf')}`),
    '责令改正通知书-蛟川街道综执改字〔2026〕第0001号.pdf')
  assert.equal(dispositionName('attachment; filename="inspections.csv"'), 'inspections.csv')
  assert.equal(dispositionName(`attachment; filename="a.pdf"; filename*=UTF-8''%E6%A1%88.pdf`), '案.pdf')
  assert.equal(dispositionName(''), null)
})
