/*
 * llmspell.h - the public, stable C ABI of llmspell-go.
 *
 * llmspell is an embeddable engine for scripted LLM work: spells written in
 * Lua or JavaScript drive agents, tools, workflows, hooks, events, state and
 * sessions. This header is written by hand; it is the only header users
 * include. Link with -lllmspell (SONAME libllmspell.so.0), or use CMake
 * (find_package(llmspell), target llmspell::llmspell) or pkg-config
 * (llmspell.pc).
 *
 * Conventions
 * -----------
 * - Every fallible function returns an llmspell_status: 0 (LLMSPELL_OK) on
 *   success, one of the LLMSPELL_ERR_* codes otherwise. Codes are stable and
 *   never reused.
 * - Detail about a failure comes back through the optional last parameter
 *   `llmspell_error **err`. Pass NULL if you do not want it. When a function
 *   fails and err is not NULL, *err receives a new error object that the
 *   caller frees with llmspell_error_free(). On success *err is set to NULL.
 *   There is no global or thread-local "last error".
 * - Inputs are borrowed for the duration of the call only; the library copies
 *   whatever it keeps. Strings and JSON are UTF-8 with an explicit size_t
 *   length (no terminating NUL needed). Invalid UTF-8 is rejected with
 *   LLMSPELL_ERR_INVALID_ARGUMENT.
 * - Outputs belong to the caller: buffers (char *) are freed with
 *   llmspell_free(), objects with llmspell_<object>_free(). Never free them
 *   with free(): the library has its own allocator bookkeeping. Returned
 *   buffers are NUL-terminated for convenience; the length excludes the NUL.
 * - A `const char *` the library returns is borrowed; its comment says what
 *   ends its life.
 * - Structured data (config, arguments, results) crosses as UTF-8 JSON.
 *
 * Memory and handles
 * ------------------
 * - Handles (llmspell_engine, llmspell_run, llmspell_error) are opaque. A
 *   handle that was freed, or never came from this library, is detected:
 *   functions return LLMSPELL_ERR_CLOSED or LLMSPELL_ERR_INVALID_ARGUMENT and
 *   never crash. Every *_free function and llmspell_free accept NULL, and a
 *   second free of the same pointer is ignored.
 * - Objects may be freed in any order. An engine stays alive until the last
 *   object that refers to it (a run token, a call in flight) is freed or
 *   returns; llmspell_engine_free only drops the caller's reference.
 *
 * Threading
 * ---------
 * - Every function may be called from any thread, concurrently. Several
 *   scripts may run on one engine at once from several threads; each run gets
 *   its own script runtime.
 * - llmspell_run_cancel() may be called from any thread at any time.
 *
 * Process rules
 * -------------
 * - The library embeds a Go runtime. One Go runtime per process: do not load
 *   two copies of the library (for example under two different paths).
 * - The library cannot be unloaded: dlclose() does not unmap it (a Go runtime
 *   cannot leave a process). Bindings open it with RTLD_NODELETE.
 * - Do not fork() without exec() after the library is loaded: the Go runtime's
 *   threads do not survive a fork.
 * - A Go panic never crosses into C: an exported function that catches one
 *   returns LLMSPELL_ERR_INTERNAL and marks its engine poisoned; every later
 *   call on a poisoned engine returns LLMSPELL_ERR_INTERNAL.
 */
#ifndef LLMSPELL_H
#define LLMSPELL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Library version this header describes. */
#define LLMSPELL_VERSION_MAJOR 0
#define LLMSPELL_VERSION_MINOR 1
#define LLMSPELL_VERSION_PATCH 0
#define LLMSPELL_VERSION_STRING "0.1.0"
/* MAJOR * 1000000 + MINOR * 1000 + PATCH. */
#define LLMSPELL_VERSION_NUMBER 1000

/* ABI version: bumped only when a released signature or behaviour changes
 * incompatibly (which the project avoids by adding _v2 functions). Bindings
 * compare it with llmspell_abi_version() at load time. */
#define LLMSPELL_ABI_VERSION 1

/* Status codes. Stable; never reused. */
typedef int32_t llmspell_status;

#define LLMSPELL_OK 0
/* A caller-supplied argument is wrong: NULL, malformed JSON, bad UTF-8,
 * unknown config key, unknown language, out-of-range value. */
#define LLMSPELL_ERR_INVALID_ARGUMENT 1
/* A named thing (tool, agent, session, key, ...) does not exist. */
#define LLMSPELL_ERR_NOT_FOUND 2
/* The security policy refused the operation. */
#define LLMSPELL_ERR_DENIED 3
/* A deadline (per-run timeout, tool timeout, ...) passed. */
#define LLMSPELL_ERR_TIMEOUT 4
/* The operation was cancelled (llmspell_run_cancel, a hook, shutdown). */
#define LLMSPELL_ERR_CANCELLED 5
/* An LLM provider failed (HTTP error, rate limit, bad response). */
#define LLMSPELL_ERR_PROVIDER 6
/* A tool failed while running. */
#define LLMSPELL_ERR_TOOL 7
/* A bug in the library, including a recovered panic. */
#define LLMSPELL_ERR_INTERNAL 8
/* A script failed: syntax error, runtime error, or a result that cannot be
 * converted to JSON (a function, for instance). */
#define LLMSPELL_ERR_SCRIPT 9
/* The handle was freed, or its engine was closed. */
#define LLMSPELL_ERR_CLOSED 10
/* The storage layer failed: data folder locked by another process, not a
 * folder, unwritable, or an I/O error. */
#define LLMSPELL_ERR_STORAGE 11
/* A resource limit was exceeded (output size, artifact count or bytes per
 * session, recursion). An oversized state value is
 * LLMSPELL_ERR_INVALID_ARGUMENT. */
#define LLMSPELL_ERR_LIMIT 12
/* A conflicting concurrent change (compare-and-set failed, invalid state
 * transition). */
#define LLMSPELL_ERR_CONFLICT 13

/* Opaque handles. */
typedef struct llmspell_engine llmspell_engine;
typedef struct llmspell_run llmspell_run;
typedef struct llmspell_error llmspell_error;
typedef struct llmspell_artifact_writer llmspell_artifact_writer;
typedef struct llmspell_artifact_reader llmspell_artifact_reader;
typedef struct llmspell_subscription llmspell_subscription;
typedef struct llmspell_hook_reply llmspell_hook_reply;
typedef struct llmspell_tool_reply llmspell_tool_reply;
typedef struct llmspell_delta_stream llmspell_delta_stream;

/* An event callback: receives one event as UTF-8 JSON of event_len bytes
 * (also NUL-terminated), borrowed for the duration of the call only. */
typedef void (*llmspell_event_fn)(void *user_data, const char *event_json, size_t event_len);
/* A hook: receives the hook context as UTF-8 JSON {"point","component":
 * {"type","name"},"data","metadata","correlation_id"} (borrowed for the
 * call) and may answer through reply with llmspell_hook_reply_set, or
 * report that it failed with llmspell_hook_reply_fail; no answer means
 * "continue". It runs synchronously on the thread that hit the hook point. */
typedef void (*llmspell_hook_fn)(void *user_data, const char *context_json, size_t context_len,
                                 llmspell_hook_reply *reply);
/* A tool written in C: receives the validated parameters as UTF-8 JSON
 * (borrowed for the call) and answers through reply with
 * llmspell_tool_reply_set or llmspell_tool_reply_error. It runs
 * synchronously on the thread that invoked the tool. */
typedef void (*llmspell_tool_fn)(void *user_data, const char *params_json, size_t params_len,
                                 llmspell_tool_reply *reply);
/* Receives one text delta of a streamed agent answer (llmspell_agent_stream).
 * text is NUL-terminated and borrowed for the call; return 0 to go on, any
 * other value to stop the agent (the call then fails with
 * LLMSPELL_ERR_CANCELLED). */
typedef int32_t (*llmspell_delta_fn)(void *user_data, const char *text, size_t text_len);
/* Frees a callback's user_data; called once, after the last callback. */
typedef void (*llmspell_free_fn)(void *user_data);

/* ------------------------------------------------------------------------ */
/* Version                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * llmspell_version returns the library version as a string, e.g. "0.1.0".
 * Params: none.
 * Returns: a NUL-terminated version string.
 * Ownership: borrowed; static, valid for the life of the process.
 * Thread-safety: safe from any thread.
 */
const char *llmspell_version(void);

/*
 * llmspell_version_number returns the library version as
 * MAJOR * 1000000 + MINOR * 1000 + PATCH, to compare with
 * LLMSPELL_VERSION_NUMBER.
 * Params: none.
 * Returns: the version number.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread.
 */
uint32_t llmspell_version_number(void);

/*
 * llmspell_abi_version returns the ABI version of the loaded library, to
 * compare with LLMSPELL_ABI_VERSION.
 * Params: none.
 * Returns: the ABI version.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread.
 */
uint32_t llmspell_abi_version(void);

/*
 * llmspell_status_name returns the stable lower-case name of a status code:
 * "ok", "invalid_argument", "not_found", "denied", "timeout", "cancelled",
 * "provider_error", "tool_error", "internal", "script_error", "closed",
 * "storage_error", "limit_exceeded", "conflict"; "unknown" for any other.
 * Params: code (in) any value.
 * Returns: a NUL-terminated name, never NULL.
 * Ownership: borrowed; static, valid for the life of the process.
 * Thread-safety: safe from any thread.
 */
const char *llmspell_status_name(llmspell_status code);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * llmspell_error_code returns the status code carried by an error.
 * Params: err (in) an error from this library; may be NULL.
 * Returns: the code; LLMSPELL_ERR_INVALID_ARGUMENT for NULL or an unknown or
 *   freed error.
 * Ownership: err stays owned by the caller.
 * Thread-safety: safe from any thread; do not race with llmspell_error_free
 *   on the same error.
 */
llmspell_status llmspell_error_code(const llmspell_error *err);

