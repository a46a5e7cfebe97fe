// Cases from the field (docs/cases.md): the officer's 立案申请 when a decision cannot be made
// on the spot, and evidence or a 询问笔录 added to a case — records in the outbox like any
// other, sent when there is signal. No DOM here.
import { enqueue } from './outbox.js'

// the stages in which the field may still add evidence and records (procedure.STEPS);
// stage and deadline words are the desk's (lib/desk.js)
export const FIELD_STAGES = ['filed', 'investigating', 'notified', 'reviewed']

// the rule-engine refusals that mean "not on the spot, but a case can be opened"
export const CASE_INSTEAD = {
  'ticket.amount_over_cap': '罚款超过当场处罚限额，须按一般程序立案调查',
  'ticket.matter_not_simple': '该事项不适用简易程序，须按一般程序立案调查',
  'ticket.other_penalty_required': '依据规定须并处其他处罚，不能当场处罚，须按一般程序立案调查',
}

/** The first refusal that a case would answer, or null. */
export function caseInstead(refusals) {
  return (refusals || []).find((r) => CASE_INSTEAD[r.code]) || null
}

/** The party of a 立案申请 from what the officer typed: a credit code makes it an organization. */
export function partyOf({ type, name, idNumber = '', address = '', phone = '' }) {
  const kind = type || (idNumber && idNumber.length === 18 && !/^\d{17}[\dX]$/.test(idNumber) ? 'organization' : 'citizen')
  return { type: kind, name: name.trim(), id_number: (idNumber || '').trim(), address: (address || '').trim(), phone: (phone || '').trim() }
}

/**
 * Queue a 立案申请 (`case_proposal`). `officers` are the sender and the second officer:
 * they become the case's two handlers; photos are its first evidence.
 */
export async function proposeCase({ officer, party, matterCode, facts, placeText = '', violatedAt = null, partner, photos = [],
  inspectionId = null, reason = '' }) {
  if (!partner) throw new Error('partner')
  const payload = {
    party, matter_code: matterCode, facts: (facts || '').trim() || reason, place_text: placeText, officers: [officer, partner],
    photos: [...photos], reason,
    ...(violatedAt ? { violated_at: violatedAt } : {}),
    ...(inspectionId ? { inspection_id: inspectionId } : {}),
  }
  return enqueue({ id: crypto.randomUUID(), kind: 'case_proposal', officer, payload, photos })
}

/** Queue evidence, a 询问笔录 or a 现场检查笔录 for a case (`case_step`). */
export async function addCaseStep({ officer, caseId, step, photos = [] }) {
  return enqueue({ id: crypto.randomUUID(), kind: 'case_step', officer, payload: { case_id: caseId, step }, photos })
}
