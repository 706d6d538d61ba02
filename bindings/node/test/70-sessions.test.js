'use strict';
// Sessions and artifacts: the shared vectors (tests/vectors/session.json),
// 5 MB pipelines through the artifact streams, how a write stream ends,
// streams outliving engine.close(), argument and library errors, and
// Lua/JS spells sharing sessions and artifacts with Node.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { once } = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Readable, Writable } = require('node:stream');
const { spawnSync } = require('node:child_process');
const { pipeline, finished } = require('node:stream/promises');
const { Engine, Sessions, Artifacts, ArtifactWriteStream, ArtifactReadStream, LlmspellError } = require('..');
const native = require('../lib/native');
const { kHandle } = require('../lib/symbols');

const VECTORS = process.env.LLMSPELL_SESSION_VECTORS ||
  path.resolve(__dirname, '..', '..', '..', 'tests', 'vectors', 'session.json');
const { cases } = JSON.parse(fs.readFileSync(VECTORS, 'utf8'));

const MB = 1024 * 1024;

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-node-session-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function pebble(dir, extra = {}) {
  return { storage: { backend: 'pebble', data_dir: path.join(dir, 'data') }, ...extra };
}

// openEngine opens a pebble engine in a fresh folder; after the test it is
// closed first and its folder removed then.
function openEngine(t, extra) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-node-session-'));
  const engine = new Engine(pebble(dir, extra));
  t.after(() => {
    engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return engine;
}

function isCode(code) {
  return (e) => e instanceof LlmspellError && e.code === code && e.details.kind === code;
}
const isClosed = isCode('closed');
const isInvalid = isCode('invalid_argument');
const isNotFound = isCode('not_found');
const isConflict = isCode('conflict');
const isLimit = isCode('limit_exceeded');

// collect reads a Readable to one Buffer, checking the chunk size bound.
async function collect(readable, maxChunk = Infinity) {
  const parts = [];
  for await (const chunk of readable) {
    assert.ok(Buffer.isBuffer(chunk));
    assert.ok(chunk.length <= maxChunk, `chunk of ${chunk.length} bytes over ${maxChunk}`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

// pieces yields content in pieces of the given size.
function* pieces(buf, size) {
  for (let off = 0; off < buf.length; off += size) yield buf.subarray(off, off + size);
}

// --- shared vectors -----------------------------------------------------------

// Runner runs the steps of one vector case through the public API, or, for
// the few steps the JS API refuses with a TypeError before the library sees
// them (an unknown query key, a store without a name), through the same
// native call with the vector's JSON as it is.
class Runner {
  constructor(engine) {
    this.engine = engine;
    this.names = {};
  }

  sub(v) {
    if (typeof v === 'string' && v.startsWith('$')) return this.names[v.slice(1)];
    if (Array.isArray(v)) return v.map((x) => this.sub(x));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.sub(x)]));
    }
    return v;
  }

  async step(s) {
    const { sessions, artifacts } = this.engine;
    const h = this.engine[kHandle];
    const id = this.sub(s.id);
    switch (s.call) {
      case 'create': {
        const sid = sessions.create(this.sub(s.options));
        if (s.as) this.names[s.as] = sid;
        return sid;
      }
      case 'get': return sessions.get(id);
      case 'list': {
        const q = this.sub(s.query);
        const known = ['tags', 'status', 'parent', 'limit'];
        if (Object.keys(q).every((k) => known.includes(k))) return sessions.list(q);
        return JSON.parse(native.sessionList(h, JSON.stringify(q)));
      }
      case 'transition': return sessions.transition(id, s.status, s.reason);
      case 'update_metadata': return sessions.updateMetadata(id, s.fields);
      case 'delete': return sessions.delete(id);
      case 'store': {
        const data = s.data_hex !== undefined ? Buffer.from(s.data_hex, 'hex') : s.data_text;
        const { type, name, mime_type: mimeType, tags, metadata, ...rest } = s.options;
        assert.deepEqual(rest, {}, 'unknown store option in the vectors');
        if (type !== undefined && name !== undefined) {
          return artifacts.store(id, type, name, data, { mimeType, tags, metadata });
        }
        return JSON.parse(native.artifactStore(h, id, JSON.stringify(s.options), data));
      }
      case 'get_artifact': {
        const { record, data } = artifacts.get(id, s.sequence);
        assert.ok(Buffer.isBuffer(data));
        return { record, data_text: data.toString('utf8'), data_hex: data.toString('hex') };
      }
      case 'query': {
        const q = this.sub(s.query);
        const camel = { session_id: 'sessionId', name_pattern: 'namePattern', tags: 'tags', type: 'type' };
        return artifacts.query(Object.fromEntries(Object.entries(q).map(([k, v]) => {
          assert.ok(k in camel, `unknown query key ${k} in the vectors`);
          return [camel[k], v];
        })));
      }
      case 'delete_artifact': return artifacts.delete(id, s.sequence);
      case 'stream': {
        const ws = artifacts.createWriteStream(id, s.options);
        await pipeline(Readable.from(s.pieces.map((p) => Buffer.from(p))), ws);
        return ws.record;
      }
      case 'read_stream': {
        const rs = artifacts.createReadStream(id, s.sequence, { highWaterMark: s.buffer });
        return { data_text: (await collect(rs, s.buffer)).toString('utf8') };
      }
      default: throw new Error(`unknown call ${s.call} in the vectors`);
    }
  }

  // matches is the vectors' subset match: every key given must be equal,
  // recursively; strings may name earlier results.
  matches(want, got) {
    if (want !== null && typeof want === 'object' && !Array.isArray(want)) {
      return got !== null && typeof got === 'object' &&
        Object.entries(want).every(([k, v]) => k in got && this.matches(v, got[k]));
    }
    if (typeof want === 'string') return this.sub(want) === got;
    return JSON.stringify(want) === JSON.stringify(got);
  }
}