/*
 * llmspell_error_message returns the human-readable message of an error. It
 * starts with the kind name, e.g. "timeout: run exceeded 1000 ms".
 * Params: err (in) an error from this library; may be NULL.
 * Returns: a NUL-terminated UTF-8 string; "" for NULL or an unknown error.
 * Ownership: borrowed; valid until llmspell_error_free(err).
 * Thread-safety: as llmspell_error_code.
 */
const char *llmspell_error_message(const llmspell_error *err);

/*
 * llmspell_error_details returns structured detail about an error as a JSON
 * object, e.g. {"kind":"script_error","file":"spell.lua","line":3}. Always
 * has at least "kind" and "message".
 * Params: err (in) an error from this library; may be NULL.
 * Returns: a NUL-terminated JSON object; "{}" for NULL or an unknown error.
 * Ownership: borrowed; valid until llmspell_error_free(err).
 * Thread-safety: as llmspell_error_code.
 */
const char *llmspell_error_details(const llmspell_error *err);

/*
 * llmspell_error_free frees an error object.
 * Params: err (in) an error from this library; may be NULL.
 * Returns: nothing. NULL, an unknown pointer or a second free is ignored.
 * Ownership: err is invalid afterwards.
 * Thread-safety: safe from any thread; free each error once.
 */
void llmspell_error_free(llmspell_error *err);

/*
 * llmspell_free frees a buffer returned by this library (result JSON,
 * captured output, info JSON, ...).
 * Params: ptr (in) a buffer from this library; may be NULL.
 * Returns: nothing. NULL, an unknown pointer or a second free is ignored.
 * Ownership: ptr is invalid afterwards.
 * Thread-safety: safe from any thread.
 */
void llmspell_free(void *ptr);

/* ------------------------------------------------------------------------ */
/* Engine                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * llmspell_engine_new creates an engine: its store, registries and script
 * runtime pools. Several engines per process are fully isolated.
 *
 * config_json is a JSON object with the same sections and keys as the TOML
 * config file (docs/config.md), for example
 *   {"storage":{"backend":"pebble","data_dir":"/var/lib/app/llmspell"},
 *    "script":{"timeout_ms":5000}}
 * LLMSPELL_* environment variables override it; defaults fill the rest. With
 * no data_dir the engine uses the in-memory store. Unknown keys are an error.
 *
 * Params: config_json (in) UTF-8 JSON object, or NULL for defaults;
 *   config_len (in) its length in bytes (0 with NULL);
 *   out (out) receives the engine; must not be NULL;
 *   err (out, optional) receives an error on failure; may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT for malformed or
 *   non-object JSON, unknown keys, bad values, or out == NULL;
 *   LLMSPELL_ERR_STORAGE when the data folder is a file, unwritable, or
 *   locked by another process (it is never modified in that case).
 * Ownership: *out is owned by the caller; free it with llmspell_engine_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_engine_new(const char *config_json, size_t config_len,
                                    llmspell_engine **out, llmspell_error **err);

/*
 * llmspell_engine_free drops the caller's reference to an engine. When no run
 * token or call in flight refers to it any more, the engine closes: runtimes
 * are released and the store is flushed and unlocked.
 * Params: engine (in) may be NULL.
 * Returns: nothing. NULL, a stale handle or a second free is ignored.
 * Ownership: engine is invalid for the caller afterwards; calls with it
 *   return LLMSPELL_ERR_CLOSED.
 * Thread-safety: safe from any thread; calls in flight on other threads
 *   finish normally.
 */
void llmspell_engine_free(llmspell_engine *engine);

/*
 * llmspell_engine_info describes an engine as a JSON object:
 * {"version","abi_version","languages":["lua","js"],"storage":{"backend",
 *  "data_dir"},"config":{...}} (secrets redacted).
 * Params: engine (in) a live engine;
 *   out (out) receives the JSON; must not be NULL;
 *   out_len (out, optional) receives its length; may be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_CLOSED for a freed engine;
 *   LLMSPELL_ERR_INVALID_ARGUMENT for NULL.
 * Ownership: *out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_engine_info(llmspell_engine *engine, char **out,
                                     size_t *out_len, llmspell_error **err);

/*
 * llmspell_engine_ping checks that an engine handle is live and not
 * poisoned. It does no other work, which makes it the measure of the bare
 * cost of a call through the C ABI.
 * Params: engine (in) a handle; err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_CLOSED for a freed engine;
 *   LLMSPELL_ERR_INVALID_ARGUMENT for NULL; LLMSPELL_ERR_INTERNAL when
 *   poisoned.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_engine_ping(llmspell_engine *engine, llmspell_error **err);

/* ------------------------------------------------------------------------ */
/* Running scripts                                                          */
/* ------------------------------------------------------------------------ */

/*
 * llmspell_run_new creates a run token: a cancellation handle to pass to
 * llmspell_engine_run so another thread can stop the run.
 * A token may be passed to several runs; cancelling it stops all of them,
 * current and future (like a cancelled context).
 * Params: engine (in) a live engine;
 *   out (out) receives the token; must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_CLOSED; LLMSPELL_ERR_INVALID_ARGUMENT.
 * Ownership: *out is owned by the caller; free with llmspell_run_free. The
 *   token keeps its engine alive until freed.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_run_new(llmspell_engine *engine, llmspell_run **out,
                                 llmspell_error **err);

/*
 * llmspell_run_cancel cancels every run using this token. A run stopped this
 * way returns LLMSPELL_ERR_CANCELLED, usually within a millisecond even in a
 * busy loop. If the run is just finishing, the cancel may come too late: the
 * run then returns its normal result, and the cancel still applies to any
 * later run with this token. Cancelling twice is harmless.
 * Params: run (in) a token; err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_CLOSED for a freed token;
 *   LLMSPELL_ERR_INVALID_ARGUMENT for NULL.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread, including while the run is in
 *   progress on another thread.
 */
llmspell_status llmspell_run_cancel(llmspell_run *run, llmspell_error **err);

/*
 * llmspell_run_free frees a run token. A run still using it goes on (and can
 * no longer be cancelled through it).
 * Params: run (in) may be NULL.
 * Returns: nothing. NULL, a stale handle or a second free is ignored.
 * Ownership: run is invalid afterwards.
 * Thread-safety: safe from any thread.
 */
void llmspell_run_free(llmspell_run *run);

/*
 * llmspell_engine_run runs a script to completion and returns the value it
 * returned from its top level, as JSON, and the text it printed.
 *
 * lang is "lua" or "js" ("javascript" also accepted). options_json is an
 * optional JSON object:
 *   {"name": "spell.lua",          file name used in error messages
 *    "timeout_ms": 1000,           wall-clock limit; 0 = the config default
 *    "max_output_bytes": 1048576}  bound on printed output; 0 = default
 * args_json is an optional JSON object or array, visible to the script as
 * the global ARGS.
 *
 * Params: engine (in) a live engine;
 *   lang (in) NUL-terminated language name; must not be NULL;
 *   source, source_len (in) UTF-8 script text; source must not be NULL
 *     (an empty script is fine: source_len 0 with any non-NULL pointer);
 *   args_json, args_len (in, optional) NULL/0 for no arguments;
 *   options_json, options_len (in, optional) NULL/0 for defaults;
 *   run (in, optional) a run token for cancellation; may be NULL;
 *   result_out (out) receives the result JSON ("null" when the script
 *     returns nothing); must not be NULL;
 *   result_len (out, optional) may be NULL;
 *   output_out (out, optional) receives the captured print output; when
 *     NULL the output is discarded;
 *   output_len (out, optional) may be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_SCRIPT (syntax or runtime error, with
 *   "file", "line" and "message" in the details when known, or a result that
 *   cannot become JSON); LLMSPELL_ERR_TIMEOUT; LLMSPELL_ERR_CANCELLED;
 *   LLMSPELL_ERR_LIMIT (output bound exceeded); LLMSPELL_ERR_INVALID_ARGUMENT;
 *   LLMSPELL_ERR_CLOSED. On failure *result_out and *output_out are set to
 *   NULL, except that the output printed before the failure is still
 *   returned in *output_out when requested.
 * Ownership: *result_out and *output_out are owned by the caller; free each
 *   with llmspell_free.
 * Thread-safety: safe from any thread; concurrent runs on one engine are
 *   independent.
 */
llmspell_status llmspell_engine_run(llmspell_engine *engine, const char *lang,
                                    const char *source, size_t source_len,
                                    const char *args_json, size_t args_len,
                                    const char *options_json, size_t options_len,
                                    llmspell_run *run,
                                    char **result_out, size_t *result_len,
                                    char **output_out, size_t *output_len,
                                    llmspell_error **err);

/* ------------------------------------------------------------------------ */
/* State                                                                    */
/* ------------------------------------------------------------------------ */
/*
 * Persistent key-value state in scopes: "global", "agent:<id>",
 * "workflow:<id>", "session:<id>", "tool:<id>", "user:<id>", "custom:<id>".
 * Scopes never see each other's keys. scope may be NULL (or "") for
 * "global". Keys
 * and scopes are NUL-terminated UTF-8 (they cannot contain NUL): a key is
 * 1..256 bytes, without "..", CR or LF, not starting with "__" or "$$".
 * Values are JSON, at most state.max_value_bytes (default 10 MiB) encoded.
 * Durability follows the engine's state.durability config ("batched" by
 * default: synced to disk within state.batch_window_ms; "sync": on disk when
 * the call returns).
 */

/*
 * llmspell_state_set stores a JSON value under key in scope. Storing JSON
 * null deletes the key.
 * Params: engine (in) a live engine;
 *   scope (in) NUL-terminated scope, or NULL for "global";
 *   key (in) NUL-terminated key; must not be NULL;
 *   value_json, value_len (in) the value as UTF-8 JSON; must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT (bad scope, key or
 *   JSON, value too large); LLMSPELL_ERR_STORAGE; LLMSPELL_ERR_CLOSED.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread; writers are serialized.
 */
llmspell_status llmspell_state_set(llmspell_engine *engine, const char *scope, const char *key,
                                   const char *value_json, size_t value_len, llmspell_error **err);

