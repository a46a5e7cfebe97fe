// The forms of the case's steps, as data (the desk's StepForm draws them): exactly the fields
// of each kind's schema (backend/cases/step_schemas.py) with Chinese labels, what shows when,
// sensible first values, and the payload they make. Pure: pwa/tests/desk.test.mjs runs it.
import { t } from '../../lib/i18n.js'
import { fromLocalInput, addDays } from '../../lib/time.js'
import { money, toFen, yuanInput, localInput, PENALTY, METHODS, EVIDENCE } from '../../lib/desk.js'

const CLOSE = {
  paid: ['罚款已缴清', 'Paid'], enforced: ['已申请强制执行', 'Enforcement applied for'], no_fine: ['警告已执行', 'Warning given'],
  not_punished: ['不予行政处罚', 'Not punished'], withdrawn: ['撤销立案', 'Withdrawn'],
}
const OPINIONS = { agree: ['同意', 'Agree'], revise: ['建议修改', 'Revise'], disagree: ['不同意', 'Disagree'] }
const CHANNELS = { sms: ['短信', 'SMS'], email: ['电子邮件', 'E-mail'], wechat: ['微信', 'WeChat'], other: ['其他', 'Other'] }
const OUTCOMES = { release: ['解除登记保存', 'Release'], confiscate: ['依法没收', 'Confiscate'], transfer: ['移送有关部门', 'Transfer'],
  inspect: ['检验、检测、鉴定', 'Test or appraise'] }
const REVIEW_ITEMS = ['主体合法', '事实清楚', '证据确凿', '程序合法', '适用依据正确', '裁量适当']

// --- a step's form, as data ------------------------------------------------------------------
// field: {key, type, zh, en, req, options: {value: [zh, en]}, sub: [fields], when(values, ctx)}
// types: text, area, date, datetime, time, int, money, bool, choice (segments), pick (a list of
// rows: officers, documents), person, rows, lines, checks

const F = (key, type, zh, en, more = {}) => ({ key, type, zh, en, ...more })
const ON = F('on', 'date', '日期', 'Date')
const SIGNED = [
  F('signed', 'bool', '当事人已签名', 'Signed by the party'),
  F('refused_note', 'text', '拒签情况', 'Refusal noted', { when: (v) => !v.signed }),
  F('witness', 'text', '见证人', 'Witness', { when: (v) => !v.signed }),
]
const notWarning = (v) => v.penalty_kind !== 'warning'
const PENALTY_FIELDS = (amountZh) => [
  F('penalty_kind', 'choice', '处罚种类', 'Penalty', { req: true, options: (ctx) => pick(PENALTY, ctx.penalties) }),
  F('tier', 'pick', '裁量档次（裁量基准）', 'Discretion tier', { options: (ctx) => ctx.tiers, when: (v, ctx) => ctx.tiers.length > 0 }),
  F('amount_fen', 'money', amountZh, 'Fine (yuan)', { req: true, when: notWarning, hint: (ctx) => rangeHint(ctx) }),
]
const pick = (table, keys) => Object.fromEntries(keys.filter((k) => table[k]).map((k) => [k, table[k]]))
const rangeHint = (ctx) => (ctx.range ? t(`法定幅度 ${money(ctx.range.min_fen)}–${money(ctx.range.max_fen)}`,
  `legal range ${money(ctx.range.min_fen)}–${money(ctx.range.max_fen)}`) : '')
const ATTENDEE = [F('name', 'text', '姓名', 'Name', { req: true }), F('role', 'text', '身份', 'Role'), F('title', 'text', '职务', 'Title')]

