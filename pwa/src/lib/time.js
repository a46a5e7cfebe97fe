// Days and times as the law and the team count them: Asia/Shanghai, whatever zone the
// phone or the desk computer happens to be set to (a console on a UTC machine once showed
// UTC times, and its "today" was yesterday until 08:00). Shanghai keeps no summer time,
// so a local wall time is that time at +08:00.
import { i18n } from './i18n.js'

export const ZONE = 'Asia/Shanghai'
const OFFSET = '+08:00'

const dayParts = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' })

/** The local day of an instant (default: now) as YYYY-MM-DD. */
export function localDay(at = new Date()) {
  const p = Object.fromEntries(dayParts.formatToParts(at instanceof Date ? at : new Date(at)).map((x) => [x.type, x.value]))
  return `${p.year}-${p.month}-${p.day}`
}

/** YYYY-MM-DD plus `days` (calendar days). */
export function addDays(day, days) {
  const d = new Date(`${day}T12:00:00${OFFSET}`)
  return localDay(new Date(d.getTime() + days * 86400000))
}

const lang = () => (i18n.locale === 'en' ? 'en-GB' : 'zh-CN')

/** Date and time for people: local, 24-hour, in the UI's language. */
export function dateTime(value) {
  if (value === null || value === undefined || value === '') return ''
  return new Date(value).toLocaleString(lang(), { timeZone: ZONE, hour12: false })
}

/** Time of day for people (hh:mm:ss, local). */
export function timeOfDay(value) {
  if (value === null || value === undefined || value === '') return ''
  return new Date(value).toLocaleTimeString(lang(), { timeZone: ZONE, hour12: false })
}

/** A `datetime-local` input's value (a wall time in Shanghai) as an ISO instant. */
export function fromLocalInput(value) {
  return value ? new Date(`${value.length === 16 ? `${value}:00` : value}${OFFSET}`).toISOString() : null
}
