// What a person reads in a table of records (the console's drill-downs): column names in
// words, money in yuan, times in Asia/Shanghai, states in Chinese — never a column key,
// a UTC timestamp, an English enum value or fen.
import { t, fen } from './i18n.js'
import { dateTime } from './time.js'

// The dictionary is the server's (GET /api/v1/supervision/dictionary, backend/supervision/
// columns.py): the console shows the same words as the CSV and Excel files.
const dict = { columns: {}, values: {} }

export function setDictionary(d) {
  dict.columns = d?.columns || {}
  dict.values = d?.values || {}
}

const words = (entry) => t(entry['zh-CN'], entry.en)

export function columnLabel(key) {
  const c = dict.columns[key]
  return c ? words(c) : key.replace(/_/g, ' ')
}

export function cellText(key, value) {
  if (value === null || value === undefined || value === '') return '—'
  if (typeof value === 'boolean') return value ? t('是', 'yes') : t('否', 'no')
  if (key.endsWith('_fen')) return fen(value)
  if (key === 'dispatch_to_feedback_s') return String(Math.round(value / 60))
  if (key.endsWith('_at')) return dateTime(value)
  if (Array.isArray(value)) return String(value.length)
  if (key === 'alarms') return String(value).split(',').filter(Boolean).map((a) => (dict.values[a] ? words(dict.values[a]) : a)).join('、')
  const v = typeof value === 'string' ? dict.values[value] : null
  return v ? words(v) : String(value)
}
