// Cases from the field (src/lib/cases.js): which refusals a case answers, the party of a
// 立案申请, and the records the outbox keeps for it.
import 'fake-indexeddb/auto'
import { test } from 'node:test'
import assert from 'node:assert/strict'

const { caseInstead, partyOf, proposeCase, addCaseStep } = await import('../src/lib/cases.js')
const { db } = await import('../src/lib/db.js')

test('only the refusals that mean "not on the spot" offer a case', () => {
  assert.equal(caseInstead([{ code: 'ticket.not_informed' }]), null)
  assert.equal(caseInstead([{ code: 'ticket.not_informed' }, { code: 'ticket.amount_over_cap' }]).code, 'ticket.amount_over_cap')
  assert.equal(caseInstead([]), null)
})

test('a credit code makes the party an organization, a resident ID a citizen', () => {
  assert.equal(partyOf({ name: ' 宁波某某餐饮有限公司 ', idNumber: '91330206MA2AAAAA0X' }).type, 'organization')
  assert.equal(partyOf({ name: '王某', idNumber: '33021119800101123X' }).type, 'citizen')
  assert.equal(partyOf({ name: '王某' }).type, 'citizen')
  assert.equal(partyOf({ type: 'organization', name: '某店' }).type, 'organization')
  assert.equal(partyOf({ name: ' 王某 ' }).name, '王某')
})

test('a proposal names both handlers and the inspection; a field step names its case', async () => {
  await assert.rejects(proposeCase({ officer: 'zf001', partner: '', party: partyOf({ name: '某店' }), matterCode: 'HJ-003' }))
  await proposeCase({ officer: 'zf001', partner: 'zf002', party: partyOf({ name: '某店' }), matterCode: 'HJ-003', facts: '',
    reason: '不适用简易程序', inspectionId: 'i-1', photos: ['a'.repeat(64)] })
  await addCaseStep({ officer: 'zf001', caseId: 7, step: { kind: 'evidence', source: 'photo', sha256: 'b'.repeat(64), label: '照片' },
    photos: ['b'.repeat(64)] })
  const [proposal, step] = await db.outbox.orderBy('seq').toArray()
  assert.equal(proposal.kind, 'case_proposal')
  assert.deepEqual(proposal.payload.officers, ['zf001', 'zf002'])
  assert.equal(proposal.payload.facts, '不适用简易程序') // an empty fact gives the reason, never nothing
  assert.equal(proposal.payload.inspection_id, 'i-1')
  assert.deepEqual(proposal.photos, ['a'.repeat(64)])
  assert.equal(step.kind, 'case_step')
  assert.equal(step.payload.case_id, 7)
})