export const FORMS = {
  filing_approval: [
    F('approve', 'choice', '审批意见', 'Decision', { req: true, options: { yes: ['同意立案', 'File the case'], no: ['不予立案', 'Do not file'] } }),
    F('opinion', 'area', '审批意见', 'Opinion', { req: true }),
    F('reason', 'area', '立案理由', 'Reason'),
    F('late_reason', 'area', '逾期立案理由', 'Why filed late', { when: (v, ctx) => ctx.filingLate }),
  ],
  questioning: [
    F('started_at', 'datetime', '询问开始', 'Started', { req: true }), F('ended_at', 'datetime', '询问结束', 'Ended', { req: true }),
    F('place', 'text', '询问地点', 'Place', { req: true }),
    F('interviewee', 'person', '被询问人', 'Interviewee', { sub: [F('name', 'text', '姓名', 'Name', { req: true }),
      F('id_number', 'text', '身份证件号码', 'ID number'), F('relation', 'text', '与案件关系', 'Relation'), F('phone', 'text', '联系电话', 'Phone')] }),
    F('rights_told', 'bool', '已告知权利义务', 'Rights told'),
    F('qa', 'rows', '问答', 'Questions and answers', { req: true, sub: [F('q', 'area', '问', 'Q', { req: true }), F('a', 'area', '答', 'A')] }),
    F('recorder', 'text', '记录人', 'Recorder'), ...SIGNED, ON,
  ],
  site_inspection: [
    F('at', 'datetime', '检查时间', 'Time', { req: true }), F('place', 'text', '检查地点', 'Place', { req: true }),
    F('present', 'lines', '在场人员（每行一人）', 'Present (one a line)'), F('findings', 'area', '检查情况', 'Findings', { req: true }),
    ...SIGNED, ON,
  ],
  evidence: [
    F('source', 'choice', '证据种类', 'Kind', { req: true, options: pick(EVIDENCE, ['document', 'photo', 'video', 'audio', 'other']) }),
    F('label', 'text', '证据名称', 'Evidence', { req: true }), F('ref', 'text', '编号或出处', 'Reference'), ON,
  ],
  preservation: [F('items', 'area', '登记保存物品', 'Items', { req: true }), F('place', 'text', '保存地点', 'Kept at'), ON],
  preservation_decision: [F('outcome', 'choice', '处理决定', 'Outcome', { req: true, options: OUTCOMES }), F('note', 'area', '说明', 'Note')],
  correction_order: [
    F('violation', 'area', '违法行为', 'Violation', { req: true }), F('order', 'area', '责令改正内容', 'Order', { req: true }),
    F('deadline', 'date', '改正期限', 'Correct by', { req: true }),
  ],
  prior_notice: [...PENALTY_FIELDS('拟罚款金额（元）'), F('grounds', 'area', '事实、理由及依据', 'Grounds'),
    F('statement_working_days', 'int', '陈述申辩期限（工作日）', 'Days to state and defend (working days)')],
  statement: [
    F('said', 'area', '陈述申辩内容', 'What the party said', { req: true }), F('defended', 'bool', '当事人进行了申辩', 'The party defended'),
    F('adopted', 'bool', '意见已采纳', 'Adopted'), F('reply', 'area', '复核意见', 'Reply'), ON,
  ],
  waiver: [F('note', 'area', '放弃情况', 'Note', { req: true }), ON],
  hearing_request: [F('note', 'area', '申请情况', 'Note'), ON],
  hearing_notice: [
    F('hearing_on', 'date', '听证日期', 'Hearing on', { req: true }), F('hearing_time', 'time', '听证时间', 'Time'),
    F('place', 'text', '听证地点', 'Place', { req: true }),
    F('host_id', 'pick', '听证主持人', 'Host', { req: true, options: (ctx) => ctx.hosts }),
    F('clerk_name', 'text', '书记员', 'Clerk', { req: true }), F('public', 'bool', '公开举行', 'Public'),
  ],
  hearing: [
    F('attendees', 'rows', '参加人员', 'Attendees', { sub: ATTENDEE }),
    F('investigator_statement', 'area', '调查人员陈述', 'Investigators', { req: true }),
    F('party_statement', 'area', '当事人陈述申辩', 'The party'), F('cross_examination', 'area', '质证情况', 'Cross-examination'),
    F('final_statement', 'area', '最后陈述', 'Final statement'), ...SIGNED, ON,
  ],
  legal_review: [
    F('opinion', 'choice', '审核意见', 'Opinion', { req: true, options: OPINIONS }), F('text', 'area', '审核意见书', 'Opinion text', { req: true }),
    F('items_checked', 'checks', '审核事项', 'Checked', { options: Object.fromEntries(REVIEW_ITEMS.map((x) => [x, [x, x]])) }),
  ],
  discussion: [
    F('place', 'text', '讨论地点', 'Place'), F('host', 'text', '主持人', 'Chair', { req: true }), F('recorder', 'text', '记录人', 'Recorder'),
    F('attendees', 'rows', '参加人员（至少三人）', 'Attendees (at least three)', { req: true, sub: ATTENDEE }),
    F('views', 'rows', '讨论意见', 'Views', { sub: [F('name', 'text', '发言人', 'Name', { req: true }), F('view', 'area', '意见', 'View', { req: true })] }),
    F('conclusion', 'area', '讨论结论', 'Conclusion', { req: true }), ON,
  ],
  extension: [F('days', 'int', '延长天数', 'Days', { req: true }), F('reason', 'area', '延长理由', 'Reason', { req: true })],
  decision: [...PENALTY_FIELDS('罚款金额（元）'), F('statement_summary', 'area', '陈述申辩采纳情况', 'On the statement'),
    F('hearing_summary', 'area', '听证情况', 'On the hearing')],
  eservice_consent: [
    F('address', 'text', '送达地址（手机号、邮箱等）', 'Address (phone, e-mail…)', { req: true }),
    F('channel', 'choice', '送达渠道', 'Channel', { req: true, options: CHANNELS }), F('note', 'area', '确认情况', 'Note'), ON,
  ],
  service: [
    F('document_id', 'pick', '送达文书', 'Document', { req: true, options: (ctx) => ctx.documents }),
    F('method', 'choice', '送达方式', 'Method', { req: true, options: METHODS }),
    F('recipient', 'text', '受送达人', 'Recipient'), F('address', 'text', '送达地址', 'Address'),
    F('tracking_number', 'text', '邮件号', 'Tracking number', { req: true, when: (v) => v.method === 'post' }),
    F('announcement_ref', 'text', '公告载体和编号', 'Where announced', { req: true, when: (v) => v.method === 'announcement' }),
    F('note', 'area', '备注', 'Note'),
    ...SIGNED.map((f) => ({ ...f, when: (v) => ['direct', 'left'].includes(v.method) && (!f.when || f.when(v)) })), ON,
  ],
  enforcement_application: [F('court', 'text', '申请法院', 'Court', { req: true }), F('note', 'area', '说明', 'Note')],
  closure: [
    F('reason', 'choice', '结案理由', 'Reason', { req: true, options: CLOSE }), F('summary', 'area', '执行情况', 'Summary', { req: true }),
    F('opinion', 'area', '审批意见', 'Opinion'),
  ],
  publication: [
    F('publish', 'choice', '公示', 'Publication', { req: true, options: { yes: ['公示决定', 'Publish'], no: ['撤回公示', 'Withdraw'] } }),
    F('reason', 'area', '撤回原因（将一并公示）', 'Why withdrawn (published too)', { req: true, when: (v) => v.publish === 'no' }),
  ],
  archive: [F('location', 'text', '档案号 / 存放位置', 'File number / location', { req: true }), F('note', 'area', '备注', 'Note')],
}