test('the session vectors use every call', () => {
  const calls = new Set(cases.flatMap((c) => c.steps.map((s) => s.call)));
  assert.deepEqual([...calls].sort(), ['create', 'delete', 'delete_artifact', 'get', 'get_artifact',
    'list', 'query', 'read_stream', 'store', 'stream', 'transition', 'update_metadata']);
});

for (const c of cases) {
  test(`session vector ${c.name} (fresh pebble engine)`, async (t) => {
    const run = new Runner(openEngine(t));
    for (const [i, s] of c.steps.entries()) {
      const where = `${c.name} step ${i} (${s.call})`;
      if ('expect_error' in s) {
        await assert.rejects(async () => run.step(s), (e) => {
          assert.ok(e instanceof LlmspellError, `${where}: ${e}`);
          assert.equal(e.code, s.expect_error, `${where}: ${e.message}`);
          assert.equal(e.details.kind, e.code, where);
          return true;
        }, where);
        continue;
      }
      const got = await run.step(s);
      if ('expect_len' in s) assert.equal(got.length, s.expect_len, `${where}: ${JSON.stringify(got)}`);
      if ('expect' in s) {
        assert.ok(run.matches(s.expect, got), `${where}: got ${JSON.stringify(got)}, want ${JSON.stringify(s.expect)}`);
      }
    }
  });
}

// --- sessions -------------------------------------------------------------------

test('engine.sessions and engine.artifacts are one object each per engine', (t) => {
  const engine = openEngine(t);
  assert.ok(engine.sessions instanceof Sessions);
  assert.ok(engine.artifacts instanceof Artifacts);
  assert.equal(engine.sessions, engine.sessions);
  assert.equal(engine.artifacts, engine.artifacts);
});

test('session lifecycle shortcuts and metadata', (t) => {
  const { sessions, artifacts } = openEngine(t);
  const sid = sessions.create({ name: 'run', description: 'd', tags: ['a', 'b'], metadata: { keep: 1, drop: 2 } });
  const rec = sessions.get(sid);
  assert.equal(rec.id, sid);
  assert.equal(rec.status, 'active');
  assert.deepEqual(rec.tags, ['a', 'b']);
  assert.equal(rec.parent, null);
  sessions.suspend(sid);
  assert.throws(() => sessions.suspend(sid), isConflict);
  sessions.resume(sid);
  sessions.complete(sid);
  assert.throws(() => sessions.resume(sid), isConflict);
  sessions.archive(sid);
  assert.equal(sessions.get(sid).status, 'archived');
  assert.throws(() => artifacts.store(sid, 'custom', 'late', 'x'), isConflict);
  assert.throws(() => artifacts.createWriteStream(sid, { type: 'custom', name: 'late' }), isConflict);

  sessions.updateMetadata(sid, { a: [1, 2], drop: null });
  assert.deepEqual(sessions.get(sid).metadata, { keep: 1, a: [1, 2] });

  const other = sessions.create();
  sessions.fail(other, 'model down');
  assert.equal(sessions.get(other).fail_reason, 'model down');
  assert.equal(sessions.get(other).name, '');
  assert.throws(() => sessions.transition(other, 'sleeping'), isInvalid);
});

