'use strict';

const { kEngine } = require('./symbols');
const { ArtifactWriteStream, ArtifactReadStream } = require('./artifact-streams');

/**
 * Artifacts are the artifacts of one Engine; get them from
 * `engine.artifacts`. They are the artifacts spells see through their
 * `Artifact` global: what Node stores, a Lua or JS spell can read, and the
 * other way round. Content is binary; the library addresses it by BLAKE3
 * hash, deduplicates and compresses it, and verifies it on every read.
 *
 * store, storeFile, get, query and delete are synchronous and run on the
 * calling thread. Large content streams through createWriteStream() and
 * createReadStream(). Wrong argument types and unknown option keys throw
 * TypeError (or RangeError) before any native call; any call after
 * engine.close() throws LlmspellError "closed" (open streams go on
 * working).
 */
class Artifacts {
  /** @param {Engine} engine (internal: use engine.artifacts) */
  constructor(engine) {
    this[kEngine] = engine;
  }
}

Artifacts.prototype.store = require('./methods/artifact-store');
Artifacts.prototype.storeFile = require('./methods/artifact-store-file');
Artifacts.prototype.get = require('./methods/artifact-get');
Artifacts.prototype.query = require('./methods/artifact-query');
Artifacts.prototype.delete = require('./methods/artifact-delete');
Artifacts.prototype.createWriteStream = require('./methods/artifact-create-write-stream');
Artifacts.prototype.createReadStream = require('./methods/artifact-create-read-stream');

module.exports = Artifacts;
module.exports.ArtifactWriteStream = ArtifactWriteStream;
module.exports.ArtifactReadStream = ArtifactReadStream;
