// Unit tests of the outbox (src/lib/outbox.js) under node's test runner, with IndexedDB
// from fake-indexeddb and a scripted server behind `fetch`. Run by tests/unit/test_pwa_modules.py.
import 'fake-indexeddb/auto'
import { test, beforeEach } from 'node:test'
import assert from 'node:assert/strict'

const { db } = await import('../src/lib/db.js')
const outbox = await import('../src/lib/outbox.js')

// --- a small scripted server ---------------------------------------------------------------
const server = {
  online: true,
  records: [],           // every record the server received, in order
  stored: new Map(),     // id -> first status
  media: new Map(),      // sha -> bytes received so far (Uint8Array)
  puts: [],              // Content-Range of every chunk PUT
  answer: () => 'created',
  failPut: () => false,  // (range) -> true: the connection drops during this chunk
  refuseMedia: false,
}

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

globalThis.fetch = async (path, opts = {}) => {
  if (!server.online) throw new TypeError('Failed to fetch')
  const url = new URL(path, 'http://phone.test')
  if (url.pathname === '/api/v1/sync') {
    const body = JSON.parse(opts.body)
    const results = body.records.map((r) => {
      server.records.push(r)
      if (server.stored.has(r.id)) return { id: r.id, status: 'duplicate', original_status: server.stored.get(r.id) }
      const status = server.answer(r)
      if (status === 'rejected') return { id: r.id, status, code: 'x.bad', message: { 'zh-CN': '数据有误', en: 'bad' }, retryable: false }
      if (status === 'later') return { id: r.id, status: 'rejected', code: 'patrol.not_found', retryable: true }
      if (status === 'conflict') return { id: r.id, status, code: 'sync.conflict', message: { 'zh-CN': '冲突', en: 'conflict' } }
      server.stored.set(r.id, status)
      return { id: r.id, status }
    })
    return json(200, { results, server_time: new Date().toISOString() })
  }
  const m = url.pathname.match(/^\/api\/v1\/media\/([0-9a-f]{64})(\/status)?$/)
  if (m) {
    const [, sha, isStatus] = m
    const have = server.media.get(sha)
    if (isStatus) {
      server.statuses.push(sha)
      if (have?.done) return json(200, { sha256: sha, state: 'complete', offset: have.bytes.length, total: have.bytes.length })
      if (have) return json(200, { sha256: sha, state: 'partial', offset: have.bytes.length, total: have.total })
      return json(200, { sha256: sha, state: 'absent', offset: 0, total: null })
    }
    const range = opts.headers['Content-Range']
    server.puts.push(range)
    const [, a, b, total] = range.match(/bytes (\d+)-(\d+)\/(\d+)/).map(Number)
    const chunk = new Uint8Array(await opts.body.arrayBuffer())
    const cur = have || { bytes: new Uint8Array(0), total }
    if (a !== cur.bytes.length) return json(409, { code: 'upload.offset_mismatch', message: {}, details: { offset: cur.bytes.length } })
    if (server.failPut(range)) {
      // half the chunk arrives, then the connection drops
      const half = chunk.slice(0, chunk.length >> 1)
      const next = new Uint8Array(cur.bytes.length + half.length)
      next.set(cur.bytes); next.set(half, cur.bytes.length)
      server.media.set(sha, { bytes: next, total })
      throw new TypeError('network changed')
    }
    if (server.refuseMedia) return json(422, { code: 'media.corrupt', message: { 'zh-CN': '图片已损坏', en: 'corrupt' }, details: {} })
    const next = new Uint8Array(cur.bytes.length + chunk.length)
    next.set(cur.bytes); next.set(chunk, cur.bytes.length)
    const done = b + 1 === total
    server.media.set(sha, { bytes: next, total, done })
    return done ? json(201, { sha256: sha }) : json(202, { sha256: sha, state: 'partial', offset: next.length, total })
  }
  if (url.pathname === '/api/v1/auth/logout') return json(204, {})
  return json(404, { code: 'not_found' })
}

beforeEach(async () => {
  Object.assign(server, { online: true, records: [], stored: new Map(), media: new Map(), puts: [], statuses: [], answer: () => 'created',
    failPut: () => false, refuseMedia: false })
  await Promise.all([db.outbox.clear(), db.blobs.clear(), db.sessions.clear()])
  await db.sessions.put({ username: 'zf001', access: 'tok', refresh: 'ref', accessExpiresAt: Date.now() + 3600e3 })
  await outbox.kick(true) // settle the module's backoff state from the previous test
})