test('list filters, Dates and RFC 3339 strings', (t) => {
  const { sessions } = openEngine(t);
  const p = sessions.create({ name: 'p', tags: ['x'] });
  const c = sessions.create({ name: 'c', tags: ['x', 'y'], parent: p });
  sessions.suspend(c);
  const ids = (list) => list.map((r) => r.id);
  assert.deepEqual(ids(sessions.list()), [p, c]);
  assert.deepEqual(ids(sessions.list({})), [p, c]);
  assert.deepEqual(ids(sessions.list({ tags: ['x', 'y'] })), [c]);
  assert.deepEqual(ids(sessions.list({ parent: p })), [c]);
  assert.deepEqual(ids(sessions.list({ status: 'suspended' })), [c]);
  assert.deepEqual(ids(sessions.list({ limit: 1 })), [p]);
  const hourAgo = new Date(Date.now() - 3600e3);
  assert.equal(sessions.list({ createdAfter: hourAgo }).length, 2);
  assert.equal(sessions.list({ createdBefore: hourAgo }).length, 0);
  assert.equal(sessions.list({ createdAfter: '2000-01-01T00:00:00Z' }).length, 2);
  assert.equal(sessions.list({ createdAfter: '2999-01-01T00:00:00+02:00' }).length, 0);
  assert.throws(() => sessions.list({ createdAfter: 'yesterday' }), isInvalid);
  assert.throws(() => sessions.list({ createdAfter: new Date(NaN) }), RangeError);
  assert.throws(() => sessions.create({ parent: 'no-such-session' }), isNotFound);
  assert.throws(() => sessions.get('no-such-session'), isNotFound);
  assert.throws(() => sessions.delete('no-such-session'), isNotFound);
});

test('session argument errors are TypeError/RangeError before any native call', (t) => {
  const { sessions } = openEngine(t);
  const sid = sessions.create();
  for (const bad of [
    () => sessions.create('name'),
    () => sessions.create({ name: 1 }),
    () => sessions.create({ nmae: 'typo' }),
    () => sessions.create({ tags: 'a' }),
    () => sessions.create({ tags: ['a', 2] }),
    () => sessions.create({ metadata: [1] }),
    () => sessions.create({ metadata: { n: 1n } }),
    () => sessions.get(),
    () => sessions.get(1),
    () => sessions.list({ status: 1 }),
    () => sessions.list({ created_after: '2000-01-01T00:00:00Z' }),
    () => sessions.list({ createdAfter: 5 }),
    () => sessions.transition(sid),
    () => sessions.transition(sid, 'failed', 5),
    () => sessions.fail(sid),
    () => sessions.updateMetadata(sid, 'x'),
    () => sessions.updateMetadata(sid, null),
    () => sessions.delete(null),
  ]) assert.throws(bad, TypeError);
  for (const bad of [
    () => sessions.list({ limit: -1 }),
    () => sessions.list({ limit: 1.5 }),
  ]) assert.throws(bad, RangeError);
  assert.throws(() => sessions.get('a\0b'), isInvalid);
  assert.equal(sessions.get(sid).status, 'active');
});

// --- artifacts ------------------------------------------------------------------

