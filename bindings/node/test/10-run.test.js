'use strict';
// Running spells: results, output, arguments, languages, files.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { Engine } = require('..');

let engine;
test.before(() => { engine = new Engine(); });
test.after(() => engine.close());

test('run() resolves {value, output}; Lua is the default language', async () => {
  const r = await engine.run("print('hi') return {n = 1}");
  assert.deepEqual(r, { value: { n: 1 }, output: 'hi\n' });
});

test('run() returns a Promise even for a trivial spell', () => {
  const p = engine.run('return 1');
  assert.ok(p instanceof Promise);
  return p;
});

test('a spell that returns nothing gives null', async () => {
  assert.deepEqual(await engine.run(''), { value: null, output: '' });
  assert.deepEqual(await engine.run('', { lang: 'js' }), { value: null, output: '' });
});

test('runSync() gives the same result as run()', async () => {
  const src = 'return {a = {1, 2, 3}, s = "x"}';
  assert.deepEqual(engine.runSync(src), await engine.run(src));
  assert.deepEqual(engine.runSync('return 7;', { lang: 'js' }).value, 7);
});

test('a Lua and a JS spell return the same JSON', async () => {
  const lua = `
    local out = {name = ARGS.name, sum = 0, tags = {}, nested = {ok = true}}
    for i, n in ipairs(ARGS.nums) do out.sum = out.sum + n end
    for i, t in ipairs(ARGS.tags) do out.tags[#out.tags + 1] = string.upper(t) end
    return out`;
  const js = `
    var out = {name: ARGS.name, sum: 0, tags: [], nested: {ok: true}};
    ARGS.nums.forEach(function (n) { out.sum += n; });
    ARGS.tags.forEach(function (t) { out.tags.push(t.toUpperCase()); });
    return out;`;
  const args = { name: 'spell', nums: [1, 2, 3.5], tags: ['a', 'b'] };
  const fromLua = await engine.run(lua, { args });
  const fromJs = await engine.run(js, { lang: 'js', args });
  const expected = { name: 'spell', sum: 6.5, tags: ['A', 'B'], nested: { ok: true } };
  assert.deepEqual(fromLua.value, expected);
  assert.deepEqual(fromJs.value, expected);
  assert.equal(JSON.stringify(fromLua.value), JSON.stringify(fromJs.value));
});

test('args can be an array', async () => {
  const r = await engine.run('return {ARGS[1], ARGS[2]}', { args: ['a', 'b'] });
  assert.deepEqual(r.value, ['a', 'b']);
});

test('"javascript" is accepted as a language name', async () => {
  assert.equal((await engine.run('return 3;', { lang: 'javascript' })).value, 3);
});

test('source can be a Uint8Array / Buffer', async () => {
  assert.equal((await engine.run(Buffer.from('return 40 + 2'))).value, 42);
  assert.equal((await engine.run(new TextEncoder().encode('return "é"'))).value, 'é');
});

test('non-ASCII text crosses both ways', async () => {
  const r = await engine.run('print(ARGS.s) return ARGS.s .. "✓"', { args: { s: 'héllo 世界 🎉' } });
  assert.equal(r.value, 'héllo 世界 🎉✓');
  assert.equal(r.output, 'héllo 世界 🎉\n');
});

test('runFile() and runFileSync() pick the language from the extension', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-node-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const luaFile = path.join(dir, 'spell.lua');
  const jsFile = path.join(dir, 'spell.js');
  fs.writeFileSync(luaFile, 'return {lang = "lua", x = ARGS.x}');
  fs.writeFileSync(jsFile, 'return {lang: "js", x: ARGS.x};');
  assert.deepEqual((await engine.runFile(luaFile, { args: { x: 1 } })).value, { lang: 'lua', x: 1 });
  assert.deepEqual((await engine.runFile(jsFile, { args: { x: 2 } })).value, { lang: 'js', x: 2 });
  assert.deepEqual(engine.runFileSync(pathToFileURL(jsFile), { args: { x: 3 } }).value, { lang: 'js', x: 3 });
  const other = path.join(dir, 'spell.txt');
  fs.writeFileSync(other, 'return 1;');
  assert.equal((await engine.runFile(other, { lang: 'js' })).value, 1);
});

test('runFile() names errors after the file', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-node-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'broken.lua');
  fs.writeFileSync(file, 'local x = 1\nerror("bad thing")');
  await assert.rejects(engine.runFile(file), (e) => {
    assert.equal(e.code, 'script_error');
    assert.match(e.message, /broken\.lua:2/);
    return true;
  });
  await assert.rejects(engine.runFile(path.join(dir, 'missing.lua')), { code: 'ENOENT' });
});

test('several engines are independent', async () => {
  const a = new Engine();
  const b = new Engine({});
  try {
    assert.equal((await a.run('return 1')).value, 1);
    b.close();
    assert.equal((await a.run('return 2')).value, 2);
  } finally {
    a.close();
    b.close();
  }
});
