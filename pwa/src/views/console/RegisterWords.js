// The register's and the spot checks' values in words (Chinese first): a supervisor never reads
// `individual_business`, `high` or `voided`. The server's dictionary (lib/present.js) covers the
// figures' values (results, case stages); these are the register's own.
import { t, msg } from '../../lib/i18n.js'
import { ApiError } from '../../lib/api.js'

export const KINDS = {
  shop: ['商户', 'Shop'], company: ['企业', 'Company'], individual_business: ['个体工商户', 'Sole trader'],
  site: ['场所', 'Site'], individual: ['个人', 'Individual'], other: ['其他', 'Other'],
}
export const RISKS = { low: ['低风险', 'Low risk'], medium: ['中风险', 'Medium risk'], high: ['高风险', 'High risk'] }
export const RESULTS = {
  compliant: ['合格', 'Compliant'], rectify: ['责令整改', 'To rectify'], violation: ['发现违法', 'Violation'],
}
export const FOLLOW_UPS = { ticket: ['当场处罚', 'On-the-spot decision'], case: ['立案查处', 'Case opened'] }
export const TICKET_STATUSES = { issued: ['已作出', 'Issued'], voided: ['已作废', 'Void'] }
export const PENALTIES = {
  warning: ['警告', 'Warning'], fine: ['罚款', 'Fine'], warning_fine: ['警告并处罚款', 'Warning and fine'],
  education: ['不予处罚', 'No penalty'],
}
// a spot check's result as the public notice words it (spot_service.RESULT_ZH)
export const SPOT_RESULTS = {
  compliant: ['未发现问题', 'No problem found'], rectify: ['发现问题，已责令整改', 'Problem found, ordered to rectify'],
  violation: ['发现违法行为，依法处理', 'Violation found and dealt with'],
}
export const PLAN_STATUSES = { planned: ['待抽取', 'Planned'], drawn: ['已抽取', 'Drawn'], published: ['已公示', 'Published'] }
export const SEED_SOURCES = { server: ['服务器随机生成', 'made by the server'], given: ['人工指定', 'given by a supervisor'] }

/** A value in words; an unknown one is "其他" rather than the raw value. */
export function word(map, key) {
  if (key === null || key === undefined || key === '') return '—'
  return map[key] ? t(...map[key]) : t('其他', 'Other')
}

/** [{value, text}] for a select. */
export const options = (map) => Object.entries(map).map(([value, pair]) => ({ value, text: t(...pair) }))

/** A refusal in words: the server's message, and for invalid input the fields named as the
 *  form labels them (`labels`: field → [zh, en]); without a network, say so. */
export function refusal(err, labels = {}) {
  if (!(err instanceof ApiError)) return t('无网络：此功能需要联网', 'No network: this needs a connection')
  const fields = Object.keys(err.details?.fields || {}).map((f) => (labels[f] ? t(...labels[f]) : null)).filter(Boolean)
  return fields.length ? `${msg(err.messages)}：${fields.join('、')}` : msg(err.messages)
}