/*
 * llmspell_state_get reads the JSON value of key in scope.
 * Params: engine (in) a live engine;
 *   scope (in) NUL-terminated scope, or NULL for "global";
 *   key (in) NUL-terminated key; must not be NULL;
 *   value_out (out) receives the JSON, or NULL when the key is absent; must
 *     not be NULL;
 *   value_len (out, optional) receives its length (0 when absent);
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK, also when the key is absent (*value_out == NULL);
 *   LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_STORAGE; LLMSPELL_ERR_CLOSED.
 * Ownership: *value_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread; readers never block.
 */
llmspell_status llmspell_state_get(llmspell_engine *engine, const char *scope, const char *key,
                                   char **value_out, size_t *value_len, llmspell_error **err);

/*
 * llmspell_state_delete removes key from scope.
 * Params: engine (in) a live engine;
 *   scope (in) NUL-terminated scope, or NULL for "global";
 *   key (in) NUL-terminated key; must not be NULL;
 *   existed_out (out, optional) receives 1 if the key existed, else 0;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK (deleting a missing key is not an error);
 *   LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_STORAGE; LLMSPELL_ERR_CLOSED.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_state_delete(llmspell_engine *engine, const char *scope, const char *key,
                                      int32_t *existed_out, llmspell_error **err);

/*
 * llmspell_state_exists reports whether key is set in scope.
 * Params: engine (in) a live engine;
 *   scope (in) NUL-terminated scope, or NULL for "global";
 *   key (in) NUL-terminated key; must not be NULL;
 *   exists_out (out) receives 1 or 0; must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_STORAGE;
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_state_exists(llmspell_engine *engine, const char *scope, const char *key,
                                      int32_t *exists_out, llmspell_error **err);

/*
 * llmspell_state_list returns the keys of scope, in byte order, as a JSON
 * array of strings.
 * Params: engine (in) a live engine;
 *   scope (in) NUL-terminated scope, or NULL for "global";
 *   prefix (in, optional) NUL-terminated key prefix, or NULL for all keys;
 *   limit (in) maximum number of keys, 0 for no limit;
 *   keys_out (out) receives the JSON array; must not be NULL;
 *   keys_len (out, optional) receives its length;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_STORAGE;
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: *keys_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread; the list is a consistent snapshot.
 */
llmspell_status llmspell_state_list(llmspell_engine *engine, const char *scope, const char *prefix,
                                    uint32_t limit, char **keys_out, size_t *keys_len,
                                    llmspell_error **err);

/*
 * llmspell_state_compare_and_set sets key to new_json only if its current
 * value equals expected_json (JSON equality: 1 equals 1.0; object key order
 * does not matter). expected_json NULL (or "null") means "only if absent";
 * new_json NULL (or "null") deletes.
 * Params: engine (in) a live engine;
 *   scope (in) NUL-terminated scope, or NULL for "global";
 *   key (in) NUL-terminated key; must not be NULL;
 *   expected_json, expected_len (in, optional) the expected value;
 *   new_json, new_len (in, optional) the new value;
 *   swapped_out (out) receives 1 if it wrote, 0 if the value differed;
 *     must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK (whether or not it wrote);
 *   LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_STORAGE; LLMSPELL_ERR_CLOSED.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread; atomic against every other write.
 */
llmspell_status llmspell_state_compare_and_set(llmspell_engine *engine, const char *scope,
                                               const char *key,
                                               const char *expected_json, size_t expected_len,
                                               const char *new_json, size_t new_len,
                                               int32_t *swapped_out, llmspell_error **err);

/*
 * llmspell_state_transaction applies a list of writes atomically: all of
 * them or none. ops_json is a JSON array of objects
 *   {"op":"set","scope":"agent:a","key":"k","value":<JSON>}
 *   {"op":"delete","scope":"global","key":"k"}
 * ("scope" may be omitted for global; "op" is lower case). Any invalid op
 * fails the whole call before anything is written.
 * Params: engine (in) a live engine;
 *   ops_json, ops_len (in) the operations; must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT (the message names the
 *   failing op's index); LLMSPELL_ERR_STORAGE; LLMSPELL_ERR_CLOSED.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread; other readers see all or none of the
 *   writes.
 */
llmspell_status llmspell_state_transaction(llmspell_engine *engine, const char *ops_json,
                                           size_t ops_len, llmspell_error **err);

/* ------------------------------------------------------------------------ */
/* Sessions                                                                 */
/* ------------------------------------------------------------------------ */
/*
 * Sessions group work and hold artifacts. A session record is a JSON object
 * {"id","name","description","tags":[...],"parent":id|null,"status",
 *  "created_at","updated_at","metadata":{...},"artifact_count",
 *  "artifact_bytes","fail_reason"?}. Status moves: active -> suspended,
 * completed, failed; suspended -> active, completed, failed; completed ->
 * archived; failed -> archived. Any other move is LLMSPELL_ERR_CONFLICT.
 * Session ids are NUL-terminated strings.
 */

/*
 * llmspell_session_create creates an active session.
 * Params: engine (in) a live engine;
 *   options_json, options_len (in, optional) a JSON object
 *     {"name","description","tags":[...],"parent","metadata":{...}}, all
 *     optional; NULL/0 for none;
 *   id_out (out) receives the new session id; must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_NOT_FOUND
 *   (unknown parent); LLMSPELL_ERR_STORAGE; LLMSPELL_ERR_CLOSED.
 * Ownership: *id_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_session_create(llmspell_engine *engine, const char *options_json,
                                        size_t options_len, char **id_out, llmspell_error **err);

/*
 * llmspell_session_get returns a session record as JSON.
 * Params: engine (in) a live engine; session_id (in) must not be NULL;
 *   json_out (out) receives the record; must not be NULL;
 *   json_len (out, optional) may be NULL; err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_INVALID_ARGUMENT;
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_session_get(llmspell_engine *engine, const char *session_id,
                                     char **json_out, size_t *json_len, llmspell_error **err);

/*
 * llmspell_session_list returns the sessions matching a query, oldest first,
 * as a JSON array of records.
 * Params: engine (in) a live engine;
 *   query_json, query_len (in, optional) {"tags":[...] (all must match),
 *     "status","parent","limit","created_after","created_before" (RFC 3339)};
 *     NULL/0 for all;
 *   json_out (out) receives the array; must not be NULL;
 *   json_len (out, optional); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_session_list(llmspell_engine *engine, const char *query_json,
                                      size_t query_len, char **json_out, size_t *json_len,
                                      llmspell_error **err);

/*
 * llmspell_session_transition moves a session to a new status: "active"
 * (resume), "suspended", "completed", "failed" (with reason) or "archived".
 * Params: engine (in) a live engine; session_id (in) must not be NULL;
 *   status (in) the target status; must not be NULL;
 *   reason (in, optional) kept for "failed"; may be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_CONFLICT (not allowed from the current
 *   status); LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_INVALID_ARGUMENT;
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread; transitions are serialized.
 */
llmspell_status llmspell_session_transition(llmspell_engine *engine, const char *session_id,
                                            const char *status, const char *reason,
                                            llmspell_error **err);

/*
 * llmspell_session_update_metadata merges a JSON object into a session's
 * metadata; a null field removes it.
 * Params: engine (in) a live engine; session_id (in) must not be NULL;
 *   fields_json, fields_len (in) a JSON object; must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_INVALID_ARGUMENT;
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_session_update_metadata(llmspell_engine *engine, const char *session_id,
                                                 const char *fields_json, size_t fields_len,
                                                 llmspell_error **err);

/*
 * llmspell_session_delete deletes a session and all its artifacts (content
 * shared with other artifacts stays).
 * Params: engine (in) a live engine; session_id (in) must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_CLOSED.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_session_delete(llmspell_engine *engine, const char *session_id,
                                        llmspell_error **err);

/*
 * llmspell_session_history returns a session's recorded calls as a JSON
 * array, oldest first: [{"kind":"tool","name","input","output","success",
 * "error","at"}]. Calls are recorded while the session is the engine's
 * current session (Session.set_current in scripts).
 * Params: engine (in) a live engine; session_id (in) must not be NULL;
 *   json_out (out) must not be NULL; json_len (out, optional);
 *   err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_session_history(llmspell_engine *engine, const char *session_id,
                                         char **json_out, size_t *json_len, llmspell_error **err);

/*
 * llmspell_session_replay runs a session's recorded calls again, in order,
 * and compares the results: {"session_id","steps":[{"index","kind","name",
 * "success","same_output","error"?}],"replayed","matched"}. Replayed calls
 * are not recorded again.
 * Params: engine (in) a live engine; session_id (in) must not be NULL;
 *   options_json, options_len (in, optional) {"start_from":0,"end_at":n}
 *     (inclusive indexes; NULL/0 for all);
 *   json_out (out) must not be NULL; json_len (out, optional);
 *   err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_INVALID_ARGUMENT
 *   (nothing recorded, or a bad range); LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_session_replay(llmspell_engine *engine, const char *session_id,
                                        const char *options_json, size_t options_len,
                                        char **json_out, size_t *json_len, llmspell_error **err);

/* ------------------------------------------------------------------------ */
/* Artifacts                                                                */
/* ------------------------------------------------------------------------ */
/*
 * Artifacts are binary content stored in a session, named by (session id,
 * sequence number). Content is content-addressed by BLAKE3, deduplicated,
 * LZ4-compressed above session.compress_threshold_bytes when that saves
 * space, chunked at 1 MiB, and verified on every read. An artifact record is
 * {"session_id","sequence","name","type","mime_type","tags","metadata",
 *  "content_hash","size","stored_size","compressed","version","previous",
 *  "created_at"}. Storing a name again makes a new version.
 * options_json for storing: {"type" (required: agent_output, tool_result,
 *  user_input, system_generated, custom or custom:<name>), "name"
 *  (required), "mime_type", "tags":[...], "metadata":{...}}.
 */

