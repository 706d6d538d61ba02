'use strict';

const fs = require('node:fs');
const { fileArgs } = require('../file-args');

/**
 * runFileSync is runFile() on the calling thread; it blocks.
 * @param {string|URL} file
 * @param {object} [options] as run().
 * @returns {{value: any, output: string}}
 */
module.exports = function runFileSync(file, options) {
  const [filePath, opts] = fileArgs(file, options);
  return this.runSync(fs.readFileSync(filePath), opts);
};
