// Days and times in Asia/Shanghai whatever the machine's zone (src/lib/time.js). Run by
// tests/unit/test_pwa_modules.py with TZ=UTC and TZ=America/Los_Angeles: the console's
// "today" and the phone's issue day must not follow the device's zone.
import 'fake-indexeddb/auto'
import { test } from 'node:test'
import assert from 'node:assert/strict'

const { localDay, addDays, dateTime, timeOfDay, fromLocalInput } = await import('../src/lib/time.js')
const { i18n } = await import('../src/lib/i18n.js')

test('the local day of an instant is the Shanghai day', () => {
  assert.equal(localDay(new Date('2026-11-30T16:30:00Z')), '2026-12-01') // 00:30 in Shanghai, still 30 Nov in UTC
  assert.equal(localDay(new Date('2026-12-04T15:30:00Z')), '2026-12-04') // 23:30 in Shanghai
  assert.equal(localDay(new Date('2026-12-04T16:00:00Z')), '2026-12-05') // local midnight
  assert.equal(localDay('2026-09-20T01:30:00Z'), '2026-09-20')
})

test('days are added across months and years', () => {
  assert.equal(addDays('2026-12-31', 1), '2027-01-01')
  assert.equal(addDays('2026-03-01', -1), '2026-02-28')
  assert.equal(addDays('2026-12-01', 0), '2026-12-01')
})

test('times read in Shanghai, 24-hour, in the UI language', () => {
  i18n.locale = 'zh-CN'
  assert.match(timeOfDay('2026-11-30T16:30:05Z'), /^0?0:30:05$/)
  assert.match(dateTime('2026-11-30T16:30:05Z'), /2026\/12\/1.*0?0:30:05/)
  i18n.locale = 'en'
  assert.match(dateTime('2026-11-30T16:30:05Z'), /01\/12\/2026.*00:30:05/)
  i18n.locale = 'zh-CN'
  assert.equal(dateTime(null), '')
})

test('a wall time typed on a desk is a Shanghai wall time', () => {
  assert.equal(fromLocalInput('2026-12-01T00:30'), '2026-11-30T16:30:00.000Z')
  assert.equal(fromLocalInput(''), null)
})