function photo(size, seed = 1) {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff
  return new Blob([bytes], { type: 'image/jpeg' })
}

async function drain() {
  await outbox.kick(true)
}

test('records go in order and leave only when acknowledged and their photos verified', async () => {
  const sha = await outbox.keepBlob(photo(600 * 1024), 'zf001')
  for (const [i, kind] of ['patrol_start', 'inspection', 'patrol_end'].entries()) {
    await outbox.enqueue({ id: `00000000-0000-0000-0000-00000000000${i}`, kind, officer: 'zf001', payload: { i },
      photos: kind === 'inspection' ? [sha] : [] })
  }
  await drain()
  assert.deepEqual(server.records.map((r) => r.kind), ['patrol_start', 'inspection', 'patrol_end'])
  assert.deepEqual(server.puts, ['bytes 0-262143/614400', 'bytes 262144-524287/614400', 'bytes 524288-614399/614400'])
  assert.equal(await db.outbox.count(), 0)
  assert.equal((await db.blobs.get(sha)).verified, 1)
  assert.equal((await outbox.summary()).unsynced, 0)
})

test('no network: nothing is lost, the outbox backs off, and later it all goes exactly once', async () => {
  server.online = false
  await outbox.enqueue({ id: '10000000-0000-0000-0000-000000000001', kind: 'inspection', officer: 'zf001', payload: {} })
  await drain()
  const s = await outbox.summary()
  assert.equal(s.unsynced, 1)
  assert.equal(s.lastError, 'offline')
  assert.ok(s.nextTry > Date.now(), 'a retry is scheduled, not hammered')
  assert.equal((await db.outbox.toArray())[0].status, 'pending')
  server.online = true
  await drain()
  await drain() // a second drain sends nothing again
  assert.equal(server.records.length, 1)
  assert.equal(await db.outbox.count(), 0)
})

test('refusals stay for the officer with the server message; "not yet" is retried', async () => {
  server.answer = (r) => r.payload.want
  await outbox.enqueue({ id: '20000000-0000-0000-0000-000000000001', kind: 'inspection', officer: 'zf001', payload: { want: 'rejected' } })
  await outbox.enqueue({ id: '20000000-0000-0000-0000-000000000002', kind: 'inspection', officer: 'zf001', payload: { want: 'conflict' } })
  await outbox.enqueue({ id: '20000000-0000-0000-0000-000000000003', kind: 'track_points', officer: 'zf001', payload: { want: 'later' } })
  await drain()
  const rows = await db.outbox.orderBy('seq').toArray()
  assert.deepEqual(rows.map((r) => r.status), ['error', 'conflict', 'retry'])
  assert.equal(rows[0].message['zh-CN'], '数据有误')
  assert.equal((await outbox.summary()).needsAttention, 2)
  // the officer fixes the first and sends it again
  server.answer = () => 'created'
  await outbox.retry(rows[0].seq, { payload: { want: 'fixed' } })
  assert.equal(await db.outbox.where('id').equals('20000000-0000-0000-0000-000000000001').count(), 0)
})

test('a photo cut off mid-upload resumes from the offset the server reports', async () => {
  const sha = await outbox.keepBlob(photo(700 * 1024, 7), 'zf001')
  await outbox.enqueue({ id: '30000000-0000-0000-0000-000000000001', kind: 'inspection', officer: 'zf001', payload: {}, photos: [sha] })
  let cut = true
  server.failPut = (range) => cut && range.startsWith('bytes 262144-')
  await drain()
  assert.equal((await db.blobs.get(sha)).verified, 0)
  assert.equal(await db.outbox.count(), 1, 'the record waits for its photo')
  const kept = server.media.get(sha).bytes.length // half of the second chunk arrived
  assert.equal(kept, 262144 + 131072)
  cut = false
  await drain()
  assert.ok(server.puts.some((r) => r.startsWith(`bytes ${kept}-`)), `resumed at ${kept}: ${server.puts}`)
  assert.deepEqual(server.statuses, [sha], 'the resumed upload asked where to go on, once')
  assert.equal((await db.blobs.get(sha)).verified, 1)
  assert.equal(await db.outbox.count(), 0)
  const original = new Uint8Array(await (photo(700 * 1024, 7)).arrayBuffer())
  assert.deepEqual(server.media.get(sha).bytes, original, 'the server has exactly the original bytes')
})