/** The fields shown now (a field whose `when` says no is neither shown nor sent). */
export const visibleFields = (kind, values, ctx) => (FORMS[kind] || []).filter((f) => !f.when || f.when(values, ctx))
export const optionsOf = (field, ctx) => (typeof field.options === 'function' ? field.options(ctx) : field.options) || {}

const blankOf = (f) => ({ bool: false, rows: [], checks: [], person: Object.fromEntries((f.sub || []).map((s) => [s.key, ''])) }[f.type] ?? '')
const row = (sub) => Object.fromEntries(sub.map((s) => [s.key, '']))
export const newRow = (field) => row(field.sub)

/** The documents a service may serve, newest first, the ones not yet served before the others. */
export function servable(desk) {
  const served = new Set((desk.steps || []).filter((s) => s.kind === 'service' && s.data?.served_on).map((s) => s.data.document_id))
  const kinds = ['decision', 'prior_notice', 'hearing_notice', 'correction_order']
  const docs = (desk.documents || []).filter((d) => kinds.includes(d.kind))
  return [...docs].sort((a, b) => (served.has(a.id) - served.has(b.id)) || (b.id - a.id)).map((d) => ({ ...d, served: served.has(d.id) }))
}

const lastStep = (desk, kind) => [...(desk.steps || [])].reverse().find((s) => s.kind === kind)

