// The case desk (案件办理, general procedure): the API calls its screens make and the pure
// helpers they show through — stages, steps and deadline lights in words, money in yuan,
// days in Asia/Shanghai, the 立案申请's payload, and the server's refusals put beside the
// field they concern (the steps' forms are views/desk/forms.js). No DOM here
// (pwa/tests/desk.test.mjs runs it in node).
// The law's order is the server's (backend/cases/procedure.py): the desk only offers it.
import { asOfficer, OfflineError } from './api.js'
import { t, msg, i18n } from './i18n.js'
import { fromLocalInput, localDay } from './time.js'

// --- the API (each call as the officer signed in on this desk) -------------------------

const get = async (user, path) => (await asOfficer(user, 'GET', path)).data

/** Every page of a list (a street has a few hundred cases a year at most). */
async function all(user, path) {
  const items = []
  let cursor = null
  for (let i = 0; i < 20; i++) {
    const sep = path.includes('?') ? '&' : '?'
    const page = await get(user, `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    items.push(...page.items)
    if (!page.next) break
    cursor = page.next
  }
  return items
}

export const deskApi = {
  cases: (user, mine) => all(user, `/api/v1/cases?procedure=general${mine ? '&mine=true' : ''}`),
  case: (user, id) => get(user, `/api/v1/cases/${id}`),
  open: async (user, body) => (await asOfficer(user, 'POST', '/api/v1/cases', { body })).data,
  step: async (user, id, body) => (await asOfficer(user, 'POST', `/api/v1/cases/${id}/steps`, { body })).data,
  payment: async (user, id, body) => (await asOfficer(user, 'POST', `/api/v1/cases/${id}/payments`, { body })).data,
  bankImport: async (user, file) => (await asOfficer(user, 'POST', '/api/v1/payments/bank-import',
    { body: file, headers: { 'Content-Type': 'text/csv' } })).data,
  team: async (user) => (await get(user, '/api/v1/team')).items,
  matters: async (user) => (await get(user, '/api/v1/matters')).items,
  violations: (user) => get(user, '/api/v1/inspections?result=violation&limit=100').then((p) => p.items),
  tasks: async (user) => (await get(user, '/api/v1/tasks?limit=200')).items,
  /** A PDF of the case (a document, the case file) as a Blob: it needs the officer's token. */
  pdf: async (user, path) => {
    const resp = await asOfficer(user, 'GET', path, { raw: true, timeoutMs: 120000 })
    if (!resp.ok) throw new Error(String(resp.status))
    return resp.blob()
  },
}

export const documentPath = (caseId, docId) => `/api/v1/cases/${caseId}/documents/${docId}.pdf`
export const caseFilePath = (caseId) => `/api/v1/cases/${caseId}/file.pdf`

// --- words -------------------------------------------------------------------------------

export const STAGES = {
  proposed: ['立案申请', 'Proposed'], filed: ['立案', 'Filed'], investigating: ['调查取证', 'Investigating'],
  notified: ['告知', 'Notified'], reviewed: ['审核', 'Reviewed'], decided: ['决定', 'Decided'], served: ['送达', 'Served'],
  executing: ['执行', 'Executing'], closed: ['结案', 'Closed'], archived: ['已归档', 'Archived'],
}
export const stageText = (stage) => t(...(STAGES[stage] || ['—', '—']))

const BEFORE = ['filed', 'investigating', 'notified', 'reviewed']
const LIVE = [...BEFORE, 'decided', 'served', 'executing']
const NOTIFIED = ['notified', 'reviewed']
// backend/cases/procedure.py STEPS: where each kind may be taken and who takes it
export const STEPS = {
  filing_approval: { stages: ['proposed'], who: 'supervisor', zh: '立案审批', en: 'Approve filing' },
  questioning: { stages: BEFORE, who: 'handler', zh: '询问笔录', en: 'Questioning record' },
  site_inspection: { stages: BEFORE, who: 'handler', zh: '现场检查笔录', en: 'Site inspection record' },
  evidence: { stages: BEFORE, who: 'handler', zh: '补充证据', en: 'Add evidence' },
  preservation: { stages: BEFORE, who: 'handler', zh: '先行登记保存', en: 'Preserve evidence' },
  preservation_decision: { stages: BEFORE, who: 'handler', zh: '登记保存处理决定', en: 'Decide on preserved evidence' },
  correction_order: { stages: BEFORE, who: 'handler', zh: '责令改正', en: 'Order to correct' },
  prior_notice: { stages: ['investigating', ...NOTIFIED], who: 'handler', zh: '事先告知', en: 'Prior notice' },
  statement: { stages: NOTIFIED, who: 'handler', zh: '陈述申辩', en: 'Statement and defence' },
  waiver: { stages: NOTIFIED, who: 'handler', zh: '放弃陈述申辩', en: 'Waiver' },
  hearing_request: { stages: NOTIFIED, who: 'handler', zh: '听证申请', en: 'Hearing request' },
  hearing_notice: { stages: NOTIFIED, who: 'handler', zh: '听证通知', en: 'Hearing notice' },
  hearing: { stages: NOTIFIED, who: 'handler', zh: '听证笔录', en: 'Hearing record' },
  legal_review: { stages: NOTIFIED, who: 'reviewer', zh: '法制审核', en: 'Legal review' },
  discussion: { stages: NOTIFIED, who: 'supervisor', zh: '集体讨论', en: 'Collective discussion' },
  extension: { stages: BEFORE, who: 'supervisor', zh: '延长期限', en: 'Extend the period' },
  decision: { stages: NOTIFIED, who: 'supervisor', zh: '处罚决定', en: 'Penalty decision' },
  eservice_consent: { stages: LIVE, who: 'handler', zh: '电子送达确认', en: 'E-service consent' },
  service: { stages: LIVE, who: 'handler', zh: '送达', en: 'Service' },
  enforcement_application: { stages: ['executing'], who: 'handler', zh: '申请强制执行', en: 'Apply for enforcement' },
  closure: { stages: ['proposed', ...LIVE], who: 'supervisor', zh: '结案审批', en: 'Approve closure' },
  publication: { stages: ['decided', 'served', 'executing', 'closed'], who: 'supervisor', zh: '公示', en: 'Publication' },
  archive: { stages: ['closed'], who: 'supervisor', zh: '归档', en: 'Archive' },
}
export const stepText = (kind) => (STEPS[kind] ? t(STEPS[kind].zh, STEPS[kind].en) : t('办案步骤', 'Step'))

// reachable beside the law's next steps whenever the stage allows them
const EXTRA = ['service', 'eservice_consent', 'evidence', 'questioning', 'site_inspection', 'correction_order', 'preservation',
  'preservation_decision', 'waiver', 'extension', 'enforcement_application', 'closure']

/** The other steps the stage allows, not already among the next steps. */
export function extraSteps(stage, archived, nextKinds) {
  if (archived) return []
  return EXTRA.filter((k) => STEPS[k].stages.includes(stage) && !nextKinds.includes(k))
}

// a list row says whether it is archived and its first lawful next step (cases.general.row_of)
export const isArchived = (c) => !!(c.archived_at || c.desk?.archived_at)
export function nextOfRow(c) {
  if (isArchived(c)) return t('已归档', 'Archived')
  const n = c.next_step
  if (!n) return '—'
  return i18n.locale === 'en' ? stepText(n.kind) : (n.zh || stepText(n.kind))
}

/** Why this person may not take the step (null: they may; the server decides anyway). */
export function notYours(kind, officer, handlerIds) {
  const who = STEPS[kind]?.who
  const role = officer?.role
  const boss = role === 'supervisor' || role === 'admin'
  if (role === 'auxiliary') return t('协管员不能办理案件步骤', 'Auxiliaries take no case steps')
  if (who === 'supervisor' && !boss) return t('由中队长审批', 'A supervisor approves this')
  if (who === 'handler' && !boss && !handlerIds.includes(officer?.id)) return t('由本案承办人办理', "Taken by the case's handlers")
  if (who === 'reviewer' && handlerIds.includes(officer?.id)) return t('法制审核由未参与调查的人员办理', 'Reviewed by someone who did not investigate')
  return null
}

export const PARTY_TYPES = { citizen: ['公民', 'Citizen'], organization: ['法人或其他组织', 'Organisation'] }
export const SOURCES = {
  inspection: ['检查发现', 'Inspection'], task: ['交办任务', 'Assigned task'], complaint: ['群众举报', 'Complaint'],
  referral: ['部门移送', 'Referral'], manual: ['执法人员发现', 'Found by officers'], ticket: ['现场发现', 'On the spot'],
}
export const PENALTY = { warning: ['警告', 'Warning'], fine: ['罚款', 'Fine'], warning_fine: ['警告并处罚款', 'Warning and fine'] }
export const METHODS = {
  direct: ['直接送达', 'In person'], left: ['留置送达', 'Left at the address'], post: ['邮寄送达', 'By post'],
  announcement: ['公告送达', 'By announcement'], electronic: ['电子送达', 'Electronic'],
}
export const EVIDENCE = {
  photo: ['照片', 'Photo'], video: ['视频', 'Video'], audio: ['录音', 'Audio'], document: ['书证', 'Document'],
  inspection: ['检查记录', 'Inspection'], patrol: ['巡查轨迹', 'Patrol track'], other: ['其他', 'Other'],
}
export const evidenceText = (source) => t(...(EVIDENCE[source] || EVIDENCE.other))

// --- money and days ------------------------------------------------------------------------

/** ¥8,000.00 from fen. */
export function money(fen) {
  if (fen === null || fen === undefined) return '—'
  const neg = fen < 0
  const abs = Math.abs(Math.round(fen))
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${neg ? '-' : ''}¥${whole}.${String(abs % 100).padStart(2, '0')}`
}

/** Fen from what a person types in yuan ("8000", "8,000.5", "¥8000元"); null if it is not an amount. */
export function toFen(text) {
  const clean = String(text ?? '').replace(/[,，¥￥元\s]/g, '')
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(clean)) return null
  const [whole, frac = ''] = clean.split('.')
  return Number(whole) * 100 + Number((frac + '00').slice(0, 2))
}
export const yuanInput = (fen) => (fen ? (fen % 100 ? (fen / 100).toFixed(2) : String(fen / 100)) : '')

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
/** A calendar day (YYYY-MM-DD, already local) for people: 11月9日 (the year when not this one). */
export function dayText(iso, today = localDay()) {
  if (!iso) return '—'
  const [y, m, d] = String(iso).slice(0, 10).split('-').map(Number)
  const year = String(y) !== String(today).slice(0, 4)
  return t(`${year ? `${y}年` : ''}${m}月${d}日`, `${d} ${MONTHS[m - 1]}${year ? ` ${y}` : ''}`)
}

const DEADLINES = { filing: ['立案期限', 'Filing'], decision: ['决定期限', 'Decision'], service: ['送达期限', 'Service'],
  payment: ['缴款期限', 'Payment'], closure: ['结案期限', 'Closure'] }
export const deadlineName = (key) => t(...(DEADLINES[key] || [key, key]))

/** A deadline light in words: 决定期限 还剩2天 / 送达期限 已逾期3天 / 缴款期限 今天到期. */
export function lightText(w) {
  const name = deadlineName(w.deadline)
  const n = w.days_left
  if (n > 0) return t(`${name} 还剩${n}天`, `${name} due in ${n} day${n > 1 ? 's' : ''}`)
  if (n === 0) return t(`${name} 今天到期`, `${name} due today`)
  return t(`${name} 已逾期${-n}天`, `${name} ${-n} day${n < -1 ? 's' : ''} overdue`)
}

// details the server gives with a refusal, in words
const DETAILS = [
  ['window_ends', '截至', 'until', 'day'], ['earliest', '最早', 'earliest', 'day'], ['last_day', '最后一天', 'last day', 'day'],
  ['decision_due', '决定期限', 'decision due', 'day'], ['filing_due', '立案期限', 'filing due', 'day'],
  ['hearing_on', '听证日期', 'hearing on', 'day'], ['limitation_end', '时效届满', 'limitation ended', 'day'],
  ['previous', '前一步骤', 'previous step', 'day'], ['today', '今天', 'today', 'day'],
  ['owed_fen', '尚欠', 'owed', 'fen'], ['notified_fen', '告知金额', 'notified', 'fen'], ['threshold_fen', '听证标准', 'threshold', 'fen'],
  ['tier', '裁量档次', 'tier', 'n'], ['min_fen', '最低', 'min', 'fen'], ['max_fen', '最高', 'max', 'fen'], ['max_days', '最多天数', 'at most days', 'n'],
]
export function detailText(details = {}) {
  return DETAILS.filter(([k]) => details[k] !== undefined && details[k] !== null)
    .map(([k, zh, en, kind]) => `${t(zh, en)} ${kind === 'day' ? dayText(details[k]) : kind === 'fen' ? money(details[k]) : details[k]}`)
    .join(' · ')
}

/** Why a next step is blocked: 陈述申辩（听证申请）期限未满… · 截至 11月9日. */
export function blockedText(blocked) {
  if (!blocked) return ''
  const more = detailText(blocked.details)
  return more ? `${msg(blocked.message)} · ${more}` : msg(blocked.message)
}

// --- the list --------------------------------------------------------------------------------

/** How many cases are in each stage (an archived case counts as 已归档). */
export function stageCounts(cases) {
  const out = {}
  for (const c of cases) {
    const key = isArchived(c) ? 'archived' : c.stage
    out[key] = (out[key] || 0) + 1
  }
  return out
}
export const inStage = (c, stage) => !stage || (stage === 'archived' ? isArchived(c) : c.stage === stage && !isArchived(c))

export const nameOf = (team, id) => (id === null || id === undefined ? t('当事人', 'The party') : team.find((m) => m.id === id)?.name || t('（已离任人员）', '(former staff)'))
export const matterName = (matters, code) => matters.find((m) => m.code === code)?.name || code

/** Officers who may handle a case in this domain today: an officer (not an auxiliary) whose valid certificate covers it. */
export function certified(team, domain, today = localDay()) {
  return team.filter((m) => {
    if (m.role !== 'officer') return false
    const cert = (m.certificates || []).find((c) => !c.revoked && c.valid_from <= today && today <= c.valid_until)
    return !!cert && (!domain || (cert.domains || []).includes(domain))
  })
}

/** The penalties the matter's basis provides to this party (backend/cases/general.py). */
export function penaltyKinds(matter, partyType) {
  if (!matter) return ['fine']
  const range = fineRange(matter, partyType)
  const kinds = []
  if (matter.warning_allowed && !matter.warning_and_fine) kinds.push('warning')
  if (range && !matter.warning_and_fine) kinds.push('fine')
  if (range && (matter.warning_and_fine || matter.warning_allowed)) kinds.push('warning_fine')
  return kinds
}
export function fineRange(matter, partyType) {
  return (partyType === 'citizen' ? matter?.ranges?.citizen : matter?.ranges?.organization) || null
}

/** The matter's discretion tiers (裁量基准) for this party, as rows to choose from. */
export function tierChoices(matter, partyType) {
  return (matter?.tiers || []).filter((x) => x.party_type === (partyType === 'citizen' ? 'citizen' : 'organization'))
    .map((x) => ({ value: x.level, text: `${x.name}（${money(x.min_fen)}–${money(x.max_fen)}）`, sub: x.circumstances || '',
      test: `level${x.level}`, min_fen: x.min_fen, max_fen: x.max_fen }))
}

/** The amount to show once a tier is chosen: kept if inside it, else the tier's lowest. */
export function amountForTier(amountText, tier) {
  if (!tier) return amountText
  const fen = toFen(amountText)
  return fen !== null && fen >= tier.min_fen && fen <= tier.max_fen ? amountText : yuanInput(tier.min_fen)
}

// --- opening a case (立案申请) ------------------------------------------------------------------

export function blankOpening(today = localDay()) {
  return {
    source: 'inspection', ref: '', party: { type: 'citizen', name: '', id_number: '', address: '', phone: '', representative: '' },
    matter_code: '', handler_ids: [], discovered_on: today, place_text: '', violated_at: '', major: false, facts: '', evidence: '',
  }
}

/** A local datetime-input value (YYYY-MM-DDTHH:MM in Shanghai) of an instant. */
export function localInput(at) {
  if (!at) return ''
  const d = new Date(at)
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`
}

/** What an inspection that found a violation fills in. */
export function fromInspection(form, insp) {
  const org = !!insp.subject_uscc
  return {
    ...form, source: 'inspection', ref: insp.id,
    party: { ...form.party, type: org ? 'organization' : form.party.type, name: form.party.name || insp.subject_name || '',
      id_number: form.party.id_number || insp.subject_uscc || '', address: form.party.address || insp.subject_address || '' },
    matter_code: form.matter_code || insp.matter_code || '', place_text: form.place_text || insp.subject_address || '',
    violated_at: localInput(insp.inspected_at), discovered_on: localDay(new Date(insp.inspected_at)),
    facts: form.facts || insp.notes || '',
  }
}

/** The body of POST /api/v1/cases. */
export function openingPayload(f) {
  const party = Object.fromEntries(Object.entries(f.party).map(([k, v]) => [k, String(v).trim()]))
  const ref = String(f.ref || '').trim()
  return {
    party, matter_code: f.matter_code, facts: f.facts.trim(), source: { kind: f.source, ref: ref || null },
    discovered_on: f.discovered_on || null, handler_ids: [...f.handler_ids], major: !!f.major, place_text: f.place_text.trim(),
    violated_at: f.violated_at ? fromLocalInput(f.violated_at) : null,
    evidence: f.evidence.split('\n').map((s) => s.trim()).filter(Boolean).map((label) => ({ source: 'document', label: label.slice(0, 255) })),
  }
}

/** What is missing before the application can go: {field: message}. */
export function openingMissing(f) {
  const out = {}
  const need = t('必填', 'Required')
  if (f.source === 'inspection' && !f.ref) out.source = t('请选择发现违法的检查记录', 'Choose the inspection')
  if (f.source === 'task' && !f.ref) out.source = t('请选择交办的任务', 'Choose the task')
  if (!f.party.name.trim()) out['party-name'] = need
  if (!f.matter_code) out.matter_code = t('请选择执法事项', 'Choose the matter')
  if (f.handler_ids.length !== 2) out.handler_ids = t('须选择两名承办人', 'Choose two handling officers')
  if (!f.facts.trim()) out.facts = need
  return out
}

// --- the server's refusals beside their field -------------------------------------------------

const ALIASES = { party: 'party-name', body: 'file' }
// marshmallow's English validation messages, said in the desk's words
const VALIDATION = [
  [/Missing data/i, '必填', 'Required'], [/Length must be/i, '长度不符合要求', 'Wrong length'],
  [/Must be one of/i, '请选择有效选项', 'Choose one of the options'], [/Not a valid (date|datetime)/i, '日期时间格式不正确', 'Not a valid date'],
  [/Not a valid/i, '格式不正确', 'Not valid'], [/greater than or equal|less than or equal|Must be/i, '数值超出范围', 'Out of range'],
  [/Unknown field/i, '不应填写此项', 'Not expected'], [/a fine needs its amount/i, '罚款须填写金额', 'A fine needs its amount'],
  [/a warning has no amount/i, '警告不填写金额', 'A warning has no amount'],
]
const validationText = (m) => {
  const hit = VALIDATION.find(([re]) => re.test(m))
  return hit ? t(hit[1], hit[2]) : t('填写有误', 'Invalid')
}

function flatten(fields, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(fields || {})) {
    const key = prefix ? `${prefix}-${k}` : k
    if (Array.isArray(v)) out[ALIASES[key] || key] = validationText(String(v[0]))
    else if (v && typeof v === 'object') flatten(v, key, out)
  }
  return out
}

/** An error from the server as {fields: {fieldKey: text}, form: text, code}: a refusal beside the
 *  field its details name (details.field), a validation error at each field. */
export function refusal(err, shownKeys = []) {
  if (err instanceof OfflineError) return { code: 'offline', fields: {}, form: t('无网络：请联网后再提交', 'No network: submit again when online') }
  const code = err?.code || 'error'
  if (code === 'validation_error' && err.details?.fields) {
    const fields = flatten(err.details.fields)
    const loose = Object.keys(fields).filter((k) => !shownKeys.some((s) => k === s || k.startsWith(`${s}-`)))
    return { code, fields, form: loose.length ? t('部分内容填写有误，请检查', 'Some entries are not valid') : '' }
  }
  const text = [msg(err?.messages), detailText(err?.details)].filter(Boolean).join(' · ') || t('操作失败', 'Failed')
  const field = ALIASES[err?.details?.field] || err?.details?.field
  if (field && shownKeys.includes(field)) return { code, fields: { [field]: text }, form: '' }
  return { code, fields: {}, form: text }
}