test('a dropped connection is tried again when its backoff ends, not at the next 30 s tick', async () => {
  const sha = await outbox.keepBlob(photo(400 * 1024, 5), 'zf001')
  await outbox.enqueue({ id: '30000000-0000-0000-0000-000000000002', kind: 'inspection', officer: 'zf001', payload: {}, photos: [sha] })
  let cuts = 1
  server.failPut = (range) => range.startsWith('bytes 262144-') && cuts-- > 0
  await drain()
  assert.equal((await db.blobs.get(sha)).verified, 0)
  const { nextTry } = await outbox.summary()
  const waited = Date.now()
  // the retry's drain verifies the photo, then removes the record: wait for both
  while ((await db.outbox.count()) !== 0) {
    assert.ok(Date.now() - waited < 6000, 'retried by itself within its 2 s backoff')
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.ok(Date.now() >= nextTry, 'not before the backoff ended')
  assert.equal((await db.blobs.get(sha)).verified, 1)
})

test('a first upload goes straight to the bytes; only a resumed one asks the server where it got to', async () => {
  const sha = await outbox.keepBlob(photo(300 * 1024, 9), 'zf001')
  await outbox.enqueue({ id: '30000000-0000-0000-0000-000000000009', kind: 'inspection', officer: 'zf001', payload: {}, photos: [sha] })
  await drain()
  assert.equal((await db.blobs.get(sha)).verified, 1)
  assert.deepEqual(server.statuses, [], 'no status round trip before a first upload')
  assert.deepEqual(server.puts, ['bytes 0-262143/307200', 'bytes 262144-307199/307200'])
})

test('a photo the server refuses marks its record for the officer instead of retrying forever', async () => {
  server.refuseMedia = true
  const sha = await outbox.keepBlob(photo(1000, 3), 'zf001')
  await outbox.enqueue({ id: '40000000-0000-0000-0000-000000000001', kind: 'inspection', officer: 'zf001', payload: {}, photos: [sha] })
  await drain()
  assert.equal((await db.outbox.toArray())[0].status, 'error')
  assert.equal((await db.blobs.get(sha)).verified, -1)
})

test('each record goes with its own officer, also after that officer logged out', async () => {
  await db.sessions.put({ username: 'zf002', access: 'tok2', refresh: 'ref2', accessExpiresAt: Date.now() + 3600e3, loggedOut: true })
  await outbox.enqueue({ id: '50000000-0000-0000-0000-000000000001', kind: 'inspection', officer: 'zf002', payload: {} })
  const seen = []
  const real = globalThis.fetch
  globalThis.fetch = async (path, opts) => { seen.push([new URL(path, 'http://x').pathname, opts.headers.Authorization]); return real(path, opts) }
  try {
    await drain()
  } finally {
    globalThis.fetch = real
  }
  assert.deepEqual(seen[0], ['/api/v1/sync', 'Bearer tok2'])
  assert.ok(seen.some(([p, a]) => p === '/api/v1/auth/logout' && a === 'Bearer tok2'), 'the session ends once their records are through')
  assert.equal(await db.sessions.get('zf002'), undefined)
})

test("one officer's expired login on a shared phone does not hold back the others' records", async () => {
  // zf003's session is gone for good (refresh refused); zf001's records still go, in the same drain
  await db.sessions.put({ username: 'zf003', access: 'old', refresh: 'gone', accessExpiresAt: Date.now() + 3600e3 })
  await outbox.enqueue({ id: '60000000-0000-0000-0000-000000000003', kind: 'inspection', officer: 'zf003', payload: {} })
  await outbox.enqueue({ id: '60000000-0000-0000-0000-000000000001', kind: 'inspection', officer: 'zf001', payload: {} })
  const real = globalThis.fetch
  globalThis.fetch = async (path, opts) => {
    if (opts.headers?.Authorization === 'Bearer old') {
      return new Response(JSON.stringify({ code: 'auth.session_revoked', message: { 'zh-CN': '请重新登录', en: 'log in again' } }),
        { status: 401, headers: { 'Content-Type': 'application/json' } })
    }
    return real(path, opts)
  }
  try {
    await drain()
  } finally {
    globalThis.fetch = real
  }
  assert.deepEqual(server.records.map((r) => r.id), ['60000000-0000-0000-0000-000000000001'])
  assert.equal((await db.outbox.where('officer').equals('zf003').toArray()).length, 1) // kept for when zf003 logs in again
  assert.equal(outbox.officerErrors.zf003, 'auth.session_revoked')
  assert.equal(outbox.officerErrors.zf001, undefined)
  await db.outbox.clear()
})

test('the same content hashes the same (SHA-256 by Web Crypto) and is kept once', async () => {
  const a = await outbox.keepBlob(photo(5000, 9), 'zf001')
  const b = await outbox.keepBlob(photo(5000, 9), 'zf001')
  assert.equal(a, b)
  assert.match(a, /^[0-9a-f]{64}$/)
  assert.equal(await db.blobs.count(), 1)
})

test('a large file is hashed slice by slice to the same SHA-256 as Web Crypto', async () => {
  const { createHash } = await import('node:crypto')
  for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 4 * 1024 * 1024 + 61]) {
    const bytes = new Uint8Array(n)
    for (let i = 0; i < n; i++) bytes[i] = (i * 7 + 3) & 0xff
    assert.equal(await outbox.sha256Sliced(new Blob([bytes])), createHash('sha256').update(bytes).digest('hex'), `${n} bytes`)
  }
  const big = photo(33 * 1024 * 1024 + 17, 4) // over the Web Crypto limit: keepBlob takes the sliced path
  assert.equal(await outbox.sha256Hex(big), createHash('sha256').update(new Uint8Array(await big.arrayBuffer())).digest('hex'))
})

