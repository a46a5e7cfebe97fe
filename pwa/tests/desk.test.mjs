// The case desk's pure helpers (src/lib/desk.js) and its step forms as data
// (src/views/desk/forms.js): words, yuan, Shanghai days, deadline lights, payloads exactly as
// backend/cases/step_schemas.py loads them, and refusals beside their field. Run by
// tests/unit/test_pwa_modules.py under TZ=UTC and Asia/Shanghai.
import 'fake-indexeddb/auto'
import { test } from 'node:test'
import assert from 'node:assert/strict'

const desk = await import('../src/lib/desk.js')
const forms = await import('../src/views/desk/forms.js')
const { i18n } = await import('../src/lib/i18n.js')
const { ApiError, OfflineError } = await import('../src/lib/api.js')

const HJ003 = {
  code: 'HJ-003', name: '餐饮服务业经营者未安装油烟净化设施或超标排放油烟', domain: '生态环境', warning_allowed: false, warning_and_fine: false,
  ranges: { citizen: { min_fen: 500000, max_fen: 5000000 }, organization: { min_fen: 500000, max_fen: 5000000 } },
  tiers: [
    { party_type: 'citizen', level: 1, name: '轻微', circumstances: '初次违法', min_fen: 500000, max_fen: 1400000 },
    { party_type: 'citizen', level: 2, name: '一般', circumstances: '经责令改正后改正', min_fen: 1400000, max_fen: 2750000 },
    { party_type: 'organization', level: 1, name: '轻微', circumstances: '', min_fen: 500000, max_fen: 1400000 },
  ],
}

test('money is yuan for people, and what they type in yuan becomes fen', () => {
  assert.equal(desk.money(800000), '¥8,000.00')
  assert.equal(desk.money(15050), '¥150.50')
  assert.equal(desk.money(null), '—')
  assert.equal(desk.toFen('8000'), 800000)
  assert.equal(desk.toFen('8,000.5'), 800050)
  assert.equal(desk.toFen('¥150元'), 15000)
  assert.equal(desk.toFen('八千'), null)
  assert.equal(desk.toFen('1.234'), null)
  assert.equal(desk.yuanInput(800000), '8000')
  assert.equal(desk.yuanInput(800050), '8000.50')
})

test('days, deadline lights and blocked steps in words, in both languages', () => {
  i18n.locale = 'zh-CN'
  assert.equal(desk.dayText('2026-11-09', '2026-11-02'), '11月9日')
  assert.equal(desk.dayText('2027-02-01', '2026-11-02'), '2027年2月1日')
  assert.equal(desk.lightText({ deadline: 'decision', level: 'yellow', days_left: 2 }), '决定期限 还剩2天')
  assert.equal(desk.lightText({ deadline: 'service', level: 'red', days_left: -3 }), '送达期限 已逾期3天')
  assert.equal(desk.lightText({ deadline: 'payment', level: 'yellow', days_left: 0 }), '缴款期限 今天到期')
  const blocked = { code: 'case.notice_window_open', message: { 'zh-CN': '陈述申辩（听证申请）期限未满，不能作出决定', en: 'The window has not ended' },
    details: { window_ends: `${new Date().getFullYear()}-11-09` } }
  assert.equal(desk.blockedText(blocked), '陈述申辩（听证申请）期限未满，不能作出决定 · 截至 11月9日')
  assert.equal(desk.detailText({ owed_fen: 800000, field: 'amount_fen' }), '尚欠 ¥8,000.00')
  i18n.locale = 'en'
  assert.equal(desk.lightText({ deadline: 'decision', level: 'yellow', days_left: 1 }), 'Decision due in 1 day')
  assert.equal(desk.dayText('2026-11-09', '2026-11-02'), '9 Nov')
  assert.equal(desk.stageText('notified'), 'Notified')
  i18n.locale = 'zh-CN'
  assert.equal(desk.stageText('executing'), '执行')
  assert.equal(desk.stepText('legal_review'), '法制审核')
})