test('store accepts strings and every binary form; get returns a Buffer', (t) => {
  const { sessions, artifacts } = openEngine(t);
  const sid = sessions.create();
  const bytes = [0, 255, 1, 2, 0];
  const forms = [
    Buffer.from(bytes),
    new Uint8Array(bytes),
    new Uint8Array(bytes).buffer,
    new DataView(new Uint8Array([9, ...bytes]).buffer, 1),
    new Uint8Array([7, 7, ...bytes, 7]).subarray(2, 7),
  ];
  for (const [i, data] of forms.entries()) {
    const rec = artifacts.store(sid, 'tool_result', `b${i}.bin`, data);
    assert.equal(rec.size, 5);
    const got = artifacts.get(sid, rec.sequence);
    assert.ok(Buffer.isBuffer(got.data));
    assert.deepEqual([...got.data], bytes);
    assert.equal(got.record.content_hash, artifacts.get(sid, 1).record.content_hash);
  }
  const text = artifacts.store(sid, 'agent_output', 'a.txt', 'héllo ☃',
    { mimeType: 'text/plain', tags: ['final'], metadata: { m: 1 } });
  assert.equal(text.size, Buffer.byteLength('héllo ☃'));
  assert.deepEqual(text.metadata, { m: 1 });
  assert.equal(artifacts.get(sid, text.sequence).data.toString(), 'héllo ☃');
  assert.equal(artifacts.get(sid, BigInt(text.sequence)).record.mime_type, 'text/plain');
  const empty = artifacts.store(sid, 'custom:mine', 'empty', '');
  assert.equal(artifacts.get(sid, empty.sequence).data.length, 0);
});

test('query, versions and delete', (t) => {
  const { sessions, artifacts } = openEngine(t);
  const sid = sessions.create();
  artifacts.store(sid, 'agent_output', 'answer.txt', 'one', { tags: ['final'] });
  const v2 = artifacts.store(sid, 'agent_output', 'answer.txt', 'two!');
  assert.equal(v2.version, 2);
  assert.equal(v2.previous, 1);
  artifacts.store(sid, 'tool_result', 'x.bin', Buffer.alloc(10));
  const seqs = (list) => list.map((r) => r.sequence);
  assert.deepEqual(seqs(artifacts.query({ sessionId: sid, namePattern: '*.txt' })), [1, 2]);
  assert.deepEqual(seqs(artifacts.query({ type: 'tool_result' })), [3]);
  assert.deepEqual(seqs(artifacts.query({ tags: ['final'] })), [1]);
  assert.deepEqual(seqs(artifacts.query({ minSize: 4, maxSize: 9 })), [2]);
  assert.equal(artifacts.query({ limit: 2 }).length, 2);
  assert.equal(artifacts.query({ createdAfter: new Date(Date.now() - 60e3) }).length, 3);
  assert.equal(artifacts.query({ createdBefore: new Date(Date.now() - 60e3) }).length, 0);
  assert.throws(() => artifacts.query({ namePattern: '[' }), isInvalid);
  artifacts.delete(sid, 1);
  assert.throws(() => artifacts.get(sid, 1), isNotFound);
  assert.throws(() => artifacts.delete(sid, 1), isNotFound);
  assert.equal(sessions.get(sid).artifact_count, 2);
  sessions.delete(sid);
  assert.deepEqual(artifacts.query(), []);
});

test('storeFile takes a path, a file: URL or a Buffer; the name defaults to the base name', (t) => {
  const { sessions, artifacts } = openEngine(t);
  const sid = sessions.create();
  const dir = tempDir(t);
  const file = path.join(dir, 'report.bin');
  const content = crypto.randomBytes(2 * MB + 3);
  fs.writeFileSync(file, content);
  const a = artifacts.storeFile(sid, file, 'tool_result', { tags: ['f'] });
  assert.equal(a.name, 'report.bin');
  assert.equal(a.size, content.length);
  assert.deepEqual(a.tags, ['f']);
  const b = artifacts.storeFile(sid, new URL(`file://${file}`), 'tool_result', { name: 'renamed', mimeType: 'x/y' });
  assert.equal(b.name, 'renamed');
  assert.equal(b.mime_type, 'x/y');
  assert.equal(b.content_hash, a.content_hash);
  artifacts.storeFile(sid, Buffer.from(file), 'custom');
  assert.ok(artifacts.get(sid, b.sequence).data.equals(content));
  assert.throws(() => artifacts.storeFile(sid, path.join(dir, 'missing'), 'custom'), isNotFound);
  assert.throws(() => artifacts.storeFile(sid, 42, 'custom'), TypeError);
  assert.throws(() => artifacts.storeFile(sid, file, 'custom', { name: 5 }), TypeError);
  assert.throws(() => artifacts.storeFile(sid, file, 'custom', { bogus: 1 }), TypeError);
});

