// The consent protocol's phone half (src/lib/cosign.js): the digest agrees with the server's
// for the same payload (cosign_vector.json, also checked by tests/unit/test_pwa_modules.py
// against backend.tickets.consents.consent_digest), and a consent verifies only with the
// co-signer's key, for that number and that digest. Run by tests/unit/test_pwa_modules.py.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

const cosign = await import('../src/lib/cosign.js')
const vector = JSON.parse(readFileSync(new URL('./cosign_vector.json', import.meta.url), 'utf8'))

test('the digest is the server\'s digest of the same payload', async () => {
  assert.equal(await cosign.digestOf(vector.payload), vector.digest)
  // key order on the phone does not matter; content does
  const shuffled = Object.fromEntries(Object.entries(vector.payload).reverse())
  assert.equal(await cosign.digestOf(shuffled), vector.digest)
  assert.notEqual(await cosign.digestOf({ ...vector.payload, facts: vector.payload.facts + ' ' }), vector.digest)
})

test('a consent verifies with the co-signer\'s key only, for this number and digest', async () => {
  const mine = await cosign.newSessionKey()
  const other = await cosign.newSessionKey()
  const keys = [{ key_id: await cosign.keyId(mine.publicKey), public_key: mine.publicKey }]
  const sig = await cosign.signConsent(mine.privateKey, 'N-1', vector.digest)
  assert.match(sig, /^[A-Za-z0-9_-]{86}$/)
  assert.equal(await cosign.verifyConsent(keys, keys[0].key_id, 'N-1', vector.digest, sig), true)
  assert.equal(await cosign.verifyConsent(keys, null, 'N-2', vector.digest, sig), false)
  assert.equal(await cosign.verifyConsent(keys, null, 'N-1', '0'.repeat(64), sig), false)
  const forged = await cosign.signConsent(other.privateKey, 'N-1', vector.digest)
  assert.equal(await cosign.verifyConsent(keys, null, 'N-1', vector.digest, forged), false)
  assert.equal(await cosign.verifyConsent([], null, 'N-1', vector.digest, sig), false)
  assert.equal(await cosign.verifyConsent(keys, null, 'N-1', vector.digest, 'not-a-signature'), false)
})

test('the QR texts round-trip and anything else is not a request or a consent', async () => {
  assert.deepEqual(await cosign.parseRequest(cosign.requestText(vector.payload)), vector.payload)
  // the deflated request: smaller than the text, and read back whole
  const bytes = await cosign.requestBytes(vector.payload)
  assert.ok(bytes.length < new TextEncoder().encode(cosign.requestText(vector.payload)).length * 0.8, bytes.length)
  assert.deepEqual(await cosign.parseRequest(bytes), vector.payload)
  assert.equal(await cosign.parseRequest(bytes.slice(0, 10)), null) // cut short: not a request
  const c = { number: 'N-1', digest: vector.digest, username: 'zf002', keyId: 'abc', signature: 'x'.repeat(86) }
  assert.deepEqual(cosign.parseConsent(cosign.consentText(c)), c)
  for (const junk of [null, '', 'https://example.org', 'ZSQ1:{', 'ZSQ1:{"number":1}', 'ZSC1:{"n":"N","d":"zz","u":"a","s":"b"}']) {
    assert.equal(await cosign.parseRequest(junk), null)
    assert.equal(cosign.parseConsent(junk), null)
  }
})
