'use strict';

const path = require('node:path');
const { fileURLToPath } = require('node:url');
const { runArgs } = require('./options');

const LANG_BY_EXT = { '.lua': 'lua', '.js': 'js', '.cjs': 'js', '.mjs': 'js' };

// fileArgs checks runFile's arguments and returns [path, options with lang
// and name filled in]; throws TypeError/RangeError like run().
function fileArgs(file, options) {
  let filePath;
  if (typeof file === 'string') filePath = file;
  else if (file instanceof URL) filePath = fileURLToPath(file);
  else throw new TypeError('file must be a path string or a file: URL');
  if (options !== undefined && options !== null &&
      (typeof options !== 'object' || Array.isArray(options))) {
    throw new TypeError('options must be an object');
  }
  const opts = { ...options };
  if (opts.lang === undefined) opts.lang = LANG_BY_EXT[path.extname(filePath).toLowerCase()] || 'lua';
  if (opts.name === undefined) opts.name = filePath;
  runArgs('', { ...opts, token: undefined }); // validate now, before reading
  return [filePath, opts];
}

module.exports = { fileArgs };
