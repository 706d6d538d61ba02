'use strict';
// session-args.js checks the arguments of the Sessions and Artifacts
// methods in JS, before any native call: wrong types and unknown option
// keys throw TypeError, out-of-range numbers RangeError. It builds the
// library's JSON (snake_case keys) from the camelCase options. What makes a
// value valid beyond its type (known statuses and artifact types, globs,
// RFC 3339 text) is left to the library, which answers invalid_argument, so
// every binding agrees on it.

const { fileURLToPath } = require('node:url');

const MAX_COUNT = Number.MAX_SAFE_INTEGER;

function isPlainObject(v) {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// idArg checks an id (a session id, a status, ...): a string.
function idArg(v, what) {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string, got ${describe(v)}`);
  return v;
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

// optionsArg checks an options object: undefined/null (none) or a plain
// object whose keys are all in known.
function optionsArg(options, known, what = 'options') {
  if (options === undefined || options === null) return {};
  if (!isPlainObject(options)) throw new TypeError(`${what} must be an object, got ${describe(options)}`);
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new TypeError(`unknown option "${k}" (known: ${known.join(', ')})`);
  }
  return options;
}

function present(v) {
  return v !== undefined && v !== null;
}

// The field helpers copy one checked option into the JSON object out.

function stringField(out, jsonKey, v, what) {
  if (!present(v)) return;
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string, got ${describe(v)}`);
  out[jsonKey] = v;
}

function tagsField(out, v, what = 'options.tags') {
  if (!present(v)) return;
  if (!Array.isArray(v)) throw new TypeError(`${what} must be an array of strings, got ${describe(v)}`);
  v.forEach((t, i) => {
    if (typeof t !== 'string') throw new TypeError(`${what}[${i}] must be a string, got ${describe(t)}`);
  });
  out.tags = [...v];
}

function objectField(out, jsonKey, v, what) {
  if (!present(v)) return;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new TypeError(`${what} must be an object, got ${describe(v)}`);
  }
  out[jsonKey] = v;
}

function countField(out, jsonKey, v, what, zeroMeansNone = false) {
  if (!present(v)) return;
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(v) || v < 0 || v > MAX_COUNT) {
    throw new RangeError(`${what} must be an integer from 0 to ${MAX_COUNT}, got ${v}`);
  }
  if (v === 0 && zeroMeansNone) return;
  out[jsonKey] = v;
}

// timeField takes a Date (sent as its ISO form, UTC) or a string (RFC 3339,
// sent as it is).
function timeField(out, jsonKey, v, what) {
  if (!present(v)) return;
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new RangeError(`${what} is an invalid Date`);
    out[jsonKey] = v.toISOString();
    return;
  }
  if (typeof v !== 'string') throw new TypeError(`${what} must be a Date or an RFC 3339 string, got ${describe(v)}`);
  out[jsonKey] = v;
}

// toJson encodes the built object; a cycle or a BigInt in metadata throws
// JSON.stringify's TypeError.
function toJson(out) {
  return Object.keys(out).length === 0 ? null : JSON.stringify(out);
}

// sequenceArg checks an artifact sequence number: a non-negative safe
// integer, or a BigInt.
function sequenceArg(v) {
  if (typeof v === 'bigint') {
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`sequence must be from 0 to 2^64 - 1, got ${v}`);
    return v;
  }
  if (typeof v !== 'number') throw new TypeError(`sequence must be a number, got ${describe(v)}`);
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(`sequence must be an integer from 0 to ${MAX_COUNT}, got ${v}`);
  }
  return v;
}

// dataArg checks content: a string (stored as UTF-8), a Buffer or any
// Uint8Array, another ArrayBufferView or an ArrayBuffer (viewed, not
// copied). Returns a string or a Uint8Array for the addon.
function dataArg(v, what = 'data') {
  if (typeof v === 'string' || v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer)) {
    return new Uint8Array(v);
  }
  throw new TypeError(`${what} must be a string, a Buffer, a TypedArray or an ArrayBuffer, got ${describe(v)}`);
}

// pathArg checks a file path: a string, a Buffer or a file: URL.
function pathArg(v) {
  if (typeof v === 'string') return v;
  if (v instanceof URL) return fileURLToPath(v);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  throw new TypeError(`path must be a string, a Buffer or a file: URL, got ${describe(v)}`);
}

// storeOptionsJson builds the options_json of the artifact store calls.
function storeOptionsJson(type, name, options, nameOptional, known) {
  const o = optionsArg(options, known);
  idArg(type, 'type');
  const out = { type };
  if (nameOptional && !present(name)) {
    // left out: the library uses the file's base name
  } else {
    out.name = idArg(name, 'name');
  }
  stringField(out, 'mime_type', o.mimeType, 'options.mimeType');
  tagsField(out, o.tags);
  objectField(out, 'metadata', o.metadata, 'options.metadata');
  return JSON.stringify(out);
}

module.exports = {
  isPlainObject,
  idArg,
  optionsArg,
  stringField,
  tagsField,
  objectField,
  countField,
  timeField,
  toJson,
  sequenceArg,
  dataArg,
  pathArg,
  storeOptionsJson,
};