test('photos and voice notes go before videos (the smallest first), progress is kept per file, and a record queued meanwhile goes between chunks', async () => {
  const typed = (size, seed, type) => new Blob([photo(size, seed)], { type })
  const bigVideo = await outbox.keepBlob(typed(600 * 1024, 11, 'video/mp4'), 'zf001', { kind: 'video' })
  const still = await outbox.keepBlob(photo(300 * 1024, 12), 'zf001')
  const smallVideo = await outbox.keepBlob(typed(300 * 1024, 13, 'video/mp4'), 'zf001', { kind: 'video' })
  const voice = await outbox.keepBlob(typed(20 * 1024, 14, 'audio/webm;codecs=opus'), 'zf001', { kind: 'audio', duration_s: 4 })
  await outbox.enqueue({ id: '70000000-0000-0000-0000-000000000001', kind: 'inspection', officer: 'zf001', payload: {},
    photos: [bigVideo, still, smallVideo, voice] })

  // the outbox screen's list: kind, size, bytes confirmed; in the order they will go
  const before = await outbox.pendingFiles()
  assert.deepEqual(before.map((f) => [f.sha256, f.kind, f.size, f.sent]),
    [[still, 'photo', 300 * 1024, 0], [voice, 'audio', 20 * 1024, 0], [smallVideo, 'video', 300 * 1024, 0], [bigVideo, 'video', 600 * 1024, 0]])

  const order = []    // the file of every PUT, in order
  const sent = []     // the big video's `sent` each time the outbox reported a change
  const off = outbox.onChange(() => { db.blobs.get(bigVideo).then((b) => b && sent.push(b.sent)) })
  const real = globalThis.fetch
  let ticketQueued = false
  globalThis.fetch = async (path, opts) => {
    const m = new URL(path, 'http://x').pathname.match(/^\/api\/v1\/media\/([0-9a-f]{64})$/)
    if (m && opts.method === 'PUT') {
      order.push(m[1])
      if (m[1] === bigVideo && !ticketQueued) { // the officer issues a ticket while the clip uploads
        ticketQueued = true
        await outbox.enqueue({ id: '70000000-0000-0000-0000-000000000002', kind: 'ticket', officer: 'zf001', payload: {} })
      }
    }
    if (new URL(path, 'http://x').pathname === '/api/v1/sync') order.push('sync')
    return real(path, opts)
  }
  let cut = true
  server.failPut = (range) => cut && range === 'bytes 262144-524287/614400' && order.at(-1) === bigVideo
  try {
    await drain()
    // the connection dropped in the big video's second chunk: what the server confirmed is kept
    assert.equal((await db.blobs.get(bigVideo)).sent, 262144)
    assert.equal((await outbox.pendingFiles()).find((f) => f.sha256 === bigVideo).sent, 262144)
    assert.ok(server.records.some((r) => r.kind === 'ticket'), 'the ticket went between two chunks of the video, not after it')
    cut = false
    await drain()
  } finally {
    globalThis.fetch = real
    off()
  }
  const first = (sha) => order.indexOf(sha)
  const last = (sha) => order.lastIndexOf(sha)
  assert.ok(Math.max(last(still), last(voice)) < Math.min(first(smallVideo), first(bigVideo)), `small files first: ${order}`)
  assert.ok(first(smallVideo) < first(bigVideo), 'the smaller video first')
  const ticketSync = order.indexOf('sync', first(bigVideo))
  assert.ok(ticketSync > first(bigVideo) && ticketSync < last(bigVideo), `the ticket between the chunks: ${order}`)
  await new Promise((r) => setTimeout(r, 20)) // the last change's read
  assert.ok(sent.includes(262144) && sent.at(-1) === 600 * 1024, `progress reported: ${sent}`)
  for (const sha of [bigVideo, still, smallVideo, voice]) assert.equal((await db.blobs.get(sha)).verified, 1)
  assert.deepEqual(await outbox.pendingFiles(), [])
  assert.equal(await db.outbox.count(), 0)
})