/*
 * llmspell_artifact_store stores content in one call.
 * Params: engine (in) a live engine; session_id (in) must not be NULL;
 *   options_json, options_len (in) as above; must not be NULL;
 *   data, data_len (in) the content; data may be NULL when data_len is 0;
 *   record_out (out, optional) receives the record JSON; may be NULL;
 *   record_len (out, optional); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_NOT_FOUND
 *   (no session); LLMSPELL_ERR_CONFLICT (archived session);
 *   LLMSPELL_ERR_LIMIT (session artifact count or byte limit);
 *   LLMSPELL_ERR_STORAGE; LLMSPELL_ERR_CLOSED.
 * Ownership: *record_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_artifact_store(llmspell_engine *engine, const char *session_id,
                                        const char *options_json, size_t options_len,
                                        const void *data, size_t data_len,
                                        char **record_out, size_t *record_len,
                                        llmspell_error **err);

/*
 * llmspell_artifact_store_file stores a file's content, streaming it (the
 * host is trusted with the path). The name defaults to the file's base name.
 * Params: engine (in) a live engine; session_id (in) must not be NULL;
 *   path (in) NUL-terminated path; must not be NULL;
 *   options_json, options_len (in) as above, "name" optional; must not be
 *     NULL;
 *   record_out (out, optional), record_len (out, optional), err (out,
 *     optional).
 * Returns: as llmspell_artifact_store; LLMSPELL_ERR_NOT_FOUND for a missing
 *   file.
 * Ownership: *record_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_artifact_store_file(llmspell_engine *engine, const char *session_id,
                                             const char *path, const char *options_json,
                                             size_t options_len, char **record_out,
                                             size_t *record_len, llmspell_error **err);

/*
 * llmspell_artifact_get returns an artifact's record and whole content.
 * Use a reader for large content.
 * Params: engine (in) a live engine; session_id (in) must not be NULL;
 *   sequence (in) the artifact's sequence number;
 *   record_out (out, optional) receives the record JSON; may be NULL;
 *   record_len (out, optional);
 *   data_out (out) receives the content (NUL-terminated after data_len
 *     bytes); must not be NULL;
 *   data_len (out) receives its length; must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_STORAGE (also
 *   an integrity failure: the content does not match its hash; no data is
 *   returned then); LLMSPELL_ERR_CLOSED.
 * Ownership: *record_out and *data_out are owned by the caller; free each
 *   with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_artifact_get(llmspell_engine *engine, const char *session_id,
                                      uint64_t sequence, char **record_out, size_t *record_len,
                                      void **data_out, size_t *data_len, llmspell_error **err);

/*
 * llmspell_artifact_query returns matching artifact records as a JSON array.
 * Params: engine (in) a live engine;
 *   query_json, query_len (in, optional) {"session_id","type",
 *     "name_pattern" (glob),"tags":[...],"min_size","max_size","limit",
 *     "created_after","created_before"}; NULL/0 for all artifacts;
 *   json_out (out) must not be NULL; json_len (out, optional);
 *   err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_artifact_query(llmspell_engine *engine, const char *query_json,
                                        size_t query_len, char **json_out, size_t *json_len,
                                        llmspell_error **err);

/*
 * llmspell_artifact_delete deletes an artifact; its content goes when no
 * other artifact refers to it.
 * Params: engine (in) a live engine; session_id (in) must not be NULL;
 *   sequence (in); err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_CLOSED.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_artifact_delete(llmspell_engine *engine, const char *session_id,
                                         uint64_t sequence, llmspell_error **err);

/*
 * llmspell_artifact_writer_new starts streaming an artifact into a session:
 * write its content in pieces with llmspell_artifact_writer_write, then
 * llmspell_artifact_writer_commit. Only one 1 MiB chunk is buffered.
 * Params: engine (in) a live engine; session_id (in) must not be NULL;
 *   options_json, options_len (in) as above; must not be NULL;
 *   out (out) receives the writer; must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_NOT_FOUND;
 *   LLMSPELL_ERR_CONFLICT; LLMSPELL_ERR_CLOSED.
 * Ownership: *out is owned by the caller; free with
 *   llmspell_artifact_writer_free (which discards the content unless it was
 *   committed). The writer keeps its engine alive until freed.
 * Thread-safety: one writer must not be used from two threads at once;
 *   different writers are independent.
 */
llmspell_status llmspell_artifact_writer_new(llmspell_engine *engine, const char *session_id,
                                             const char *options_json, size_t options_len,
                                             llmspell_artifact_writer **out, llmspell_error **err);

/*
 * llmspell_artifact_writer_write appends content.
 * Params: writer (in) a live writer; data, data_len (in) the bytes; data may
 *   be NULL when data_len is 0; err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_LIMIT (session byte limit: the writer is
 *   then discarded); LLMSPELL_ERR_STORAGE; LLMSPELL_ERR_CLOSED (freed,
 *   committed or discarded writer).
 * Ownership: data is borrowed for the call.
 * Thread-safety: see llmspell_artifact_writer_new.
 */
llmspell_status llmspell_artifact_writer_write(llmspell_artifact_writer *writer, const void *data,
                                               size_t data_len, llmspell_error **err);

/*
 * llmspell_artifact_writer_commit finishes the artifact. The writer cannot
 * be written after this, and must still be freed.
 * Params: writer (in) a live writer;
 *   record_out (out, optional) receives the record JSON; record_len (out,
 *   optional); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_LIMIT; LLMSPELL_ERR_STORAGE;
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: *record_out is owned by the caller; free with llmspell_free.
 * Thread-safety: see llmspell_artifact_writer_new.
 */
llmspell_status llmspell_artifact_writer_commit(llmspell_artifact_writer *writer,
                                                char **record_out, size_t *record_len,
                                                llmspell_error **err);

/*
 * llmspell_artifact_writer_free frees a writer, discarding its content if it
 * was not committed.
 * Params: writer (in) may be NULL.
 * Returns: nothing. NULL, a stale handle or a second free is ignored.
 * Ownership: writer is invalid afterwards.
 * Thread-safety: safe from any thread.
 */
void llmspell_artifact_writer_free(llmspell_artifact_writer *writer);

/*
 * llmspell_artifact_reader_open starts streaming an artifact's content.
 * Params: engine (in) a live engine; session_id (in) must not be NULL;
 *   sequence (in);
 *   out (out) receives the reader; must not be NULL;
 *   record_out (out, optional) receives the record JSON; record_len (out,
 *   optional); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_STORAGE;
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: *out is owned by the caller; free with
 *   llmspell_artifact_reader_free. The reader keeps its engine alive until
 *   freed. *record_out: free with llmspell_free.
 * Thread-safety: one reader must not be used from two threads at once.
 */
llmspell_status llmspell_artifact_reader_open(llmspell_engine *engine, const char *session_id,
                                              uint64_t sequence, llmspell_artifact_reader **out,
                                              char **record_out, size_t *record_len,
                                              llmspell_error **err);

/*
 * llmspell_artifact_reader_read copies up to cap bytes of content into buf.
 * Every chunk is verified before any of its bytes are returned; the whole
 * content hash is checked before the end is reported.
 * Params: reader (in) a live reader; buf (out) at least cap bytes; may be
 *   NULL only when cap is 0;
 *   cap (in) the buffer size;
 *   n_out (out) receives the number of bytes copied; 0 with cap > 0 means
 *   the end of the content; must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_STORAGE (integrity failure: the bad
 *   chunk's bytes are never returned); LLMSPELL_ERR_CLOSED.
 * Ownership: buf stays the caller's.
 * Thread-safety: see llmspell_artifact_reader_open.
 */
llmspell_status llmspell_artifact_reader_read(llmspell_artifact_reader *reader, void *buf,
                                              size_t cap, size_t *n_out, llmspell_error **err);

/*
 * llmspell_artifact_reader_free frees a reader.
 * Params: reader (in) may be NULL.
 * Returns: nothing. NULL, a stale handle or a second free is ignored.
 * Ownership: reader is invalid afterwards.
 * Thread-safety: safe from any thread.
 */
void llmspell_artifact_reader_free(llmspell_artifact_reader *reader);

/* ------------------------------------------------------------------------ */
/* Schema migrations                                                        */
/* ------------------------------------------------------------------------ */

/*
 * llmspell_state_register_schema records a schema version of state values
 * and the transforms from the previous registered version:
 *   {"version":"1.1.0","fields":{...},"scopes":["user:*"],
 *    "migrations":[{"op":"rename","from":"name","to":"full_name"},
 *                  {"op":"copy","from":"a","to":"b"},
 *                  {"op":"default","field":"tier","value":"free"},
 *                  {"op":"remove","field":"legacy"},
 *                  {"op":"convert","field":"age","to":"integer"}]}
 * ("custom" transforms need a script function and exist only in scripts.)
 * Params: engine (in) a live engine;
 *   schema_json, schema_len (in) the schema; must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT (bad version, unknown
 *   op, missing field, bad scope pattern); LLMSPELL_ERR_STORAGE;
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_state_register_schema(llmspell_engine *engine, const char *schema_json,
                                               size_t schema_len, llmspell_error **err);

/*
 * llmspell_state_migrate brings every matching state value to schema
 * version target, chaining the registered versions in between, in atomic
 * batches that record progress (an interrupted migration resumes when run
 * again). Unless options say "backup":false or "dry_run":true, a backup is
 * taken first. Writers wait while it runs.
 * options_json: {"dry_run":false,"batch_size":500,"backup":true}.
 * The report: {"from","to","steps":[...],"items_migrated","items_scanned",
 *  "duration_ms","warnings":[...],"dry_run","resumed","backup_id"}.
 * Params: engine (in) a live engine; target (in) NUL-terminated version;
 *   options_json, options_len (in, optional) NULL/0 for defaults;
 *   report_out (out, optional) receives the report JSON; report_len (out,
 *   optional); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND (target not registered);
 *   LLMSPELL_ERR_INVALID_ARGUMENT (downgrade, bad version);
 *   LLMSPELL_ERR_CONFLICT (another migration is under way);
 *   LLMSPELL_ERR_STORAGE; LLMSPELL_ERR_CLOSED.
 * Ownership: *report_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_state_migrate(llmspell_engine *engine, const char *target,
                                       const char *options_json, size_t options_len,
                                       char **report_out, size_t *report_len,
                                       llmspell_error **err);

/*
 * llmspell_state_migration_status describes the schema state as JSON:
 * {"current":version|null,"in_progress":bool,"versions":[...],
 *  "from"?,"to"?,"items_migrated"?}.
 * Params: engine (in) a live engine; json_out (out) must not be NULL;
 *   json_len (out, optional); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_STORAGE; LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_state_migration_status(llmspell_engine *engine, char **json_out,
                                                size_t *json_len, llmspell_error **err);

/* ------------------------------------------------------------------------ */
/* Backups                                                                  */
/* ------------------------------------------------------------------------ */
/*
 * Backups of the whole engine store (state, sessions, artifacts), taken from
 * pebble checkpoints, compressed, checksummed with BLAKE3, kept in the
 * backup folder (config backup.dir; default <data_dir>.backups) and pruned
 * by backup.max_count and backup.max_age_days. A backup id may be "latest".
 * A backup summary is {"id","created_at","kind":"full"|"incremental",
 * "parent","layout","label","file_count","total_bytes","stored_bytes",
 * "key_count"} (a backup that cannot be read lists as {"id","problem"}).
 */