test('artifact argument and library errors', (t) => {
  const { sessions, artifacts } = openEngine(t);
  const sid = sessions.create();
  assert.throws(() => artifacts.store(sid, 'bogus', 'x', 'x'), isInvalid);
  assert.throws(() => artifacts.store(sid, 'custom', '', 'x'), isInvalid);
  assert.throws(() => artifacts.store('nope', 'custom', 'x', 'x'), isNotFound);
  assert.throws(() => artifacts.createWriteStream('nope', { type: 'custom', name: 'x' }), isNotFound);
  assert.throws(() => artifacts.createReadStream(sid, 1), isNotFound);
  assert.throws(() => artifacts.get(sid, 0), isNotFound);
  for (const bad of [
    () => artifacts.store(sid, 'custom', 'x', 123),
    () => artifacts.store(sid, 'custom', 'x', null),
    () => artifacts.store(sid, 'custom', 'x', [1, 2]),
    () => artifacts.store(sid, 'custom', undefined, 'x'),
    () => artifacts.store(sid, 1, 'x', 'x'),
    () => artifacts.store(1, 'custom', 'x', 'x'),
    () => artifacts.store(sid, 'custom', 'x', 'x', { mime_type: 'text/plain' }),
    () => artifacts.store(sid, 'custom', 'x', 'x', { tags: 't' }),
    () => artifacts.get(sid, '1'),
    () => artifacts.get(sid),
    () => artifacts.delete(sid, null),
    () => artifacts.query('x'),
    () => artifacts.query({ session_id: sid }),
    () => artifacts.createWriteStream(sid),
    () => artifacts.createWriteStream(sid, { type: 'custom' }),
    () => artifacts.createWriteStream(sid, { type: 'custom', name: 'x', bogus: 1 }),
    () => artifacts.createReadStream(sid, 1, { bogus: 1 }),
  ]) assert.throws(bad, TypeError);
  for (const bad of [
    () => artifacts.get(sid, -1),
    () => artifacts.get(sid, 1.5),
    () => artifacts.get(sid, 2 ** 53),
    () => artifacts.get(sid, -1n),
    () => artifacts.query({ minSize: -1 }),
  ]) assert.throws(bad, RangeError);
});

test('the native layer checks handle kinds and types itself', (t) => {
  const engine = openEngine(t);
  const sid = engine.sessions.create();
  engine.artifacts.store(sid, 'custom', 'x', 'data');
  const eh = engine[kHandle];
  const w = native.writerNew(eh, sid, '{"type":"custom","name":"w"}');
  const [r] = native.readerOpen(eh, sid, 1);
  try {
    assert.throws(() => native.writerWrite(r, Buffer.from('x')), TypeError);
    assert.throws(() => native.readerRead(w, Buffer.alloc(4)), TypeError);
    assert.throws(() => native.writerWrite(eh, Buffer.from('x')), TypeError);
    assert.throws(() => native.readerRead(r, 'not a buffer'), TypeError);
    assert.throws(() => native.readerRead(r, new Uint16Array(4)), TypeError);
    assert.throws(() => native.writerWrite(w, 42), TypeError);
    assert.throws(() => native.artifactGet(eh, sid, 'x'), TypeError);
    assert.throws(() => native.artifactGet(eh, sid, -1), RangeError);
    assert.throws(() => native.sessionGet(w, sid), TypeError);
    assert.throws(() => native.sessionCreate(eh, 42), TypeError);
    assert.throws(() => native.sessionCreate(eh, '{bad'), isInvalid);
    assert.throws(() => native.artifactStore(eh, sid, null, 'x'), TypeError);
    assert.throws(() => native.artifactStore(eh, sid, '{"type":"custom","name":"n","x":1}', 'x'), isInvalid);
    assert.equal(native.readerRead(r, Buffer.alloc(0)), 0);
  } finally {
    native.writerFree(w);
    native.writerFree(w); // idempotent
    native.readerFree(r);
    native.readerFree(r);
  }
  assert.throws(() => native.writerWrite(w, Buffer.from('x')), isClosed);
  assert.throws(() => native.writerCommit(w), isClosed);
  assert.throws(() => native.readerRead(r, Buffer.alloc(4)), isClosed);
  assert.deepEqual(engine.artifacts.query({ sessionId: sid }).map((a) => a.name), ['x']);
});

