// 举报分办 in words: where a report came from and where it stands, the server's refusals
// with the fields they name, and days as people write them. No DOM here.
import { ApiError } from '../../lib/api.js'
import { t, msg } from '../../lib/i18n.js'

const CHANNELS = {
  web: ['群众举报', 'Resident report'], hotline: ['12345 热线', '12345 hotline'], wechat: ['微信', 'WeChat'],
  department: ['部门移送', 'Department referral'],
}
const STATUSES = {
  received: ['待分办', 'To triage'], dispatched: ['已交办', 'Dispatched'], case: ['已立案', 'Case opened'],
  merged: ['已合并', 'Merged'], rejected: ['不予受理', 'Rejected'],
}
const words = (table, key) => (table[key] ? t(...table[key]) : t('其他', 'Other'))

/** Where the report came from: the channel, and the department that referred it. */
export const channelText = (c) => `${words(CHANNELS, c.channel)}${c.channel === 'department' && c.department ? ` · ${c.department}` : ''}`
export const statusText = (status) => words(STATUSES, status)
export const CHANNEL_CHOICES = ['hotline', 'department', 'wechat'].map((key) => ({ key, zh: CHANNELS[key][0], en: CHANNELS[key][1] }))

/** A report's place as text: its address and, when it was located, the point (WGS-84). */
export const pointText = (c) => (c.lat != null && c.lon != null ? `${c.lat.toFixed(5)}, ${c.lon.toFixed(5)}` : '')

const FIELDS = {
  description: ['内容', 'description'], phone: ['联系电话', 'phone'], name: ['联系人', 'name'], address: ['地址', 'address'],
  external_ref: ['工单号', 'work order'], department: ['移送部门', 'department'], channel: ['来源', 'source'],
  reason: ['理由', 'reason'], matter_code: ['执法事项', 'matter'], into: ['合并到', 'merge into'], assignee: ['接收人员', 'officer'],
  grid: ['网格', 'grid'], note: ['说明', 'note'], place: ['地点', 'place'], title: ['任务', 'task'],
}
const fieldWord = (f) => (FIELDS[f] ? t(...FIELDS[f]) : f)

/** A refusal for people: the server's message, and the fields it names in words. */
export function refusal(err) {
  if (!(err instanceof ApiError)) return t('无网络：请联网后再试', 'No network: try again when online')
  const named = [...new Set([err.details?.field, ...Object.keys(err.details?.fields || {})].filter(Boolean))]
  return named.length ? `${msg(err.messages)}（${named.map(fieldWord).join('、')}）` : msg(err.messages)
}

/** YYYY-MM-DD as people write it. */
export function dayText(day) {
  if (!day) return ''
  const [y, m, d] = day.split('-').map(Number)
  const en = new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' })
  return t(`${y}年${m}月${d}日`, en)
}

/** Whole days from `a` to `b` (both YYYY-MM-DD). */
export const daysBetween = (a, b) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000)

/** Every page of a collection (a street's reports: some hundreds). */
export async function allPages(get, path) {
  const items = []
  let cursor = null
  for (let i = 0; i < 20; i++) {
    const page = await get(`${path}${path.includes('?') ? '&' : '?'}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    items.push(...page.items)
    if (!page.next) break
    cursor = page.next
  }
  return items
}