/*
 * llmspell_backup_create takes a backup.
 * Params: engine (in) a live engine;
 *   options_json, options_len (in, optional) {"incremental":false,
 *     "label":"..."}; NULL/0 for a full backup;
 *   summary_out (out, optional) receives the summary JSON; summary_len
 *   (out, optional); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_STORAGE;
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: *summary_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread; writes continue during a backup.
 */
llmspell_status llmspell_backup_create(llmspell_engine *engine, const char *options_json,
                                       size_t options_len, char **summary_out,
                                       size_t *summary_len, llmspell_error **err);

/*
 * llmspell_backup_list returns the backup summaries, newest first, as a
 * JSON array.
 * Params: engine (in) a live engine; json_out (out) must not be NULL;
 *   json_len (out, optional); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_STORAGE; LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_backup_list(llmspell_engine *engine, char **json_out, size_t *json_len,
                                     llmspell_error **err);

/*
 * llmspell_backup_validate re-hashes every file of a backup (and of the
 * backups it builds on).
 * Params: engine (in) a live engine; id (in) NUL-terminated id or "latest";
 *   report_out (out, optional) receives {"id","valid":true,...};
 *   report_len (out, optional); err (out, optional).
 * Returns: LLMSPELL_OK when valid; LLMSPELL_ERR_STORAGE when corrupt (the
 *   message and details name the file); LLMSPELL_ERR_NOT_FOUND;
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: *report_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_backup_validate(llmspell_engine *engine, const char *id,
                                         char **report_out, size_t *report_len,
                                         llmspell_error **err);

/*
 * llmspell_backup_restore replaces the engine's whole store with a backup
 * while the engine stays open: the backup is restored into a fresh folder
 * and checked there, then swapped in atomically; a failed restore leaves the
 * store as it was. Calls that arrive during the swap wait for it.
 * Params: engine (in) a live engine; id (in) NUL-terminated id or "latest";
 *   report_out (out, optional) receives {"id","key_count","files","bytes",
 *   "duration_ms"}; report_len (out, optional); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_STORAGE
 *   (corrupt backup, I/O); LLMSPELL_ERR_CLOSED.
 * Ownership: *report_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread; restores run one at a time.
 */
llmspell_status llmspell_backup_restore(llmspell_engine *engine, const char *id,
                                        char **report_out, size_t *report_len,
                                        llmspell_error **err);

/*
 * llmspell_backup_cleanup prunes backups: keeps the newest max_count, drops
 * those older than max_age_days, never drops one a kept backup builds on.
 * Params: engine (in) a live engine;
 *   options_json, options_len (in, optional) {"dry_run":false,
 *     "max_count":n,"max_age_days":n} overriding the config (a negative
 *     value: no limit); NULL/0 for the config's;
 *   report_out (out, optional) receives {"kept":[...],"removed":[...]};
 *   report_len (out, optional); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_STORAGE;
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: *report_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_backup_cleanup(llmspell_engine *engine, const char *options_json,
                                        size_t options_len, char **report_out,
                                        size_t *report_len, llmspell_error **err);

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */
/*
 * The engine's event bus. An event is {"id","type","data","timestamp",
 * "sequence","correlation_id","source","tags"}; sequences are monotonic per
 * engine. Types are dot-separated ("agent.execution.started"). Patterns:
 * "*" (all), an exact type, "agent.*" (one or more segments after "agent."),
 * "*.error", "a.*.b" ("*" is one or more segments), "tool_*" (string
 * prefix). Subscription options_json: {"buffer_size":1024,
 * "policy":"drop_oldest"|"drop_newest"|"block"|"reject",
 * "block_timeout_ms":100}: each subscription has a bounded buffer and its
 * policy decides what a full buffer does; drops are counted in the stats.
 */

/*
 * llmspell_event_publish publishes an event to every matching subscription.
 * Params: engine (in) a live engine;
 *   type (in) NUL-terminated event type; must not be NULL;
 *   data_json, data_len (in, optional) the event data; NULL/0 for null;
 *   options_json, options_len (in, optional) {"correlation_id","source",
 *     "tags":[...]}; NULL/0 for none (source defaults to "host");
 *   event_out (out, optional) receives the event as published (with id and
 *     sequence); event_len (out, optional); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT (bad type or JSON);
 *   LLMSPELL_ERR_LIMIT (a "reject" subscription was full; every other
 *   subscription still got the event); LLMSPELL_ERR_CLOSED.
 * Ownership: *event_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread; never blocks except on a "block"
 *   subscription, for at most its block_timeout_ms.
 */
llmspell_status llmspell_event_publish(llmspell_engine *engine, const char *type,
                                       const char *data_json, size_t data_len,
                                       const char *options_json, size_t options_len,
                                       char **event_out, size_t *event_len, llmspell_error **err);

/*
 * llmspell_subscription_new subscribes to a pattern for pulling with
 * llmspell_subscription_next.
 * Params: engine (in) a live engine; pattern (in) must not be NULL;
 *   options_json, options_len (in, optional) as above;
 *   out (out) receives the subscription; must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_CLOSED.
 * Ownership: *out is owned by the caller; free with
 *   llmspell_subscription_free. It keeps its engine alive until freed.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_subscription_new(llmspell_engine *engine, const char *pattern,
                                          const char *options_json, size_t options_len,
                                          llmspell_subscription **out, llmspell_error **err);

/*
 * llmspell_subscription_next takes the next event of a pull subscription,
 * waiting up to timeout_ms (0: do not wait).
 * Params: sub (in) a pull subscription;
 *   timeout_ms (in) how long to wait;
 *   event_out (out) receives the event JSON, or NULL when none came in
 *     time; must not be NULL;
 *   event_len (out, optional); err (out, optional).
 * Returns: LLMSPELL_OK (also on timeout, with *event_out == NULL);
 *   LLMSPELL_ERR_INVALID_ARGUMENT (a callback subscription);
 *   LLMSPELL_ERR_CLOSED (freed subscription or closed engine).
 * Ownership: *event_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread; concurrent callers each get
 *   distinct events.
 */
llmspell_status llmspell_subscription_next(llmspell_subscription *sub, uint32_t timeout_ms,
                                           char **event_out, size_t *event_len,
                                           llmspell_error **err);

/*
 * llmspell_event_subscribe_callback subscribes to a pattern with a
 * callback. Callbacks of every subscription of an engine are called by one
 * dispatcher thread per engine (one OS thread), through a bounded queue, one at a time, in
 * publish order per subscription. A slow callback holds up the dispatcher:
 * the subscriptions' buffers and policies absorb it; the publisher is never
 * blocked by it (beyond a "block" policy's timeout).
 * Params: engine (in) a live engine; pattern (in) must not be NULL;
 *   options_json, options_len (in, optional) as above;
 *   fn (in) the callback; must not be NULL;
 *   user_data (in, optional) passed to every call of fn;
 *   user_data_free (in, optional) called once with user_data when the
 *     subscription is freed (after the last callback);
 *   out (out) receives the subscription; must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_CLOSED.
 *   On failure user_data_free is not called: user_data stays the caller's.
 * Ownership: *out is owned by the caller; free with
 *   llmspell_subscription_free, which guarantees no callback runs after it
 *   returns (when called from inside the subscription's own callback it
 *   returns at once and the callback in progress is the last).
 * Thread-safety: safe from any thread; fn runs on the dispatcher thread and
 *   must not block for long.
 */
llmspell_status llmspell_event_subscribe_callback(llmspell_engine *engine, const char *pattern,
                                                  const char *options_json, size_t options_len,
                                                  llmspell_event_fn fn, void *user_data,
                                                  llmspell_free_fn user_data_free,
                                                  llmspell_subscription **out,
                                                  llmspell_error **err);

/*
 * llmspell_subscription_free unsubscribes and frees a subscription (pull or
 * callback). For a callback subscription, no callback runs after it returns
 * and user_data_free has been called.
 * Params: sub (in) may be NULL.
 * Returns: nothing. NULL, a stale handle or a second free is ignored.
 * Ownership: sub is invalid afterwards.
 * Thread-safety: safe from any thread.
 */
void llmspell_subscription_free(llmspell_subscription *sub);