test('the list counts stages, knows an archived case and names the next step the server gives', () => {
  const cases = [
    { id: 1, stage: 'proposed', next_step: { kind: 'filing_approval', zh: '立案审批' } },
    { id: 2, stage: 'notified', next_step: { kind: 'decision', zh: '处罚决定' } },
    { id: 3, stage: 'closed', next_step: { kind: 'archive', zh: '归档' } },
    { id: 4, stage: 'closed', archived_at: '2026-11-23T01:00:00+00:00', next_step: null },
  ]
  assert.deepEqual(desk.stageCounts(cases), { proposed: 1, notified: 1, closed: 1, archived: 1 })
  assert.deepEqual(cases.filter((c) => desk.inStage(c, 'closed')).map((c) => c.id), [3])
  assert.deepEqual(cases.filter((c) => desk.inStage(c, 'archived')).map((c) => c.id), [4])
  assert.deepEqual(cases.map(desk.nextOfRow), ['立案审批', '处罚决定', '归档', '已归档'])
  const team = [{ id: 7, name: '张伟' }]
  assert.equal(desk.nameOf(team, 7), '张伟')
  assert.equal(desk.nameOf(team, null), '当事人') // a step the party took (opening the e-service link)
})

test('who may take a step: the squad leader approves, handlers handle, a non-handler reviews', () => {
  const officer = { id: 3, role: 'officer' }
  const boss = { id: 9, role: 'supervisor' }
  assert.equal(desk.notYours('filing_approval', officer, [3, 4]), '由中队长审批')
  assert.equal(desk.notYours('filing_approval', boss, [3, 4]), null)
  assert.equal(desk.notYours('questioning', { id: 5, role: 'officer' }, [3, 4]), '由本案承办人办理')
  assert.equal(desk.notYours('questioning', boss, [3, 4]), null)
  assert.equal(desk.notYours('legal_review', officer, [3, 4]), '法制审核由未参与调查的人员办理')
  assert.equal(desk.notYours('legal_review', { id: 5, role: 'officer' }, [3, 4]), null)
  assert.equal(desk.notYours('evidence', { id: 3, role: 'auxiliary' }, [3, 4]), '协管员不能办理案件步骤')
  assert.deepEqual(desk.extraSteps('notified', false, ['decision', 'statement']),
    ['service', 'eservice_consent', 'evidence', 'questioning', 'site_inspection', 'correction_order', 'preservation',
      'preservation_decision', 'waiver', 'extension', 'closure'])
  assert.deepEqual(desk.extraSteps('closed', true, []), [])
})

test('the matter says which penalties, range, tiers and officers a case may have', () => {
  assert.deepEqual(desk.penaltyKinds(HJ003, 'citizen'), ['fine'])
  assert.deepEqual(desk.penaltyKinds({ ...HJ003, warning_allowed: true }, 'citizen'), ['warning', 'fine', 'warning_fine'])
  assert.deepEqual(desk.penaltyKinds({ ...HJ003, warning_and_fine: true }, 'organization'), ['warning_fine'])
  assert.deepEqual(desk.fineRange(HJ003, 'organization'), { min_fen: 500000, max_fen: 5000000 })
  const tiers = desk.tierChoices(HJ003, 'citizen')
  assert.deepEqual(tiers.map((x) => [x.value, x.text]), [[1, '轻微（¥5,000.00–¥14,000.00）'], [2, '一般（¥14,000.00–¥27,500.00）']])
  assert.equal(desk.amountForTier('8000', tiers[0]), '8000')
  assert.equal(desk.amountForTier('8000', tiers[1]), '14000')
  const team = [
    { id: 1, role: 'officer', certificates: [{ valid_from: '2024-01-01', valid_until: '2028-12-31', domains: ['生态环境'] }] },
    { id: 2, role: 'officer', certificates: [{ valid_from: '2020-01-01', valid_until: '2025-06-30', domains: ['生态环境'] }] },
    { id: 3, role: 'auxiliary', certificates: [] },
    { id: 4, role: 'officer', certificates: [{ valid_from: '2024-01-01', valid_until: '2028-12-31', domains: ['市容环卫'] }] },
  ]
  assert.deepEqual(desk.certified(team, '生态环境', '2026-11-02').map((m) => m.id), [1])
})

