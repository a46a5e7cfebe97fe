// The second officer's consent to a decision (两人执法, §42), offline between two phones.
// No UI and no storage here: views and session.js call these plain functions.
//
// - digestOf(payload): the contract's digest — SHA-256 of the payload as JSON with sorted
//   keys, separators (",", ":"), UTF-8, no ASCII escaping (the server computes the same).
// - Each session has an ECDSA P-256 key pair made on this phone (the private key cannot be
//   exported); its public half is registered with the server and listed in the team roster.
// - The issuing phone shows the decision as a QR (requestText); the co-signer's phone reads
//   it, signs consentMessage(number, digest) and shows consentText; the issuing phone checks
//   that signature with the co-signer's public key from the roster (verifyConsent).

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' }
const SIGN = { name: 'ECDSA', hash: 'SHA-256' }
export const REQUEST_PREFIX = 'ZSQ1:'
export const CONSENT_PREFIX = 'ZSC1:'

/** JSON with keys sorted at every level and no spaces (Python's sort_keys, separators). */
export function canonicalJson(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`
}

function hex(buf) {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

function b64(bytes) {
  let s = ''
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b)
  return btoa(s)
}

function unb64(text) {
  const s = atob(text)
  return Uint8Array.from(s, (c) => c.charCodeAt(0))
}

function b64url(bytes) {
  return b64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function unb64url(text) {
  const s = text.replace(/-/g, '+').replace(/_/g, '/')
  return unb64(s + '='.repeat((4 - (s.length % 4)) % 4))
}

/** Lowercase hex SHA-256 of the canonical JSON, UTF-8. */
export async function digestOf(payload) {
  return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonicalJson(payload))))
}

export function consentMessage(number, digest) {
  return new TextEncoder().encode(`zhangshang-cosign:v1:${number}:${digest}`)
}

/** A new session key pair: {privateKey (not extractable), publicKey: SPKI base64}. */
export async function newSessionKey() {
  const pair = await crypto.subtle.generateKey(ECDSA, false, ['sign', 'verify'])
  return { privateKey: pair.privateKey, publicKey: b64(await crypto.subtle.exportKey('spki', pair.publicKey)) }
}

/** The server's key id for a public key (first 16 hex of SHA-256 of its base64 text). */
export async function keyId(publicKey) {
  return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(publicKey))).slice(0, 16)
}

/** Sign the consent with this session's private key: raw r‖s, base64url (86 characters). */
export async function signConsent(privateKey, number, digest) {
  return b64url(await crypto.subtle.sign(SIGN, privateKey, consentMessage(number, digest)))
}

/** Does `signature` over (number, digest) verify with one of `keys` ([{key_id, public_key}])? */
export async function verifyConsent(keys, keyIdUsed, number, digest, signature) {
  for (const k of keys || []) {
    if (keyIdUsed && k.key_id !== keyIdUsed) continue
    try {
      const key = await crypto.subtle.importKey('spki', unb64(k.public_key), ECDSA, false, ['verify'])
      if (await crypto.subtle.verify(SIGN, key, unb64url(signature), consentMessage(number, digest))) return true
    } catch { /* a malformed key or signature verifies nothing */ }
  }
  return false
}

/** What the issuing phone's QR carries: the decision itself (the co-signer reads it all). */
export function requestText(payload) {
  return REQUEST_PREFIX + JSON.stringify(payload)
}

// The same, deflated into the QR's byte mode: Chinese facts and hex digests compress well,
// so a long decision still makes a code another phone's camera reads (a ZSQ2 magic, then
// raw DEFLATE of the JSON).
const REQUEST_MAGIC = new TextEncoder().encode('ZSQ2')

async function pipe(bytes, stream) {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer())
}

export async function requestBytes(payload) {
  const packed = await pipe(new TextEncoder().encode(JSON.stringify(payload)), new CompressionStream('deflate-raw'))
  const out = new Uint8Array(REQUEST_MAGIC.length + packed.length)
  out.set(REQUEST_MAGIC)
  out.set(packed, REQUEST_MAGIC.length)
  return out
}

const asRequest = (payload) => (payload && typeof payload.number === 'string' && Array.isArray(payload.officers) ? payload : null)

/** A request read from a QR: the deflated bytes (ZSQ2), or the older text (ZSQ1:). */
export async function parseRequest(data) {
  if (data instanceof Uint8Array && REQUEST_MAGIC.every((b, i) => data[i] === b)) {
    try {
      const json = await pipe(data.subarray(REQUEST_MAGIC.length), new DecompressionStream('deflate-raw'))
      return asRequest(JSON.parse(new TextDecoder().decode(json)))
    } catch { return null }
  }
  const text = data instanceof Uint8Array ? new TextDecoder().decode(data) : data
  if (!text?.startsWith(REQUEST_PREFIX)) return null
  try {
    return asRequest(JSON.parse(text.slice(REQUEST_PREFIX.length)))
  } catch { return null }
}

/** What the co-signer's QR carries: number, digest, username, key id, signature. */
export function consentText({ number, digest, username, keyId: k, signature }) {
  return CONSENT_PREFIX + JSON.stringify({ n: number, d: digest, u: username, k, s: signature })
}

export function parseConsent(text) {
  if (!text?.startsWith(CONSENT_PREFIX)) return null
  try {
    const c = JSON.parse(text.slice(CONSENT_PREFIX.length))
    return typeof c.n === 'string' && /^[0-9a-f]{64}$/.test(c.d) && typeof c.u === 'string' && typeof c.s === 'string'
      ? { number: c.n, digest: c.d, username: c.u, keyId: c.k, signature: c.s } : null
  } catch { return null }
}

/** The bytes of the QR code in a photo (or screenshot) of another phone's screen. */
export async function readQrBytes(file) {
  const { default: jsQR } = await import('jsqr')
  const bitmap = await createImageBitmap(file)
  // large photos are scaled down: jsQR is quick on a ~1000 px image and the code stays readable
  const scale = Math.min(1, 1200 / Math.max(bitmap.width, bitmap.height))
  const w = Math.round(bitmap.width * scale)
  const h = Math.round(bitmap.height * scale)
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h })
  const g = canvas.getContext('2d')
  g.drawImage(bitmap, 0, 0, w, h)
  const found = jsQR(g.getImageData(0, 0, w, h).data, w, h)
  return found ? new Uint8Array(found.binaryData) : null
}

/** The text of the QR code in a photo (or screenshot) of another phone's screen. */
export async function readQr(file) {
  const bytes = await readQrBytes(file)
  return bytes ? new TextDecoder().decode(bytes) : null
}
