'use strict';
// native.js loads the addon and, through it, the llmspell library.
//
// Library search order (first hit wins):
//   1. $LLMSPELL_LIBRARY (a path; no fallback when it is set but fails)
//   2. the package folder (next to package.json)
//   3. the repository's build folder (../../build/lib from the package)
//   4. the system search path (libllmspell.so.0)
// The library is opened with RTLD_NODELETE: a Go runtime cannot be unloaded.
// Its ABI version must be 1.

const fs = require('node:fs');
const path = require('node:path');
const { fromNative } = require('./errors');

const ABI_VERSION = 1;
const PKG = path.resolve(__dirname, '..');
const SONAMES = process.platform === 'darwin'
  ? ['libllmspell.0.dylib', 'libllmspell.dylib']
  : ['libllmspell.so.0', 'libllmspell.so'];

function loadAddon() {
  const file = process.env.LLMSPELL_NODE_ADDON || path.join(PKG, 'build', 'Release', 'llmspell.node');
  try {
    return require(file);
  } catch (e) {
    const err = new Error(`llmspell: cannot load the addon ${file} (run \`npm run build\` in ${PKG}): ${e.message}`);
    err.code = 'ERR_LLMSPELL_LOAD';
    err.cause = e;
    throw err;
  }
}

function candidates() {
  if (process.env.LLMSPELL_LIBRARY) return [process.env.LLMSPELL_LIBRARY];
  const dirs = [PKG, path.resolve(PKG, '..', '..', 'build', 'lib')];
  const found = [];
  for (const dir of dirs) {
    for (const name of SONAMES) {
      const file = path.join(dir, name);
      if (fs.existsSync(file)) found.push(file);
    }
  }
  // Always end with the bare soname: the dynamic linker's own search.
  return [...found, SONAMES[0]];
}

function loadLibrary(addon) {
  const tried = [];
  const list = candidates();
  for (const file of list) {
    // Resolve symlinks so that the same file is never opened under two
    // names (one Go runtime per process).
    const target = file.includes('/') && fs.existsSync(file) ? fs.realpathSync(file) : file;
    try {
      return addon.load(target);
    } catch (e) {
      tried.push(e.message);
      if (process.env.LLMSPELL_LIBRARY) break;
    }
  }
  const err = new Error(
    'llmspell: cannot load libllmspell (set LLMSPELL_LIBRARY, or run `make lib` in the repository):\n  ' +
      tried.join('\n  '));
  err.code = 'ERR_LLMSPELL_LOAD';
  throw err;
}

const addon = loadAddon();
const libraryPath = loadLibrary(addon);
addon.setErrorFactory(fromNative);

const abi = addon.abiVersion();
if (abi !== ABI_VERSION) {
  const err = new Error(
    `llmspell: ${libraryPath} has ABI version ${abi}, this binding needs ABI version ${ABI_VERSION}`);
  err.code = 'ERR_LLMSPELL_ABI';
  throw err;
}

module.exports = addon;
module.exports.libraryPath = libraryPath;
module.exports.ABI_VERSION = ABI_VERSION;
