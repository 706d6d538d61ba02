'use strict';

const fs = require('node:fs');
const { fileArgs } = require('../file-args');

/**
 * runFile reads a spell file and runs it like run(). The language comes
 * from options.lang, else the extension (.lua -> lua; .js, .cjs, .mjs ->
 * js), else "lua"; options.name defaults to the path.
 * @param {string|URL} file
 * @param {object} [options] as run().
 * @returns {Promise<{value: any, output: string}>}
 */
module.exports = function runFile(file, options) {
  const [filePath, opts] = fileArgs(file, options);
  const h = this;
  return fs.promises.readFile(filePath).then((source) => h.run(source, opts));
};
