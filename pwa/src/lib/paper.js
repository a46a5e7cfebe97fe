// The words a decision prints, filled from the server's template table (GET /api/v1/rules →
// rules.paper, cached offline) with the street's fields (GET /me → jurisdiction): the same
// functions as backend/tickets/paper.py, so the phone's copy and the server's say the same.
// tests/unit/test_pwa_paper.py runs both over the same cases.

const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ''))

export function remedies(rules, body) {
  const p = rules.paper
  return fill(p.remedies, { body: (body || '').trim() || p.remedies_no_body })
}

export function paymentNotice(rules, kind, route, receipt, channel) {
  if (kind !== 'fine' && kind !== 'warning_fine') return ''
  const p = rules.paper
  if (route === 'on_the_spot') return fill(p.payment_cash, { receipt: (receipt || '').trim() || '—' })
  return fill(p.payment_bank, { days: rules.payment_days, channel: (channel || '').trim() || '指定银行或者电子支付系统' })
}

export function informedNotice(rules, said) {
  const p = rules.paper
  return fill(p.informed, { said: (said || '').trim() || p.said_nothing })
}

const day = (iso) => { const [y, m, d] = iso.split('-'); return `${Number(y)}年${Number(m)}月${Number(d)}日` }

/** The ignored order a fine presupposes (逾期不改正 / 拒不改正), in words ('' when none). */
export function priorOrderNotice(rules, order) {
  if (!order || !order.precondition) return ''
  const i = order.precondition.indexOf('，')
  const [orderWords, ignored] = i < 0 ? [order.precondition, ''] : [order.precondition.slice(0, i), order.precondition.slice(i + 1)]
  return fill(rules.paper.prior_order, {
    ordered_on: day(order.ordered_on), order: orderWords, deadline: order.deadline ? `（期限至${day(order.deadline)}）` : '',
    ignored: ignored || '未改正', reference: order.reference ? `（${order.reference}）` : '',
  })
}

export function circumstancesNotice(rules, c) {
  const p = rules.paper
  const parts = []
  if (c.minor_age !== undefined && c.minor_age !== null) parts.push(fill(p.minor, { age: c.minor_age }))
  if (c.capacity === 'limited' && !(c.grounds || []).includes('art31_limited')) parts.push(p.limited)
  for (const g of c.grounds || []) if (rules.mitigation_grounds[g]) parts.push(rules.mitigation_grounds[g])
  if (c.reason) parts.push(fill(p.reason, { reason: c.reason }))
  if (c.individual_business) parts.push(p.individual_business)
  return parts.join('；')
}

/** The §30–32 facts the server records for a decision (rules.circumstances), from the phone's proposal. */
export function circumstancesOf(party, mitigation, minorAge, rules = null) {
  const c = {}
  if (minorAge !== null && minorAge !== undefined) c.minor_age = minorAge
  if (party.capacity === 'limited' || party.capacity === 'none') c.capacity = party.capacity
  if ((mitigation?.grounds || []).length) c.grounds = [...mitigation.grounds]
  if ((mitigation?.reason || '').trim()) c.reason = mitigation.reason.trim()
  const asCitizen = rules ? rules.individual_business_as_citizen !== false : true
  if (asCitizen && party.type === 'organization' && ((party.credit_code || '').toUpperCase().startsWith('92') || party.individual_business)) c.individual_business = true
  return c
}

/** 责令（限期）改正通知书 as the phone prints it on the spot, in the words of the server's numbered
 *  copy (backend/cases/documents/templates.json `correction_order`, filled by
 *  backend/patrols/inspections.py `correction_notice`): its paragraphs in order. `n`: {party,
 *  violation (the inspection's notes), legalBasis (the matter's), deadline (YYYY-MM-DD),
 *  reconsiderationBody, court}. */
export function correctionNotice(n) {
  const violation = (n.violation || '').trim().replace(/[。；;，,\s]+$/, '')
  const basis = (n.legalBasis || '').trim() || '相关法律法规'
  const body = (n.reconsiderationBody || '').trim() || '有管辖权的行政复议机关'
  const court = (n.court || '').trim() || '有管辖权的人民法院'
  return {
    title: '责令（限期）改正通知书',
    salutation: `${n.party?.name || ''}：`,
    facts: `经查，你（单位）${violation || '存在需要改正的违法行为'}。上述行为违反了${basis}的规定。`,
    order: `根据《中华人民共和国行政处罚法》第二十八条第一款的规定，现责令你（单位）${n.deadline ? `于${day(n.deadline)}前` : '立即'}改正上述违法行为。`
      + `改正要求：${violation || '按要求改正违法行为'}`,
    warning: '逾期不改正的，本机关将依法处理。',
    remedies: `如不服本通知，可以在收到本通知书之日起六十日内向${body}申请行政复议，或者在六个月内依法向${court}提起行政诉讼。`,
  }
}