/*
 * llmspell_subscription_id gives a subscription's id, the "id" of its entry
 * in llmspell_event_stats.
 * Params: sub (in) a subscription; id_out (out) must not be NULL;
 *   err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_CLOSED (freed);
 *   LLMSPELL_ERR_INVALID_ARGUMENT.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_subscription_id(llmspell_subscription *sub, uint64_t *id_out,
                                         llmspell_error **err);

/*
 * llmspell_event_stats returns the bus statistics as JSON:
 * {"published":n,"subscriptions":[{"id","pattern","policy","handler",
 *  "queued","capacity","delivered","dropped","rejected"}]}.
 * Params: engine (in) a live engine; json_out (out) must not be NULL;
 *   json_len (out, optional); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_event_stats(llmspell_engine *engine, char **json_out, size_t *json_len,
                                     llmspell_error **err);

/*
 * llmspell_event_query returns persisted events (config events.persist =
 * true; events.persist_patterns picks which) as a JSON array, oldest first.
 * Events published before the call are included.
 * Params: engine (in) a live engine;
 *   query_json, query_len (in, optional) {"pattern","correlation_id",
 *     "since","until" (RFC 3339),"limit"}; NULL/0 for all; a
 *     correlation_id alone gives that correlation's timeline;
 *   json_out (out) must not be NULL; json_len (out, optional);
 *   err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT (bad query, or
 *   persistence is off); LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_event_query(llmspell_engine *engine, const char *query_json,
                                     size_t query_len, char **json_out, size_t *json_len,
                                     llmspell_error **err);

/* ------------------------------------------------------------------------ */
/* Hooks                                                                    */
/* ------------------------------------------------------------------------ */
/*
 * Hooks run at named points (BeforeStateWrite, AfterAgentExecution,
 * SessionStart, BeforeEventEmit, SystemShutdown, custom:<name>, ... see
 * SCRIPT_API.md; "state:before_write" spellings are accepted) in priority
 * order, lower first. A hook's answer has real effect: {"type":"continue"},
 * {"type":"modified","data":...} (the operation goes on with the data),
 * {"type":"cancel","reason":"..."} (the operation fails with
 * LLMSPELL_ERR_CANCELLED), {"type":"replace","data":...} (the data is the
 * result; the operation is skipped), {"type":"retry","delay_ms","max_attempts"},
 * {"type":"skipped"}, {"type":"redirect","target"}, {"type":"cache","key",
 * "ttl_s"}. Each hook runs under a circuit breaker (3 failures in 30 s or 2
 * calls over 50 ms open it for 15 s; announced as hook.breaker.* events). A
 * failure is a call answered with llmspell_hook_reply_fail (or with a
 * malformed result); the operation goes on as if the hook had not run.
 */

/*
 * llmspell_hook_register registers a C hook at a point.
 * Params: engine (in) a live engine;
 *   point (in) NUL-terminated point name; must not be NULL;
 *   priority (in) lower runs first (highest -100, high -50, normal 0,
 *     low 50, lowest 100);
 *   options_json, options_len (in, optional) {"name":"...",
 *     "component":"state","language":"python"} (component limits the hook
 *     to one component type; language, default "c", shows in listings);
 *     NULL/0 for none;
 *   fn (in) the hook; must not be NULL;
 *   user_data (in, optional) passed to every call;
 *   user_data_free (in, optional) called once when the hook is
 *     unregistered or the engine closes;
 *   id_out (out) receives the hook id; must not be NULL;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT (unknown point, NULL
 *   fn); LLMSPELL_ERR_CLOSED. On failure user_data_free is not called.
 * Ownership: the hook belongs to the engine until unregistered.
 * Thread-safety: safe from any thread. fn may be called from any thread,
 *   concurrently when several threads hit the point, and must be
 *   thread-safe; it may call back into the library.
 */
llmspell_status llmspell_hook_register(llmspell_engine *engine, const char *point, int32_t priority,
                                       const char *options_json, size_t options_len,
                                       llmspell_hook_fn fn, void *user_data,
                                       llmspell_free_fn user_data_free, uint64_t *id_out,
                                       llmspell_error **err);

/*
 * llmspell_hook_reply_set answers a hook call with a result JSON (see
 * above). Calling it again replaces the answer.
 * Params: reply (in) the reply passed to the hook; valid only during that
 *   call; result_json, result_len (in) the result; must not be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT (malformed result);
 *   LLMSPELL_ERR_CLOSED (the call already returned).
 * Ownership: result_json is borrowed for the call.
 * Thread-safety: call it from the hook, on the hook's thread.
 */
llmspell_status llmspell_hook_reply_set(llmspell_hook_reply *reply, const char *result_json,
                                        size_t result_len);

/*
 * llmspell_hook_reply_fail reports that a hook call failed (for a binding:
 * the host closure raised). The failure counts toward the hook's circuit
 * breaker, shows in llmspell_hook_list's "failures" and in hook records; the
 * operation goes on as if the hook had not run. It replaces any answer set
 * earlier in the call.
 * Params: reply (in) the reply passed to the hook; valid only during that
 *   call; message, message_len (in, optional) UTF-8 text saying why (at most
 *   4096 bytes are kept; invalid UTF-8 is replaced); NULL/0 for a generic
 *   message.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_CLOSED (the call already returned).
 * Ownership: message is borrowed for the call.
 * Thread-safety: call it from the hook, on the hook's thread.
 */
llmspell_status llmspell_hook_reply_fail(llmspell_hook_reply *reply, const char *message,
                                         size_t message_len);

/*
 * llmspell_hook_unregister removes a hook. No call of it starts after this
 * returns, and calls in progress on other threads have finished (called
 * from inside the hook itself, it returns at once). user_data_free runs.
 * Params: engine (in) a live engine; id (in) from llmspell_hook_register;
 *   err (out, optional) may be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND (no such hook);
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_hook_unregister(llmspell_engine *engine, uint64_t id, llmspell_error **err);

/*
 * llmspell_hook_list describes the registered hooks (of every language) as
 * a JSON array [{"id","name","point","priority","language","breaker",
 * "calls","failures","slow","skipped"}], in execution order per point.
 * Params: engine (in) a live engine; point (in, optional) NULL for all;
 *   json_out (out) must not be NULL; json_len (out, optional);
 *   err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT (unknown point);
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_hook_list(llmspell_engine *engine, const char *point, char **json_out,
                                   size_t *json_len, llmspell_error **err);

/*
 * llmspell_hook_metrics returns the built-in hook metrics (config
 * hooks.metrics = true) as a JSON object {"counts":{"<point>":n},
 * "latency":{"<point>":{"count","mean_ms","errors","buckets":[{"le_ms",
 * "count"}]}}}. counts has the calls of each point the metrics hook watches
 * (state writes, sessions, system, BeforeModelCall, BeforeToolExecution);
 * latency times the operations run through hooks (tool and model calls),
 * under their before point; le_ms is a bucket's upper bound in ms, "inf" for
 * the last.
 * Params: engine (in) a live engine;
 *   json_out (out) must not be NULL; json_len (out, optional);
 *   err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT (metrics are off);
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_hook_metrics(llmspell_engine *engine, char **json_out, size_t *json_len,
                                      llmspell_error **err);

/*
 * llmspell_hook_records returns the stored hook calls (config hooks.record
 * = true), oldest first, as a JSON array [{"hook_id","hook","point",
 * "component":{"type","name"},"input","result","error","duration_us",
 * "correlation_id","at" (RFC 3339)}]. Every hook call is stored, built-in
 * hooks' too; result is the answer's type ("continue", "modified", ...) and
 * error the failure's message or null.
 * Params: engine (in) a live engine;
 *   query_json, query_len (in, optional) {"correlation_id","limit"}; NULL/0
 *     for all;
 *   json_out (out) must not be NULL; json_len (out, optional);
 *   err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT (bad query, or
 *   recording is off); LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_hook_records(llmspell_engine *engine, const char *query_json,
                                      size_t query_len, char **json_out, size_t *json_len,
                                      llmspell_error **err);

/* ------------------------------------------------------------------------ */
/* Tools                                                                    */
/* ------------------------------------------------------------------------ */
/*
 * The engine's tool registry: the built-in tools of TOOLS.md and tools
 * registered by scripts and hosts, all alike to callers. A call validates the
 * parameters against the tool's JSON Schema, enforces the engine's tool
 * policy ([tools] config: file roots, allowed hosts, executables, highest
 * level, timeout, output cap), runs hooks (BeforeToolExecution,
 * AfterToolExecution, ToolError) and publishes tool.execution.* events. The
 * result is the envelope {"operation","success","result"?,"error"?:
 * {"kind","message"},"metadata"}.
 */

/*
 * llmspell_tool_invoke calls a tool by name (or alias).
 * Params: engine (in) a live engine; name (in) must not be NULL;
 *   params_json, params_len (in, optional) a JSON object; NULL/0 for {};
 *   envelope_out (out) receives the envelope JSON; must not be NULL;
 *   envelope_len (out, optional); err (out, optional).
 * Returns: LLMSPELL_OK when the tool ran, also when it failed (the envelope
 *   says success false, with the error); LLMSPELL_ERR_NOT_FOUND (no such
 *   tool); LLMSPELL_ERR_INVALID_ARGUMENT (parameters do not match the
 *   schema: the message names the field); LLMSPELL_ERR_DENIED (the policy
 *   refused); LLMSPELL_ERR_CANCELLED (a hook cancelled);
 *   LLMSPELL_ERR_TIMEOUT; LLMSPELL_ERR_CLOSED.
 * Ownership: *envelope_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread; tools may run concurrently.
 */
llmspell_status llmspell_tool_invoke(llmspell_engine *engine, const char *name,
                                     const char *params_json, size_t params_len,
                                     char **envelope_out, size_t *envelope_len,
                                     llmspell_error **err);

/*
 * llmspell_tool_list lists the tools as a JSON array, sorted by name.
 * Params: engine (in) a live engine;
 *   options_json, options_len (in, optional) {"category","tag",
 *     "format":"info"|"openai"|"anthropic"} ("info", the default, gives
 *     {name, description, category, security_level, version, tags,
 *     language, schema}; the others the providers' tool shapes);
 *   json_out (out) must not be NULL; json_len (out, optional);
 *   err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller; free with llmspell_free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_tool_list(llmspell_engine *engine, const char *options_json,
                                   size_t options_len, char **json_out, size_t *json_len,
                                   llmspell_error **err);

/*
 * llmspell_tool_register registers a tool written in C.
 * spec_json: {"name" (required: letters, digits, _ - .),"description",
 *  "category","security_level":"safe"|"restricted"|"privileged",
 *  "version","tags":[...],"parameters": a JSON Schema object,
 *  "language": shown in listings, default "c"}.
 * Params: engine (in) a live engine; spec_json, spec_len (in) must not be
 *   NULL; fn (in) must not be NULL; user_data (in, optional);
 *   user_data_free (in, optional) called once when the tool is
 *   unregistered or the engine closes; err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT (bad spec);
 *   LLMSPELL_ERR_CONFLICT (the name is taken); LLMSPELL_ERR_CLOSED. On
 *   failure user_data_free is not called.
 * Ownership: the tool belongs to the engine until unregistered.
 * Thread-safety: safe from any thread. fn may be called from any thread,
 *   concurrently, and must be thread-safe; it may call into the library.
 */
