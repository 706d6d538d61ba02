#!/usr/bin/env node
'use strict';
// build.js compiles src/addon.c into build/Release/llmspell.node with the
// system C compiler. No node-gyp: the addon is one C file that needs only
// Node's own headers (shipped with every Node install) and llmspell.h.
//
// The addon does not link against libllmspell: lib/native.js finds the
// library (LLMSPELL_LIBRARY, the package folder, the repo build folder, the
// system search path) and the addon dlopen()s it, so nothing has to be
// known at build time but the header.
//
// Usage: node scripts/build.js [--if-needed]
// Environment: CC (default cc), CFLAGS (extra flags), NODE_INCLUDE (folder
// holding node_api.h), LLMSPELL_INCLUDE (folder holding llmspell.h).

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const PKG = path.resolve(__dirname, '..');
const SRC = path.join(PKG, 'src', 'addon.c');
const OUT = path.join(PKG, 'build', 'Release', 'llmspell.node');

function firstDir(candidates, file, what) {
  for (const dir of candidates) {
    if (dir && fs.existsSync(path.join(dir, file))) return dir;
  }
  throw new Error(`build: cannot find ${file} (${what}); tried:\n  ${candidates.filter(Boolean).join('\n  ')}`);
}

function nodeInclude() {
  const exe = fs.realpathSync(process.execPath);
  return firstDir([
    process.env.NODE_INCLUDE,
    path.resolve(path.dirname(exe), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ], 'node_api.h', 'set NODE_INCLUDE');
}

function llmspellInclude() {
  return firstDir([
    process.env.LLMSPELL_INCLUDE,
    path.join(PKG, 'include'),
    path.resolve(PKG, '..', '..', 'include'),
    path.resolve(PKG, '..', '..', 'build', 'include'),
    '/usr/local/include',
    '/usr/include',
  ], 'llmspell.h', 'set LLMSPELL_INCLUDE');
}

function upToDate(headerDir) {
  if (!fs.existsSync(OUT)) return false;
  const built = fs.statSync(OUT).mtimeMs;
  return [SRC, path.join(headerDir, 'llmspell.h'), __filename]
    .every((f) => fs.statSync(f).mtimeMs <= built);
}

function main() {
  const ifNeeded = process.argv.includes('--if-needed');
  const llmInc = llmspellInclude();
  if (ifNeeded && upToDate(llmInc)) return;
  const cc = process.env.CC || 'cc';
  const args = [
    '-std=gnu11', '-O2', '-g', '-fPIC', '-shared', '-fvisibility=hidden',
    '-Wall', '-Wextra', '-Wno-unused-parameter',
    '-I', nodeInclude(), '-I', llmInc,
    ...(process.env.CFLAGS ? process.env.CFLAGS.split(/\s+/).filter(Boolean) : []),
    SRC, '-o', OUT + '.tmp',
    // Never unmapped: Node dlclose()s an addon when the last worker using it
    // exits, but the addon's pool threads may still be running its code.
    ...(process.platform === 'linux' ? ['-Wl,-z,nodelete'] : []),
    '-ldl', '-lpthread',
  ];
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  process.stderr.write(`${cc} ${args.join(' ')}\n`);
  execFileSync(cc, args, { stdio: 'inherit' });
  fs.renameSync(OUT + '.tmp', OUT);
}

try {
  main();
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
