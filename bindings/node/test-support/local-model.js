'use strict';
// local-model.js is shared by the tests that use the shared vectors and the
// local test model (stories260K). It lives outside test/ because
// `node --test test/` runs every .js file there as a test file.
//
// The model folder comes from LLMSPELL_MODELS_DIR, else
// <repo>/../shared/models; without it the model tests skip with a message
// (and fail when CI=true).

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Engine, LlmspellError } = require('..');

const REPO = path.resolve(__dirname, '..', '..', '..');

// vectorsPath is tests/vectors/<name>.json.
function vectorsPath(name) {
  return path.join(REPO, 'tests', 'vectors', `${name}.json`);
}

const MODELS = process.env.LLMSPELL_MODELS_DIR || path.resolve(REPO, '..', 'shared', 'models');
const HAVE_MODELS = ['stories260K.bin', 'tok512.bin']
  .every((f) => fs.existsSync(path.join(MODELS, 'stories260K', f)));
const MISSING = `model files missing under ${MODELS}/stories260K; ` +
  'set LLMSPELL_MODELS_DIR to a folder holding stories260K/';

// needModels: the options of a test that needs the model (skipped without
// it, but failing when CI=true).
function needModels() {
  if (HAVE_MODELS || process.env.CI === 'true') return {};
  return { skip: MISSING };
}

function modelsOrFail() {
  if (!HAVE_MODELS) assert.fail(MISSING);
}

// openModelEngine opens a pebble engine in a fresh folder (named after
// prefix) with the test models; after the test it is closed and the folder
// removed. Returns [engine, dataDir].
function openModelEngine(t, prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const data = path.join(dir, 'data');
  const engine = new Engine({ storage: { data_dir: data }, models: { dir: MODELS } });
  t.after(() => {
    engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return [engine, data];
}

function isCode(code) {
  return (e) => e instanceof LlmspellError && e.code === code;
}

module.exports = { REPO, MODELS, vectorsPath, needModels, modelsOrFail, openModelEngine, isCode };
