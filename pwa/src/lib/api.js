// The HTTP side: one error shape from the server ({code, message: {zh-CN, en}, details}),
// a network failure told apart from a refusal, and tokens refreshed per officer.
import { db } from './db.js'

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message?.en || `HTTP ${status}`)
    this.status = status
    this.code = body?.code || `http_${status}`
    this.messages = body?.message || { 'zh-CN': `请求失败（${status}）`, en: `Request failed (${status})` }
    this.details = body?.details || {}
  }
}

export class OfflineError extends Error {
  constructor(cause) {
    super('network unavailable')
    this.cause = cause
  }
}

async function send(method, path, { body, token, headers = {}, raw = false, timeoutMs = 30000 } = {}) {
  const h = { ...headers }
  if (token) h.Authorization = `Bearer ${token}`
  let payload = body
  if (body !== undefined && !(body instanceof Blob) && !(body instanceof ArrayBuffer)) {
    h['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  const ctl = new AbortController()
  const timer = setTimeout(() => ctl.abort(), timeoutMs)
  let resp
  try {
    resp = await fetch(path, { method, headers: h, body: payload, signal: ctl.signal, cache: 'no-store' })
  } catch (err) {
    throw new OfflineError(err)
  } finally {
    clearTimeout(timer)
  }
  if (raw) return resp
  const text = await resp.text()
  const data = text ? JSON.parse(text) : null
  if (!resp.ok) throw new ApiError(resp.status, data)
  return { status: resp.status, data, headers: resp.headers }
}

export const api = { send }

export async function login(username, password, deviceId) {
  const { data } = await send('POST', '/api/v1/auth/login', {
    body: { username, password, device_id: deviceId, device_label: (globalThis.navigator?.userAgent || '').slice(0, 100), app_version: __APP_VERSION__ },
  })
  return data
}

function accessFresh(session) {
  return session?.access && session.accessExpiresAt && Date.now() < session.accessExpiresAt - 30_000
}

/** A valid access token for `username`, refreshed if needed (needs the network). */
export async function accessToken(username) {
  const session = await db.sessions.get(username)
  if (!session?.refresh) throw new ApiError(401, { code: 'auth.no_session', message: { 'zh-CN': '请先登录', en: 'Log in first' } })
  if (accessFresh(session)) return session.access
  const { data } = await send('POST', '/api/v1/auth/refresh', { body: { refresh_token: session.refresh } })
  await db.sessions.update(username, {
    access: data.access_token,
    refresh: data.refresh_token,
    accessExpiresAt: Date.now() + data.expires_in * 1000,
  })
  return data.access_token
}

/** Call the API as `username`; a token that expired in flight is refreshed once. */
export async function asOfficer(username, method, path, opts = {}) {
  let token = await accessToken(username)
  try {
    return await send(method, path, { ...opts, token })
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && err.code === 'auth.token_expired') {
      await db.sessions.update(username, { accessExpiresAt: 0 })
      token = await accessToken(username)
      return send(method, path, { ...opts, token })
    }
    throw err
  }
}