test('limits: a store over the byte limit, and a stream that crosses it', async (t) => {
  const { sessions, artifacts } = openEngine(t, { session: { max_session_bytes: 100, max_artifacts: 2 } });
  const sid = sessions.create();
  assert.throws(() => artifacts.store(sid, 'custom', 'big', Buffer.alloc(101)), isLimit);
  const ws = artifacts.createWriteStream(sid, { type: 'custom', name: 'big' });
  await assert.rejects(pipeline(Readable.from([Buffer.alloc(60), Buffer.alloc(60)]), ws), isLimit);
  assert.equal(ws.record, null);
  assert.equal(ws.destroyed, true);
  artifacts.store(sid, 'custom', 'a', '1');
  artifacts.store(sid, 'custom', 'b', '2');
  const ws2 = artifacts.createWriteStream(sid, { type: 'custom', name: 'c' });
  ws2.end('3');
  await assert.rejects(finished(ws2), isLimit); // the commit fails
  assert.equal(sessions.get(sid).artifact_count, 2);
});

// --- streams --------------------------------------------------------------------------

test('a 5 MB pipeline through the write stream and back through the read stream', async (t) => {
  const { sessions, artifacts } = openEngine(t);
  const sid = sessions.create();
  const content = crypto.randomBytes(5 * MB + 123);
  const ws = artifacts.createWriteStream(sid, { type: 'tool_result', name: 'big.bin', mimeType: 'application/octet-stream' });
  assert.ok(ws instanceof ArtifactWriteStream && ws instanceof Writable);
  const events = [];
  ws.on('commit', (rec) => events.push(['commit', rec.sequence, ws.record === rec]));
  ws.on('finish', () => events.push(['finish', ws.record.sequence]));
  await pipeline(Readable.from(pieces(content, 64 * 1024)), ws);
  assert.deepEqual(events, [['commit', 1, true], ['finish', 1]]);
  assert.equal(ws.record.size, content.length);
  assert.equal(ws.record.name, 'big.bin');

  const rs = artifacts.createReadStream(sid, ws.record.sequence);
  assert.ok(rs instanceof ArtifactReadStream && rs instanceof Readable);
  assert.deepEqual(rs.record, ws.record);
  const back = await collect(rs, 64 * 1024);
  assert.ok(back.equals(content));
  assert.ok(artifacts.get(sid, 1).data.equals(content));
});

test('file to artifact to file with stream.pipeline', async (t) => {
  const { sessions, artifacts } = openEngine(t);
  const sid = sessions.create();
  const dir = tempDir(t);
  const src = path.join(dir, 'in.bin');
  const dst = path.join(dir, 'out.bin');
  fs.writeFileSync(src, crypto.randomBytes(3 * MB + 7));
  const ws = artifacts.createWriteStream(sid, { type: 'user_input', name: 'in.bin', highWaterMark: 256 * 1024 });
  await pipeline(fs.createReadStream(src), ws);
  await pipeline(artifacts.createReadStream(sid, ws.record.sequence, { highWaterMark: 100_000 }), fs.createWriteStream(dst));
  assert.ok(fs.readFileSync(dst).equals(fs.readFileSync(src)));
});