test('a voice note recorded again is not uploaded; a file a queued record cites stays', async () => {
  const dropped = await outbox.keepBlob(new Blob([photo(1000, 21)], { type: 'audio/webm' }), 'zf001', { kind: 'audio' })
  const cited = await outbox.keepBlob(new Blob([photo(1000, 22)], { type: 'audio/webm' }), 'zf001', { kind: 'audio' })
  server.online = false // nothing leaves while the officer records
  await outbox.enqueue({ id: '80000000-0000-0000-0000-000000000001', kind: 'inspection', officer: 'zf001', payload: {}, photos: [cited] })
  await outbox.forgetBlob(dropped)
  await outbox.forgetBlob(cited)
  assert.equal(await db.blobs.get(dropped), undefined)
  assert.equal((await db.blobs.get(cited)).verified, 0)
  server.online = true
  await drain()
  assert.equal(await db.outbox.count(), 0)
})

test("a voice note recorded by Chrome (a WebM without a length) is kept with its length written in", async () => {
  const { withWebmDuration } = await import('../src/lib/media.js')
  // what MediaRecorder writes: the EBML header, a Segment of unknown size, an Info with no
  // Duration (TimecodeScale 1 ms, the muxer's name), then the clusters
  const ebml = [0x1a, 0x45, 0xdf, 0xa3, 0x84, 0x42, 0x82, 0x81, 0x77] // DocType-ish payload, 4 bytes
  const segment = [0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
  const info = [0x15, 0x49, 0xa9, 0x66, 0x8d, 0x2a, 0xd7, 0xb1, 0x83, 0x0f, 0x42, 0x40, 0x4d, 0x80, 0x83, 0x43, 0x68, 0x72]
  const cluster = [0x1f, 0x43, 0xb6, 0x75, 0x84, 1, 2, 3, 4]
  const recorded = new Blob([new Uint8Array([...ebml, ...segment, ...info, ...cluster])], { type: 'audio/webm;codecs=opus' })
  const kept = await withWebmDuration(recorded, 2.5)
  const bytes = new Uint8Array(await kept.arrayBuffer())
  const at = bytes.findIndex((b, i) => b === 0x44 && bytes[i + 1] === 0x89 && bytes[i + 2] === 0x88)
  assert.ok(at > 0, 'a Duration element')
  assert.equal(new DataView(bytes.buffer).getFloat64(at + 3), 2500, 'in milliseconds (the TimecodeScale)')
  assert.deepEqual([...bytes.slice(-cluster.length)], cluster, 'the recording itself is untouched')
  assert.equal(await withWebmDuration(kept, 9), kept, 'one that has a length keeps it')
  const mp4 = new Blob([new Uint8Array([0, 0, 0, 8, 0x66, 0x74, 0x79, 0x70])], { type: 'audio/mp4' })
  assert.equal(await withWebmDuration(mp4, 2), mp4, "Safari's MP4 is left as it is")
})
