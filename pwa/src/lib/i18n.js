// Chinese first, English available. Strings are written as pairs at the point of use —
// t('巡查', 'Patrol') — so the Chinese the officer reads is right next to the code.
import { reactive } from 'vue'
import { getMeta, setMeta } from './db.js'

export const i18n = reactive({ locale: 'zh-CN' })

export function t(zh, en) {
  return i18n.locale === 'en' ? en : zh
}

/** A server message {zh-CN, en} in the current language. */
export function msg(m) {
  if (!m) return ''
  if (typeof m === 'string') return m
  return (i18n.locale === 'en' ? m.en : m['zh-CN']) || m['zh-CN'] || m.en || ''
}

export async function loadLocale() {
  i18n.locale = (await getMeta('locale')) || 'zh-CN'
  document.documentElement.lang = i18n.locale
}

export async function setLocale(locale) {
  i18n.locale = locale
  document.documentElement.lang = locale
  await setMeta('locale', locale)
}

export function fen(amount) {
  return amount == null ? '' : `¥${(amount / 100).toFixed(2)}`
}

export function ago(seconds) {
  if (seconds < 60) return t(`${seconds} 秒`, `${seconds} s`)
  if (seconds < 3600) return t(`${Math.round(seconds / 60)} 分钟`, `${Math.round(seconds / 60)} min`)
  if (seconds < 86400) return t(`${Math.round(seconds / 3600)} 小时`, `${Math.round(seconds / 3600)} h`)
  return t(`${Math.round(seconds / 86400)} 天`, `${Math.round(seconds / 86400)} d`)
}