/** Sensible first values of a step's form. ctx: {case, desk, matter, me, today, now (local input), penalties, range, hosts, documents}. */
export function defaults(kind, ctx) {
  const v = Object.fromEntries((FORMS[kind] || []).map((f) => [f.key, blankOf(f)]))
  const party = ctx.desk?.party || {}
  if ('on' in v) v.on = ctx.today
  if ('signed' in v) v.signed = true
  const notice = lastStep(ctx.desk, 'prior_notice')
  switch (kind) {
    case 'filing_approval': Object.assign(v, { approve: 'yes', opinion: t('同意立案', 'Approved for filing') }); break
    case 'questioning': Object.assign(v, { started_at: earlier(ctx.now, 40), ended_at: ctx.now, rights_told: true, qa: [{ q: '', a: '' }],
      interviewee: { name: party.name || '', id_number: party.id_number || '', relation: t('当事人', 'The party'), phone: party.phone || '' },
      recorder: ctx.me?.name || '' }); break
    case 'site_inspection': Object.assign(v, { at: ctx.now, place: ctx.desk?.place_text || '' }); break
    case 'evidence': v.source = 'document'; break
    case 'preservation_decision': v.outcome = 'release'; break
    case 'prior_notice': {
      v.penalty_kind = ctx.penalties.includes('fine') ? 'fine' : ctx.penalties[0] || 'fine'
      v.tier = ctx.tiers[0]?.value ?? ''
      v.amount_fen = yuanInput(ctx.tiers[0]?.min_fen || ctx.range?.min_fen || 0)
      v.statement_working_days = '3'
      break
    }
    case 'statement': v.defended = true; break
    case 'hearing_notice': Object.assign(v, { hearing_on: addDays(ctx.today, 7), hearing_time: '09:30', public: true,
      host_id: ctx.hosts[0]?.value ?? '' }); break
    case 'hearing': v.attendees = [{ name: party.name || '', role: t('当事人', 'The party'), title: '' }]; break
    case 'legal_review': Object.assign(v, { opinion: 'agree', items_checked: [...REVIEW_ITEMS] }); break
    case 'discussion': Object.assign(v, { host: ctx.me?.name || '', attendees: [{ name: ctx.me?.name || '', role: '', title: '' }] }); break
    case 'extension': v.days = '30'; break
    case 'decision': {
      v.penalty_kind = notice?.data?.penalty_kind || ctx.penalties[0] || 'fine'
      v.tier = notice?.data?.tier ?? ''
      v.amount_fen = yuanInput(notice?.data?.amount_fen || 0)
      break
    }
    case 'eservice_consent': Object.assign(v, { address: party.phone || '', channel: 'sms' }); break
    case 'service': Object.assign(v, { document_id: ctx.documents[0]?.value ?? '', method: 'direct', recipient: party.name || '',
      address: party.address || '' }); break
    case 'publication': v.publish = lastStep(ctx.desk, 'publication')?.data?.publish ? 'no' : 'yes'; break
    case 'closure': v.reason = (ctx.case?.amount_fen > 0 && ctx.case?.paid_fen >= ctx.case?.amount_fen) ? 'paid'
      : (ctx.case?.stage === 'served' ? 'no_fine' : 'withdrawn'); break
    default: break
  }
  return v
}

function earlier(local, minutes) {
  if (!local) return ''
  return localInput(new Date(new Date(fromLocalInput(local)).getTime() - minutes * 60000))
}

const empty = (x) => x === '' || x === null || x === undefined

function valueOf(f, x) {
  switch (f.type) {
    case 'money': return toFen(x)
    case 'int': return empty(x) ? null : Number(x)
    case 'datetime': return empty(x) ? null : fromLocalInput(x)
    case 'bool': return !!x
    case 'choice': return ['approve', 'publish'].includes(f.key) ? x === 'yes' : x
    case 'pick': return empty(x) ? null : Number(x)
    case 'lines': return String(x || '').split('\n').map((s) => s.trim()).filter(Boolean)
    case 'person': return Object.fromEntries(Object.entries(x || {}).map(([k, s]) => [k, String(s).trim()]))
    case 'rows': return (x || []).map((r) => Object.fromEntries(Object.entries(r).map(([k, s]) => [k, String(s).trim()])))
      .filter((r) => Object.values(r).some((s) => s))
    case 'checks': return [...(x || [])]
    default: return typeof x === 'string' ? x.trim() : x
  }
}

/** The body of POST /cases/<id>/steps: exactly the fields of the kind's schema that are shown. */
export function stepPayload(kind, values, ctx) {
  const out = { kind }
  for (const f of visibleFields(kind, values, ctx)) {
    const v = valueOf(f, values[f.key])
    if (v === null || (f.key === 'on' && empty(v))) continue
    if (!f.req && typeof v === 'string' && v === '' && ['date', 'time'].includes(f.type)) continue
    out[f.key] = v
  }
  return out
}

/** Required fields left empty (checked before sending): {fieldKey: message}. */
export function stepMissing(kind, values, ctx) {
  const out = {}
  const need = t('必填', 'Required')
  for (const f of visibleFields(kind, values, ctx)) {
    const x = values[f.key]
    if (f.type === 'money' && f.req && toFen(x) === null) out[f.key] = t('请填写金额（元）', 'Enter the amount in yuan')
    else if (f.type === 'person') (f.sub || []).filter((s) => s.req && !String(x?.[s.key] || '').trim()).forEach((s) => { out[`${f.key}-${s.key}`] = need })
    else if (f.type === 'rows') {
      if (f.req && !valueOf(f, x).length) out[f.key] = t('至少填写一项', 'Add at least one')
      // a row left wholly empty is dropped; a row begun needs its required parts (keyed by the row shown)
      ;(x || []).forEach((r, i) => {
        if (!Object.values(r).some((s) => String(s).trim())) return
        ;(f.sub || []).filter((s) => s.req && !String(r[s.key] || '').trim()).forEach((s) => { out[`${f.key}-${i}-${s.key}`] = need })
      })
    } else if (f.req && empty(typeof x === 'string' ? x.trim() : x)) out[f.key] = need
  }
  return out
}
