'use strict';
// The shared cross-language vectors (tests/vectors/run.json): every case on
// a fresh in-memory engine through run(), and again through runSync() on
// one shared engine.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Engine, LlmspellError } = require('..');

const VECTORS = process.env.LLMSPELL_VECTORS ||
  path.resolve(__dirname, '..', '..', '..', 'tests', 'vectors', 'run.json');
const { cases } = JSON.parse(fs.readFileSync(VECTORS, 'utf8'));

// The vectors spell options as the C ABI's options_json does.
const OPTION_NAMES = { name: 'name', timeout_ms: 'timeoutMs', max_output_bytes: 'maxOutputBytes' };

function optionsOf(c) {
  const opts = { lang: c.lang };
  if (c.args !== undefined) opts.args = c.args;
  for (const [key, value] of Object.entries(c.options || {})) {
    assert.ok(key in OPTION_NAMES, `vector ${c.name}: unknown option ${key}`);
    opts[OPTION_NAMES[key]] = value;
  }
  return opts;
}

function check(c, outcome) {
  const { expect } = c;
  if (expect.error) {
    assert.ok(outcome.error, `${c.name}: expected ${expect.error.code}, got ${JSON.stringify(outcome.result)}`);
    const e = outcome.error;
    assert.ok(e instanceof LlmspellError, `${c.name}: ${e}`);
    assert.equal(e.code, expect.error.code, `${c.name}: ${e.message}`);
    if (expect.error.message_contains !== undefined) {
      assert.ok(e.message.includes(expect.error.message_contains),
        `${c.name}: message ${JSON.stringify(e.message)} lacks ${JSON.stringify(expect.error.message_contains)}`);
    }
    return;
  }
  assert.ifError(outcome.error);
  if ('result' in expect) assert.deepEqual(outcome.result.value, expect.result, c.name);
  if ('output' in expect) assert.equal(outcome.result.output, expect.output, c.name);
}

test('there are vectors', () => {
  assert.ok(cases.length > 0);
});

for (const c of cases) {
  test(`vector ${c.name} (run, fresh engine)`, async () => {
    const engine = new Engine({});
    try {
      const outcome = await engine.run(c.source, optionsOf(c)).then(
        (result) => ({ result }), (error) => ({ error }));
      check(c, outcome);
    } finally {
      engine.close();
    }
  });
}

test('every vector through runSync on one engine', async (t) => {
  const engine = new Engine();
  t.after(() => engine.close());
  for (const c of cases) {
    await t.test(c.name, () => {
      let outcome;
      try {
        outcome = { result: engine.runSync(c.source, optionsOf(c)) };
      } catch (error) {
        outcome = { error };
      }
      check(c, outcome);
    });
  }
});