test('an inspection fills in the case in Shanghai time, and the application is what POST /cases loads', () => {
  const form = desk.fromInspection(desk.blankOpening('2026-11-02'), {
    id: 'a'.repeat(36), subject_name: '某某烧烤店', subject_address: '俞范东路8号', subject_uscc: null, matter_code: 'HJ-003',
    inspected_at: '2026-10-27T16:30:00+00:00', notes: '油烟直排',
  })
  assert.equal(form.violated_at, '2026-10-28T00:30') // half past midnight in Ningbo, still the 27th in UTC
  assert.equal(form.discovered_on, '2026-10-28')
  assert.equal(form.party.name, '某某烧烤店')
  assert.deepEqual(desk.openingMissing(form), { handler_ids: '须选择两名承办人' })
  form.handler_ids = [1, 2]
  form.evidence = '群众举报材料\n\n现场照片'
  const body = desk.openingPayload(form)
  assert.deepEqual(body.source, { kind: 'inspection', ref: 'a'.repeat(36) })
  assert.equal(body.violated_at, '2026-10-27T16:30:00.000Z')
  assert.deepEqual(body.evidence.map((e) => e.label), ['群众举报材料', '现场照片'])
  assert.equal(body.party.type, 'citizen')
  assert.equal(desk.fromInspection(desk.blankOpening(), { id: 'x', subject_uscc: '91330206MA2AAAAA0X', inspected_at: '2026-10-27T11:00:00Z' })
    .party.type, 'organization')
})

const CTX = {
  case: { id: 1, stage: 'notified', amount_fen: 0, paid_fen: 0 },
  desk: { party: { name: '王某某', phone: '13800000000', address: '俞范东路8号', type: 'citizen' }, place_text: '俞范东路8号',
    steps: [{ kind: 'prior_notice', data: { penalty_kind: 'fine', amount_fen: 800000, tier: 1 } }],
    documents: [{ id: 5, kind: 'prior_notice' }, { id: 9, kind: 'decision' }, { id: 6, kind: 'questioning' }] },
  matter: HJ003, me: { id: 9, name: '钱建国', role: 'supervisor' }, today: '2026-11-04', now: '2026-11-04T09:40',
  penalties: ['fine'], range: HJ003.ranges.citizen, tiers: desk.tierChoices(HJ003, 'citizen'),
  hosts: [{ value: 12, text: '陈静', test: 'zf004' }], documents: [{ value: 9, text: '行政处罚决定书', test: 'decision' }],
}

