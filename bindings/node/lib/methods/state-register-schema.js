'use strict';

const native = require('../native');
const { optionsArg, strArg, describe, present, engineHandleOrThrow } = require('../admin-args');
const { isPlainObject } = require('../session-args');

const KNOWN = ['fields', 'migrations', 'scopes'];

/**
 * registerSchema records a schema version of state values and the
 * transforms that bring a value from the previous registered version to
 * this one (llmspell_state_register_schema), synchronously. Transforms:
 * {op: "rename", from, to}, {op: "copy", from, to},
 * {op: "default", field, value}, {op: "remove", field},
 * {op: "convert", field, to: "integer"|...}. ("custom" transforms need a
 * script function and exist only in spells.)
 * @param {string} version "MAJOR.MINOR.PATCH".
 * @param {object} [options]
 * @param {object} [options.fields] a description of the fields, kept as is.
 * @param {object[]} [options.migrations] the transforms, in order.
 * @param {string[]} [options.scopes] scope patterns such as "user:*";
 *   default: every scope.
 * @throws {TypeError} bad argument types, an unknown option.
 * @throws {LlmspellError} invalid_argument (a bad version, an unknown op,
 *   a transform missing a field, a bad scope pattern), storage_error, closed.
 */
module.exports = function registerSchema(version, options) {
  strArg(version, 'version');
  const o = optionsArg(options, KNOWN);
  const schema = { version };
  if (present(o.fields)) {
    if (!isPlainObject(o.fields)) throw new TypeError(`options.fields must be an object, got ${describe(o.fields)}`);
    schema.fields = o.fields;
  }
  if (present(o.migrations)) {
    if (!Array.isArray(o.migrations)) {
      throw new TypeError(`options.migrations must be an array of objects, got ${describe(o.migrations)}`);
    }
    o.migrations.forEach((m, i) => {
      if (!isPlainObject(m)) throw new TypeError(`options.migrations[${i}] must be an object, got ${describe(m)}`);
    });
    schema.migrations = o.migrations;
  }
  if (present(o.scopes)) {
    if (!Array.isArray(o.scopes)) throw new TypeError(`options.scopes must be an array of strings, got ${describe(o.scopes)}`);
    o.scopes.forEach((s, i) => strArg(s, `options.scopes[${i}]`));
    schema.scopes = o.scopes;
  }
  native.stateRegisterSchema(engineHandleOrThrow(this), JSON.stringify(schema));
};