llmspell_status llmspell_tool_register(llmspell_engine *engine, const char *spec_json,
                                       size_t spec_len, llmspell_tool_fn fn, void *user_data,
                                       llmspell_free_fn user_data_free, llmspell_error **err);

/*
 * llmspell_tool_reply_set answers a tool call with its result data (any
 * JSON value).
 * Params: reply (in) the reply given to the tool; valid only during that
 *   call; result_json, result_len (in) must not be NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT (malformed JSON);
 *   LLMSPELL_ERR_CLOSED (the call already returned).
 * Ownership: result_json is borrowed for the call.
 * Thread-safety: call it from the tool, on the tool's thread.
 */
llmspell_status llmspell_tool_reply_set(llmspell_tool_reply *reply, const char *result_json,
                                        size_t result_len);

/*
 * llmspell_tool_reply_error fails a tool call: the caller gets an envelope
 * with success false and error {"kind":"tool_error","message":message}.
 * Params: reply (in) as above; message (in) NUL-terminated; must not be
 *   NULL.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_CLOSED.
 * Ownership: message is borrowed for the call.
 * Thread-safety: call it from the tool, on the tool's thread.
 */
llmspell_status llmspell_tool_reply_error(llmspell_tool_reply *reply, const char *message);

/*
 * llmspell_tool_unregister removes a tool registered by a host (built-in
 * tools cannot be removed). No call of it starts after this returns, and
 * calls in progress on other threads have finished; user_data_free runs.
 * Params: engine (in) a live engine; name (in) must not be NULL;
 *   err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_CLOSED.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_tool_unregister(llmspell_engine *engine, const char *name,
                                         llmspell_error **err);

/* ---------------------------------------------------------------------------
 * Agents and providers (docs/agents.md)
 *
 * Agents live in their engine's registry under a name; every call names the
 * agent. Inputs are JSON: a config object for llmspell_agent_create (the
 * keys of Agent.create in SCRIPT_API.md: name, description, type ("llm" or
 * "basic"), model ("provider/model"; default: agents.default_model, the
 * in-process local/stories260K), provider, system_prompt, temperature,
 * top_p, seed, max_tokens, tools, memory, max_tool_rounds, base_url,
 * api_key_env, custom_config, resource_limits {timeout_ms}), and an input
 * that is a JSON string or {"text": ..., "messages"?: [...],
 * "parameters"?: {...}}. Results are
 * {"text", "tool_calls": [{id, name, arguments, success, result|error,
 * duration_ms}], "usage": {input_tokens, output_tokens},
 * "metadata": {model, provider, execution_time_ms, finish_reason, rounds,
 * correlation_id}}.
 * Errors: LLMSPELL_ERR_PROVIDER when the model's server fails (details carry
 * "status" and "provider"); LLMSPELL_ERR_NOT_FOUND for an unknown agent,
 * tool or provider; LLMSPELL_ERR_CANCELLED / LLMSPELL_ERR_TIMEOUT when the
 * run token is cancelled or a deadline passes (the HTTP request and the
 * tool calls stop).
 * ------------------------------------------------------------------------ */

/*
 * llmspell_agent_create builds and registers an agent. Unknown tools and
 * providers fail here, not at the first execute.
 * Params: engine (in) a live engine; config_json, config_len (in) a JSON
 *   object (NULL/0 means {}: an agent with a generated name on the default
 *   model); name_out, name_len (out, optional) receive the agent's name;
 *   err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT (bad JSON, unknown
 *   key, wrong type, bad value); LLMSPELL_ERR_NOT_FOUND (unknown tool or
 *   provider, missing local model folder); LLMSPELL_ERR_CONFLICT (the name
 *   is taken); LLMSPELL_ERR_CLOSED.
 * Ownership: *name_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_agent_create(llmspell_engine *engine, const char *config_json, size_t config_len,
                                      char **name_out, size_t *name_len, llmspell_error **err);

/*
 * llmspell_agent_execute runs one turn of an agent (with its tool loop) and
 * returns the result JSON. Blocks until the answer.
 * Params: engine (in); name (in) the agent; input_json, input_len (in) a
 *   JSON string or input object; run (in, optional) a run token whose
 *   cancel stops the agent; result_out, result_len (out) must not be NULL
 *   (result_len may be); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_NOT_FOUND;
 *   LLMSPELL_ERR_PROVIDER; LLMSPELL_ERR_CANCELLED; LLMSPELL_ERR_TIMEOUT;
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: *result_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread; concurrent executes of one agent
 *   each see its memory as it was when they started.
 */
llmspell_status llmspell_agent_execute(llmspell_engine *engine, const char *name, const char *input_json,
                                       size_t input_len, llmspell_run *run, char **result_out,
                                       size_t *result_len, llmspell_error **err);

/*
 * llmspell_agent_stream runs one turn like llmspell_agent_execute and calls
 * fn with each text delta as the model produces it, on the calling thread,
 * before returning the whole result.
 * Params: as llmspell_agent_execute, plus fn (in) must not be NULL;
 *   user_data (in) passed to fn; result_out (out, optional) may be NULL.
 * Returns: as llmspell_agent_execute; LLMSPELL_ERR_CANCELLED when fn
 *   returned non-zero.
 * Ownership: *result_out is owned by the caller (llmspell_free); the text
 *   given to fn is borrowed for that call.
 * Thread-safety: safe from any thread; fn runs on the calling thread only.
 */
llmspell_status llmspell_agent_stream(llmspell_engine *engine, const char *name, const char *input_json,
                                      size_t input_len, llmspell_run *run, llmspell_delta_fn fn,
                                      void *user_data, char **result_out, size_t *result_len,
                                      llmspell_error **err);

/*
 * llmspell_agent_stream_open starts a turn whose deltas are pulled with
 * llmspell_delta_stream_next (the form iterators in other languages wrap).
 * The agent runs in the background; it waits when 16 deltas are unread.
 * Params: engine, name, input_json, input_len, run (in) as
 *   llmspell_agent_execute; out (out) receives the stream; must not be NULL;
 *   err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_NOT_FOUND;
 *   LLMSPELL_ERR_CLOSED. Errors of the run itself come from _next.
 * Ownership: free the stream with llmspell_delta_stream_free; it keeps its
 *   engine alive until then.
 * Thread-safety: a stream may be used from any thread, one call at a time
 *   (except _cancel, which may come from any thread at any time).
 */
llmspell_status llmspell_agent_stream_open(llmspell_engine *engine, const char *name, const char *input_json,
                                           size_t input_len, llmspell_run *run, llmspell_delta_stream **out,
                                           llmspell_error **err);

/*
 * llmspell_delta_stream_next waits for the next delta.
 * Params: stream (in); timeout_ms (in) how long to wait, negative means
 *   forever; text_out, text_len (out) receive the delta, or NULL and 0 when
 *   the turn has ended successfully (then read llmspell_delta_stream_result);
 *   err (out, optional).
 * Returns: LLMSPELL_OK (a delta, or the end); LLMSPELL_ERR_TIMEOUT when no
 *   delta came in time (the stream goes on; call again); the run's own
 *   error when it failed (LLMSPELL_ERR_PROVIDER, LLMSPELL_ERR_CANCELLED,
 *   ...), after which the stream has ended; LLMSPELL_ERR_CLOSED for a freed
 *   stream.
 * Ownership: *text_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_delta_stream_next(llmspell_delta_stream *stream, int32_t timeout_ms, char **text_out,
                                           size_t *text_len, llmspell_error **err);

/*
 * llmspell_delta_stream_result returns the result JSON of a stream that
 * ended successfully.
 * Params: stream (in); result_out, result_len (out) must not be NULL
 *   (result_len may be); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT when the stream has
 *   not ended yet; the run's error when it failed; LLMSPELL_ERR_CLOSED.
 * Ownership: *result_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_delta_stream_result(llmspell_delta_stream *stream, char **result_out,
                                             size_t *result_len, llmspell_error **err);

/*
 * llmspell_delta_stream_cancel stops a stream's agent (its HTTP request and
 * tool calls); _next then reports LLMSPELL_ERR_CANCELLED. Harmless when the
 * stream has ended.
 * Params: stream (in); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_CLOSED for a freed stream.
 * Thread-safety: safe from any thread, while another thread waits in _next.
 * Ownership: inputs are borrowed for the call; nothing to free.
 */
llmspell_status llmspell_delta_stream_cancel(llmspell_delta_stream *stream, llmspell_error **err);

/*
 * llmspell_delta_stream_free cancels the stream if it still runs, waits for
 * its agent to stop, and frees it. NULL and double frees are ignored.
 * Params: stream (in).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_CLOSED.
 * Ownership: inputs are borrowed for the call; nothing to free.
 * Thread-safety: safe from any thread.
 */
void llmspell_delta_stream_free(llmspell_delta_stream *stream);