test('each step form sends exactly its schema\'s fields: yuan as fen, local times as instants, yes as true', () => {
  const notice = forms.defaults('prior_notice', CTX)
  assert.deepEqual([notice.tier, notice.amount_fen, notice.penalty_kind], [1, '5000', 'fine'])
  notice.amount_fen = '8000'
  assert.deepEqual(forms.stepPayload('prior_notice', notice, CTX),
    { kind: 'prior_notice', penalty_kind: 'fine', tier: 1, amount_fen: 800000, grounds: '', statement_working_days: 3 })
  const decision = forms.defaults('decision', CTX)
  assert.deepEqual([decision.amount_fen, decision.tier], ['8000', 1]) // as notified

  const q = forms.defaults('questioning', CTX)
  assert.equal(q.started_at, '2026-11-04T09:00')
  assert.equal(q.interviewee.name, '王某某')
  q.place = '询问室'
  q.qa = [{ q: '是否安装？', a: '没有。' }, { q: '', a: '' }]
  const sent = forms.stepPayload('questioning', q, CTX)
  assert.equal(sent.started_at, '2026-11-04T01:00:00.000Z')
  assert.deepEqual(sent.qa, [{ q: '是否安装？', a: '没有。' }]) // the empty row is not sent
  assert.equal(sent.on, '2026-11-04')
  assert.equal(sent.signed, true)
  assert.ok(!('refused_note' in sent)) // signed: no refusal, no witness

  const filing = forms.stepPayload('filing_approval', forms.defaults('filing_approval', { ...CTX, case: { stage: 'proposed' } }), CTX)
  assert.deepEqual(filing, { kind: 'filing_approval', approve: true, opinion: '同意立案', reason: '' })
  assert.ok(!('on' in filing)) // dated today by the server

  const service = forms.defaults('service', CTX)
  service.method = 'electronic'
  const served = forms.stepPayload('service', service, CTX)
  assert.deepEqual(Object.keys(served).sort(), ['address', 'document_id', 'kind', 'method', 'note', 'on', 'recipient'])
  assert.equal(served.document_id, 9)
  service.method = 'post'
  assert.deepEqual(forms.stepMissing('service', service, CTX), { tracking_number: '必填' })

  const notice7 = forms.defaults('hearing_notice', CTX)
  assert.deepEqual([notice7.hearing_on, notice7.host_id], ['2026-11-11', 12])
  const pub = forms.stepPayload('publication', forms.defaults('publication', CTX), CTX)
  assert.deepEqual(pub, { kind: 'publication', publish: true })
})

test('required parts are asked for before sending, keyed by the row the officer sees', () => {
  const d = forms.defaults('discussion', CTX)
  d.attendees = [{ name: '钱建国', role: '', title: '' }, { name: '', role: '', title: '' }, { name: '', role: '中队长', title: '' }]
  assert.deepEqual(forms.stepMissing('discussion', d, CTX), { 'attendees-2-name': '必填', conclusion: '必填' })
  const n = forms.defaults('prior_notice', CTX)
  n.amount_fen = '八千'
  assert.deepEqual(forms.stepMissing('prior_notice', n, CTX), { amount_fen: '请填写金额（元）' })
  n.penalty_kind = 'warning'
  assert.deepEqual(forms.stepMissing('prior_notice', n, CTX), {}) // a warning has no amount, and none is sent
  assert.ok(!('amount_fen' in forms.stepPayload('prior_notice', n, CTX)))
})

test('a refusal goes beside the field it names, in Chinese; marshmallow\'s English never reaches the officer', () => {
  const short = new ApiError(422, { code: 'case.hearing_notice_short', message: { 'zh-CN': '听证通知须在举行听证七日前送达', en: 'x' },
    details: { field: 'hearing_on', earliest: '2026-11-11' } })
  i18n.locale = 'zh-CN'
  const r = desk.refusal(short, ['hearing_on', 'place'])
  assert.equal(r.code, 'case.hearing_notice_short')
  assert.match(r.fields.hearing_on, /^听证通知须在举行听证七日前送达 · 最早 (2026年)?11月11日$/)
  assert.equal(r.form, '')
  const invalid = new ApiError(422, { code: 'validation_error', message: { 'zh-CN': '数据校验失败', en: 'Invalid' },
    details: { fields: { interviewee: { name: ['Missing data for required field.'] }, extra: ['Unknown field.'] } } })
  const v = desk.refusal(invalid, ['interviewee', 'qa'])
  assert.deepEqual(v.fields, { 'interviewee-name': '必填', extra: '不应填写此项' })
  assert.equal(v.form, '部分内容填写有误，请检查')
  const nowhere = desk.refusal(new ApiError(409, { code: 'case.step_out_of_order', message: { 'zh-CN': '案件当前阶段不能进行该步骤', en: 'x' },
    details: { field: 'kind', stage: 'closed' } }), ['location'])
  assert.deepEqual(nowhere, { code: 'case.step_out_of_order', fields: {}, form: '案件当前阶段不能进行该步骤' })
  assert.equal(desk.refusal(new OfflineError(new Error('x')), []).form, '无网络：请联网后再提交')
})