test('destroy() and a failing source discard the artifact; end() with strings commits', async (t) => {
  const { sessions, artifacts } = openEngine(t);
  const sid = sessions.create();
  const a = artifacts.createWriteStream(sid, { type: 'custom', name: 'destroyed-with-error' });
  a.write('partial');
  const boom = new Error('boom');
  a.destroy(boom);
  await assert.rejects(finished(a), (e) => e === boom);
  const b = artifacts.createWriteStream(sid, { type: 'custom', name: 'destroyed' });
  b.write(Buffer.from('partial'));
  b.destroy();
  await assert.rejects(finished(b), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
  const failing = new Readable({
    read() {
      this.push(Buffer.from('first'));
      this.destroy(new Error('source failed'));
    },
  });
  const c = artifacts.createWriteStream(sid, { type: 'custom', name: 'failed-source' });
  await assert.rejects(pipeline(failing, c), /source failed/);
  assert.equal(c.record, null);
  assert.deepEqual(artifacts.query({ sessionId: sid }), []);

  const d = artifacts.createWriteStream(sid, { type: 'custom', name: 'strings', tags: ['t'], metadata: { k: 'v' } });
  d.write('héllo ');
  d.end('wörld');
  const [rec] = await new Promise((resolve) => d.once('commit', (...args) => resolve(args)));
  await finished(d);
  assert.equal(d.record, rec);
  assert.deepEqual(rec.tags, ['t']);
  assert.deepEqual(rec.metadata, { k: 'v' });
  assert.equal(artifacts.get(sid, rec.sequence).data.toString(), 'héllo wörld');
  d.on('error', () => {});
  const late = await new Promise((resolve) => d.write('late', resolve));
  assert.equal(late.code, 'ERR_STREAM_WRITE_AFTER_END');
});

test('a read stream can be destroyed early, and reads an empty artifact', async (t) => {
  const { sessions, artifacts } = openEngine(t);
  const sid = sessions.create();
  const seq = artifacts.store(sid, 'custom', 'x', crypto.randomBytes(MB)).sequence;
  const rs = artifacts.createReadStream(sid, seq, { highWaterMark: 1000 });
  await once(rs, 'readable'); // paused mode: reads stop at highWaterMark
  assert.equal(rs.read(1000).length, 1000);
  const closed = once(rs, 'close');
  rs.destroy();
  await closed;
  assert.equal(rs.readableEnded, false);
  const empty = artifacts.store(sid, 'custom', 'empty', '').sequence;
  assert.equal((await collect(artifacts.createReadStream(sid, empty))).length, 0);
});

test('streams outlive engine.close(): the library keeps the engine alive', async (t) => {
  const dir = tempDir(t);
  const engine = new Engine(pebble(dir));
  const { sessions, artifacts } = engine;
  const sid = sessions.create();
  const content = crypto.randomBytes(2 * MB);
  const seq = artifacts.store(sid, 'custom', 'x', content).sequence;
  const rs = artifacts.createReadStream(sid, seq);
  const ws = artifacts.createWriteStream(sid, { type: 'custom', name: 'late' });
  ws.write('before ');
  engine.close();
  assert.throws(() => artifacts.createReadStream(sid, seq), isClosed);
  assert.throws(() => sessions.get(sid), isClosed);
  assert.ok((await collect(rs)).equals(content));
  ws.end('after');
  await finished(ws);
  const again = new Engine(pebble(dir));
  try {
    assert.equal(again.artifacts.get(sid, ws.record.sequence).data.toString(), 'before after');
  } finally {
    again.close();
  }
});

test('every method throws closed after engine.close()', () => {
  const engine = new Engine();
  const { sessions, artifacts } = engine;
  const sid = sessions.create();
  engine.close();
  for (const call of [
    () => sessions.create(),
    () => sessions.get(sid),
    () => sessions.list(),
    () => sessions.suspend(sid),
    () => sessions.updateMetadata(sid, { a: 1 }),
    () => sessions.delete(sid),
    () => artifacts.store(sid, 'custom', 'x', 'x'),
    () => artifacts.storeFile(sid, __filename, 'custom'),
    () => artifacts.get(sid, 1),
    () => artifacts.query(),
    () => artifacts.delete(sid, 1),
    () => artifacts.createWriteStream(sid, { type: 'custom', name: 'x' }),
    () => artifacts.createReadStream(sid, 1),
  ]) assert.throws(call, isClosed);
});

// --- spells and Node share sessions and artifacts -------------------------------------------

test('a Lua spell stores artifacts, Node reads them', async (t) => {
  const engine = openEngine(t);
  const { value } = await engine.run(
    'local sid = Session.create({name = "from lua", tags = {"lua"}})\n' +
    'local a = Artifact.store(sid, "agent_output", "note.txt", "hi from lua", {mime_type = "text/plain"})\n' +
    'local b = Artifact.store(sid, "tool_result", "raw.bin", "\\0\\255\\1")\n' +
    'return {sid = sid, a = a.sequence, b = b.sequence}');
  assert.equal(engine.sessions.get(value.sid).name, 'from lua');
  assert.equal(engine.sessions.list({ tags: ['lua'] })[0].id, value.sid);
  const a = engine.artifacts.get(value.sid, value.a);
  assert.equal(a.data.toString(), 'hi from lua');
  assert.equal(a.record.mime_type, 'text/plain');
  assert.deepEqual([...engine.artifacts.get(value.sid, value.b).data], [0, 255, 1]);
  assert.equal((await collect(engine.artifacts.createReadStream(value.sid, value.a))).toString(), 'hi from lua');
});

test('Node stores binary and text, a JS spell reads an ArrayBuffer and a string', async (t) => {
  const engine = openEngine(t);
  const sid = engine.sessions.create({ name: 'from node' });
  const binary = Buffer.from([0, 255, 1, 2, 0, 0x80]);
  const b = engine.artifacts.store(sid, 'tool_result', 'blob.bin', binary).sequence;
  const tx = engine.artifacts.store(sid, 'agent_output', 'text.txt', 'héllo ☃').sequence;
  const ws = engine.artifacts.createWriteStream(sid, { type: 'custom', name: 'streamed.bin' });
  await pipeline(Readable.from([Buffer.from([0xff, 0xff]), Buffer.from([0xff])]), ws);
  const { value } = await engine.run(
    'const b = Artifact.get(ARGS.sid, ARGS.b).content;\n' +
    'const t = Artifact.get(ARGS.sid, ARGS.t).content;\n' +
    'const s = Artifact.get(ARGS.sid, ARGS.s).content;\n' +
    'return {isBuffer: b instanceof ArrayBuffer, bytes: Array.from(new Uint8Array(b)),\n' +
    '        text: t, textType: typeof t, streamed: Array.from(new Uint8Array(s)),\n' +
    '        name: Session.get(ARGS.sid).name};',
    { lang: 'js', args: { sid, b, t: tx, s: ws.record.sequence } });
  assert.deepEqual(value, {
    isBuffer: true, bytes: [...binary], text: 'héllo ☃', textType: 'string',
    streamed: [255, 255, 255], name: 'from node',
  });
  const lua = engine.runSync('local c = Artifact.get(ARGS.sid, ARGS.b).content\nreturn {#c, c:byte(2), c:byte(6)}',
    { args: { sid, b } });
  assert.deepEqual(lua.value, [6, 255, 0x80]);
});

test('sessions made by a JS spell are seen from Node, and the reverse', async (t) => {
  const engine = openEngine(t);
  const { value: sid } = await engine.run(
    'const sid = Session.create({name: "js", tags: ["t"]}); Session.suspend(sid); return sid;', { lang: 'js' });
  assert.equal(engine.sessions.get(sid).status, 'suspended');
  engine.sessions.resume(sid);
  assert.equal(engine.runSync('return Session.get(ARGS.sid).status', { args: { sid } }).value, 'active');
});

test('a write stream collected by GC before its end is freed and discarded', (t) => {
  // An unfreed writer would keep the engine, and so the data folder's lock,
  // alive after close(): reopening the folder proves the GC freed it.
  const dir = tempDir(t);
  const script = `
    const { Engine } = require('.');
    const config = { storage: { backend: 'pebble', data_dir: process.argv[1] } };
    const e = new Engine(config);
    const sid = e.sessions.create();
    e.artifacts.store(sid, 'custom', 'kept', 'x');
    (() => {
      const ws = e.artifacts.createWriteStream(sid, { type: 'custom', name: 'lost' });
      ws.write('never committed');
    })();
    e.close();
    setImmediate(() => {
      global.gc();
      setImmediate(() => {
        global.gc();
        setImmediate(() => {
          const again = new Engine(config);
          console.log(JSON.stringify(again.artifacts.query({ sessionId: sid }).map((a) => a.name)));
          again.close();
        });
      });
    });
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script, path.join(dir, 'data')], {
    cwd: path.resolve(__dirname, '..'), encoding: 'utf8', timeout: 60000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '["kept"]');
});