/*
 * llmspell_agent_list returns the agents as a JSON array of infos
 * {name, description, type, model, provider, tools, system_prompt,
 * max_conversation_length, max_tool_rounds, memory_length}, sorted by name.
 * Params: engine (in); json_out, json_len (out) must not be NULL (json_len
 *   may be); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_agent_list(llmspell_engine *engine, char **json_out, size_t *json_len,
                                    llmspell_error **err);

/*
 * llmspell_agent_info returns one agent's info (as in llmspell_agent_list).
 * Params: engine (in); name (in); json_out, json_len (out); err (out,
 *   optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_agent_info(llmspell_engine *engine, const char *name, char **json_out,
                                    size_t *json_len, llmspell_error **err);

/*
 * llmspell_agent_remove unregisters an agent; running turns finish and its
 * saved memory stays in state.
 * Params: engine (in); name (in); removed (out, optional) 1 when it
 *   existed, else 0; err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_CLOSED.
 * Ownership: inputs are borrowed for the call; nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_agent_remove(llmspell_engine *engine, const char *name, int32_t *removed,
                                      llmspell_error **err);

/*
 * llmspell_agent_history returns an agent's conversation memory as a JSON
 * array of messages {role, content, tool_calls?, tool_call_id?, name?}.
 * Params: engine (in); name (in); json_out, json_len (out); err (out,
 *   optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_agent_history(llmspell_engine *engine, const char *name, char **json_out,
                                       size_t *json_len, llmspell_error **err);

/*
 * llmspell_agent_clear_history empties an agent's memory (not its saved
 * copy).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_CLOSED.
 * Params: engine (in) a live engine; name (in) the agent, NUL-terminated;
 *   err (out, optional).
 * Ownership: inputs are borrowed for the call; nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_agent_clear_history(llmspell_engine *engine, const char *name, llmspell_error **err);

/*
 * llmspell_agent_save_state saves an agent's memory in state scope
 * agent:<name>, so a later process can load it.
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_STORAGE;
 *   LLMSPELL_ERR_CLOSED.
 * Params: engine (in) a live engine; name (in) the agent, NUL-terminated;
 *   err (out, optional).
 * Ownership: inputs are borrowed for the call; nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_agent_save_state(llmspell_engine *engine, const char *name, llmspell_error **err);

/*
 * llmspell_agent_load_state replaces an agent's memory with its saved copy.
 * Params: engine (in); name (in); found (out, optional) 1 when a saved copy
 *   existed, else 0 (the memory is then unchanged); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND (no such agent);
 *   LLMSPELL_ERR_STORAGE (damaged copy); LLMSPELL_ERR_CLOSED.
 * Ownership: inputs are borrowed for the call; nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_agent_load_state(llmspell_engine *engine, const char *name, int32_t *found,
                                          llmspell_error **err);

/*
 * llmspell_agent_wrap_as_tool registers an agent as a tool taking
 * {"input": "..."}, so other agents, workflows and scripts can call it.
 * Params: engine (in); name (in) the agent; options_json, options_len (in,
 *   optional) {"tool_name"?, "description"?} (default name "agent_<name>");
 *   tool_out, tool_len (out, optional) receive the tool's name; err (out,
 *   optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_CONFLICT (the
 *   tool name is taken); LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_CLOSED.
 * Ownership: *tool_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_agent_wrap_as_tool(llmspell_engine *engine, const char *name, const char *options_json,
                                            size_t options_len, char **tool_out, size_t *tool_len,
                                            llmspell_error **err);

/*
 * llmspell_provider_list returns the configured providers, and the presets
 * whose key is set or that need none, as a JSON array of
 * {name, type, base_url, default_model, has_key, capabilities {streaming,
 * tools, parallel_tool_calls, vision, json_mode}}. Keys never appear.
 * Params: engine (in); json_out, json_len (out); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_provider_list(llmspell_engine *engine, char **json_out, size_t *json_len,
                                       llmspell_error **err);

/* ---------------------------------------------------------------------------
 * Workflows (docs/workflows.md)
 *
 * A workflow is defined as JSON in the table form of SCRIPT_API.md:
 * {"name", "type": "sequential"|"parallel"|"conditional"|"loop", "steps":
 * [...], "branches": [...], "iterator": {...}, "body": {...},
 * "error_strategy", "timeout_ms", "output", ...}. Steps are
 * {"name", "type": "tool"|"agent"|"workflow"|"function"|"input", "tool",
 * "agent", "workflow" (a name or an inline definition), "function" (the
 * name of a registered tool: how a C callback, or a Python/Node/Rust
 * closure registered with llmspell_tool_register, becomes a function
 * step), "input" (with {{steps.<name>.output}}, {{input.<key>}},
 * {{loop.item}}, {{loop.index}} references), "when", "error_strategy",
 * "retry", "timeout_ms", "prompt"}. Results are {"run_id", "workflow",
 * "status": "completed"|"failed"|"waiting_input", "success", "output",
 * "steps": [{name, path, type, success, output, error?, attempts,
 * duration_ms, skipped?, restored?}], "duration_ms", "error"?,
 * "pending_step"?, "prompt"?}. A failing step is in the result (success
 * false); the call itself fails for bad input, a cancelled run token or a
 * timeout of the whole workflow. Every run is checkpointed in the store
 * after each step; llmspell_workflow_resume finishes it later, in this
 * process or another.
 * ------------------------------------------------------------------------ */

/*
 * llmspell_workflow_create checks a definition and registers the workflow.
 * Unknown tools, agents and workflows, references to steps that do not run
 * before, loops without a bound and cyclic nesting fail here.
 * Params: engine (in); definition_json, definition_len (in) a JSON object;
 *   must not be NULL; name_out, name_len (out, optional) receive the name;
 *   err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_NOT_FOUND
 *   (unknown tool, agent or workflow); LLMSPELL_ERR_CONFLICT (name taken);
 *   LLMSPELL_ERR_CLOSED.
 * Ownership: *name_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_workflow_create(llmspell_engine *engine, const char *definition_json,
                                         size_t definition_len, char **name_out, size_t *name_len,
                                         llmspell_error **err);

/*
 * llmspell_workflow_execute runs a registered workflow and blocks until it
 * completes, fails, or pauses at an input step.
 * Params: engine (in); name (in); input_json, input_len (in, optional) any
 *   JSON value (NULL/0: null); options_json, options_len (in, optional)
 *   {"run_id"?, "timeout_ms"?}; run (in, optional) a run token whose cancel
 *   stops the running steps; result_out, result_len (out) must not be NULL
 *   (result_len may be); err (out, optional).
 * Returns: LLMSPELL_OK (see "success" and "status" in the result);
 *   LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_NOT_FOUND;
 *   LLMSPELL_ERR_CONFLICT (run_id in use); LLMSPELL_ERR_CANCELLED;
 *   LLMSPELL_ERR_TIMEOUT; LLMSPELL_ERR_CLOSED.
 * Ownership: *result_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread; runs of one workflow may overlap.
 */
llmspell_status llmspell_workflow_execute(llmspell_engine *engine, const char *name, const char *input_json,
                                          size_t input_len, const char *options_json, size_t options_len,
                                          llmspell_run *run, char **result_out, size_t *result_len,
                                          llmspell_error **err);

/*
 * llmspell_workflow_resume finishes a run that failed, was cancelled, timed
 * out, was killed, or waits for input: finished steps are restored from
 * the checkpoint, the rest run. The workflow is the one registered under
 * the run's workflow name, else the definition saved with the run.
 * Params: engine (in); run_id (in); input_json, input_len (in, optional)
 *   the answer for the input step a paused run waits for; run (in,
 *   optional) a run token; result_out, result_len (out) as for _execute;
 *   err (out, optional).
 * Returns: as llmspell_workflow_execute; LLMSPELL_ERR_NOT_FOUND (unknown
 *   run); LLMSPELL_ERR_CONFLICT (the run completed).
 * Ownership: *result_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread; do not resume one run twice at once.
 */
llmspell_status llmspell_workflow_resume(llmspell_engine *engine, const char *run_id, const char *input_json,
                                         size_t input_len, llmspell_run *run, char **result_out,
                                         size_t *result_len, llmspell_error **err);

/*
 * llmspell_workflow_run_record returns a run's record: {id, workflow,
 * status, input, shared, output?, error?, started_at, updated_at, steps:
 * [every finished step, in order]}.
 * Params: engine (in); run_id (in); json_out, json_len (out); err (out,
 *   optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_INVALID_ARGUMENT
 *   (malformed id); LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_workflow_run_record(llmspell_engine *engine, const char *run_id, char **json_out,
                                             size_t *json_len, llmspell_error **err);

/*
 * llmspell_workflow_list returns the registered workflows as a JSON array
 * of {name, description, type, steps, branches, serializable}.
 * Params: engine (in); json_out, json_len (out); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_workflow_list(llmspell_engine *engine, char **json_out, size_t *json_len,
                                       llmspell_error **err);

/*
 * llmspell_workflow_info returns one workflow's info, with "definition"
 * when it holds no script functions.
 * Params: engine (in); name (in); json_out, json_len (out); err (out,
 *   optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_CLOSED.
 * Ownership: *json_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_workflow_info(llmspell_engine *engine, const char *name, char **json_out,
                                       size_t *json_len, llmspell_error **err);

/*
 * llmspell_workflow_remove unregisters a workflow; running ones finish.
 * Params: engine (in); name (in); removed (out, optional) 1 when it
 *   existed; err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_CLOSED.
 * Ownership: nothing to free.
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_workflow_remove(llmspell_engine *engine, const char *name, int32_t *removed,
                                         llmspell_error **err);

/*
 * llmspell_workflow_wrap_as_tool registers a workflow as a tool taking
 * {"input": any} and returning its result, so agents can call it.
 * Params: engine (in); name (in); options_json, options_len (in, optional)
 *   {"tool_name"?, "description"?} (default name "workflow_<name>");
 *   tool_out, tool_len (out, optional); err (out, optional).
 * Returns: LLMSPELL_OK; LLMSPELL_ERR_NOT_FOUND; LLMSPELL_ERR_CONFLICT;
 *   LLMSPELL_ERR_INVALID_ARGUMENT; LLMSPELL_ERR_CLOSED.
 * Ownership: *tool_out is owned by the caller (llmspell_free).
 * Thread-safety: safe from any thread.
 */
llmspell_status llmspell_workflow_wrap_as_tool(llmspell_engine *engine, const char *name,
                                               const char *options_json, size_t options_len, char **tool_out,
                                               size_t *tool_len, llmspell_error **err);

#ifdef __cplusplus
}
#endif

#endif /* LLMSPELL_H */
