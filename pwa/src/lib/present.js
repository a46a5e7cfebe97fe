// What a person reads in a table of records (the console's drill-downs): column names in
// words, money in yuan, times in Asia/Shanghai, states in Chinese — never a column key,
// a UTC timestamp, an English enum value or fen.
import { t, fen } from './i18n.js'
import { dateTime } from './time.js'

const COLUMNS = {
  id: ['编号', 'ID'], procedure: ['程序', 'Procedure'], stage: ['阶段', 'Stage'], matter_code: ['事项编码', 'Matter'],
  party_name: ['当事人', 'Party'], amount_fen: ['罚款', 'Fine'], paid_fen: ['已缴', 'Paid'], surcharge_fen: ['加处罚款', 'Surcharge'],
  opened_at: ['立案/作出时间', 'Opened'], closed_at: ['结案时间', 'Closed'], on_time: ['按期', 'On time'], ticket_id: ['决定书', 'Decision'],
  case_id: ['案件', 'Case'], channel: ['缴款方式', 'Channel'], paid_on: ['缴款日期', 'Paid on'], receipt: ['票据号', 'Receipt'],
  code: ['编码', 'Code'], name: ['名称', 'Name'], domain: ['门类', 'Domain'], cases: ['案件数', 'Cases'], username: ['账号', 'Account'],
  inspected_at: ['检查时间', 'Inspected'], officer_id: ['人员', 'Officer'], subject_name: ['检查对象', 'Subject'], result: ['结果', 'Result'],
  grid_id: ['网格', 'Grid'], lat: ['纬度', 'Latitude'], lon: ['经度', 'Longitude'], photos: ['照片', 'Photos'], title: ['任务', 'Task'],
  status: ['状态', 'Status'], assignee_id: ['承办人', 'Assignee'], dispatched_at: ['派遣时间', 'Dispatched'], feedback_at: ['反馈时间', 'Feedback'],
  dispatch_to_feedback_s: ['派遣至反馈（分钟）', 'Dispatch → feedback (min)'], kind: ['类型', 'Kind'], device_id: ['设备', 'Device'],
  captured_at: ['记录时间', 'Captured'], received_at: ['上传时间', 'Received'], missing_photos: ['缺照片', 'Photos missing'],
  awaiting_consent: ['待确认的执法人员', 'Consent awaited from'],
  alarms: ['告警', 'Alarms'], last_sync_at: ['最近同步', 'Last sync'], queue_depth: ['待上传', 'Queue'],
}

const VALUES = {
  simple: ['简易程序', 'simple'], general: ['一般程序', 'general'], compliant: ['合格', 'compliant'], rectify: ['责令整改', 'to rectify'],
  violation: ['发现违法', 'violation'], filed: ['立案', 'filed'], investigating: ['调查取证', 'investigating'], notified: ['告知', 'notified'],
  reviewed: ['审核', 'reviewed'], decided: ['决定', 'decided'], served: ['送达', 'served'], executing: ['执行', 'executing'],
  closed: ['结案', 'closed'], dispatched: ['已派遣', 'dispatched'], accepted: ['已签收', 'accepted'], in_progress: ['处置中', 'in progress'],
  done: ['已反馈', 'reported'], returned: ['已退回', 'returned'], bank: ['银行', 'bank'], e_payment: ['电子缴款', 'e-payment'],
  on_the_spot: ['当场收缴', 'on the spot'], inspection: ['检查', 'inspection'], ticket: ['决定书', 'decision'], patrol_start: ['巡查开始', 'patrol start'],
  track_points: ['轨迹', 'track'], patrol_end: ['巡查结束', 'patrol end'], task_update: ['任务反馈', 'task update'],
  ticket_cosign: ['第二名执法人员确认', 'second officer consent'], ticket_void: ['作废编号', 'void'],
}

export function columnLabel(key) {
  const c = COLUMNS[key]
  return c ? t(...c) : key.replace(/_/g, ' ')
}

export function cellText(key, value) {
  if (value === null || value === undefined || value === '') return '—'
  if (typeof value === 'boolean') return value ? t('是', 'yes') : t('否', 'no')
  if (key.endsWith('_fen')) return fen(value)
  if (key === 'dispatch_to_feedback_s') return String(Math.round(value / 60))
  if (key.endsWith('_at')) return dateTime(value)
  if (Array.isArray(value)) return String(value.length)
  const v = VALUES[value]
  return v ? t(...v) : String(value)
}
