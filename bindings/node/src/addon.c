/*
 * addon.c - the Node-API addon behind the llmspell Node binding.
 *
 * Why an addon and not koffi: koffi runs each foreign call on its own stack.
 * A C-to-Go call whose stack pointer is outside the thread's known stack makes
 * the Go runtime look up the stack bounds again, and for a process's main
 * thread glibc answers that by reading /proc/self/maps (golang/go#68587).
 * That costs 100-270 us per call on Node's main thread. This addon calls the
 * C ABI on the thread's own stack, so a call costs well under a microsecond.
 *
 * Layout:
 * - The library is opened with dlopen(RTLD_NODELETE) by load(); the path
 *   comes from lib/native.js, which implements the search order. The
 *   functions are resolved into the table L, whose types come from the
 *   public header (so a signature change is a compile error here).
 * - Engines and run tokens are napi externals over a `handle`, tagged with a
 *   type tag so one kind cannot pass for another. A GC finalizer frees a
 *   handle the user never closed.
 * - Cheap calls (ping, info, cancel, the state* calls, ...) and runSync run
 *   on the calling thread. engineRunAsync hands the run to a small process-wide pool of
 *   threads owned by this addon (not the libuv pool: a run may last minutes
 *   and must not starve fs/dns/zlib work) and settles a Promise through a
 *   per-run thread-safe function.
 * - Migrations, backups (but listing) and subscriptionNextAsync use the same
 *   pool and per-call thread-safe function as engineRunAsync (the job's op
 *   says which C call it makes).
 * - Push subscriptions: the library's dispatcher thread only copies each
 *   event into the subscription's bounded queue; one non-blocking tsfn call
 *   per batch wakes the event loop, which calls the JS listener (see
 *   struct push_sub).
 * - Agents: the registry calls run on the calling thread; a turn runs on
 *   the pool (agentExecuteAsync, and agentExecute, which serves JS tools
 *   while it waits); delta streams are externals whose deltaNextAsync
 *   waits on the pool (see "Agents and providers").
 * - Workflows: as agents; a run (workflowExecute, workflowResume and their
 *   Async forms) runs on the pool (see "Workflows").
 * - Hooks and tools written in JS (js_cb): called directly when the library
 *   calls them on the JS thread, else posted through a thread-safe function
 *   while the calling thread waits (5 s at most); runSync and the
 *   unregister calls run on a pool thread while the JS thread serves those
 *   requests (see "Hooks and tools written in JS").
 * - Errors are built by a JS factory (setErrorFactory) so that the one
 *   LlmspellError class lives in JS.
 * - The addon is linked -z nodelete (scripts/build.js): Node dlclose()s an
 *   addon when the last worker thread using it exits, and a pool thread may
 *   still be running its code then.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llmspell.h"

/* ------------------------------------------------------------------------ */
/* Library table                                                            */
/* ------------------------------------------------------------------------ */

#define LLMSPELL_FUNCTIONS(X)                                                  \
  X(version)                                                                   \
  X(version_number)                                                            \
  X(abi_version)                                                               \
  X(status_name)                                                               \
  X(error_code)                                                                \
  X(error_message)                                                             \
  X(error_details)                                                             \
  X(error_free)                                                                \
  X(free)                                                                      \
  X(engine_new)                                                                \
  X(engine_free)                                                               \
  X(engine_info)                                                               \
  X(engine_ping)                                                               \
  X(run_new)                                                                   \
  X(run_cancel)                                                                \
  X(run_free)                                                                  \
  X(engine_run)                                                                \
  X(state_set)                                                                 \
  X(state_get)                                                                 \
  X(state_delete)                                                              \
  X(state_exists)                                                              \
  X(state_list)                                                                \
  X(state_compare_and_set)                                                     \
  X(state_transaction)                                                         \
  X(session_create)                                                            \
  X(session_get)                                                               \
  X(session_list)                                                              \
  X(session_transition)                                                        \
  X(session_update_metadata)                                                   \
  X(session_delete)                                                            \
  X(artifact_store)                                                            \
  X(artifact_store_file)                                                       \
  X(artifact_get)                                                              \
  X(artifact_query)                                                            \
  X(artifact_delete)                                                           \
  X(artifact_writer_new)                                                       \
  X(artifact_writer_write)                                                     \
  X(artifact_writer_commit)                                                    \
  X(artifact_writer_free)                                                      \
  X(artifact_reader_open)                                                      \
  X(artifact_reader_read)                                                      \
  X(artifact_reader_free)                                                      \
  X(state_register_schema)                                                     \
  X(state_migrate)                                                             \
  X(state_migration_status)                                                    \
  X(backup_create)                                                             \
  X(backup_list)                                                               \
  X(backup_validate)                                                           \
  X(backup_restore)                                                            \
  X(backup_cleanup)                                                            \
  X(event_publish)                                                             \
  X(subscription_new)                                                          \
  X(subscription_next)                                                         \
  X(event_subscribe_callback)                                                  \
  X(subscription_free)                                                         \
  X(event_stats)                                                               \
  X(event_query)                                                               \
  X(subscription_id)                                                           \
  X(hook_register)                                                             \
  X(hook_reply_set)                                                            \
  X(hook_reply_fail)                                                           \
  X(hook_unregister)                                                           \
  X(hook_list)                                                                 \
  X(hook_metrics)                                                              \
  X(hook_records)                                                              \
  X(tool_invoke)                                                               \
  X(tool_list)                                                                 \
  X(tool_register)                                                             \
  X(tool_reply_set)                                                            \
  X(tool_reply_error)                                                          \
  X(tool_unregister)                                                           \
  X(agent_create)                                                              \
  X(agent_execute)                                                             \
  X(agent_stream_open)                                                         \
  X(delta_stream_next)                                                         \
  X(delta_stream_result)                                                       \
  X(delta_stream_cancel)                                                       \
  X(delta_stream_free)                                                         \
  X(agent_list)                                                                \
  X(agent_info)                                                                \
  X(agent_remove)                                                              \
  X(agent_history)                                                             \
  X(agent_clear_history)                                                       \
  X(agent_save_state)                                                          \
  X(agent_load_state)                                                          \
  X(agent_wrap_as_tool)                                                        \
  X(provider_list)                                                             \
  X(workflow_create)                                                           \
  X(workflow_execute)                                                          \
  X(workflow_resume)                                                           \
  X(workflow_run_record)                                                       \
  X(workflow_list)                                                             \
  X(workflow_info)                                                             \
  X(workflow_remove)                                                           \
  X(workflow_wrap_as_tool)

static struct {
#define DECLARE_FN(name) __typeof__(llmspell_##name) *name;
  LLMSPELL_FUNCTIONS(DECLARE_FN)
#undef DECLARE_FN
} L;

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static int loaded;             /* set once, under load_mu, with release order */
static char loaded_path[4096]; /* the path given to dlopen */

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

/* Per-environment state (main thread and every worker thread). */
typedef struct {
  napi_ref error_factory; /* (status, code, message, detailsJson, output) */
} env_data;

enum {
  KIND_ENGINE = 1,
  KIND_RUN = 2,
  KIND_WRITER = 3,
  KIND_READER = 4,
  KIND_SUB = 5,  /* a pull subscription: ptr is the llmspell_subscription */
  KIND_PUSH = 6, /* a push subscription: ptr is its push_sub */
  KIND_DELTA = 7, /* an agent's delta stream: ptr is the llmspell_delta_stream */
};

/* handle wraps one library handle. ptr is NULL once closed. */
typedef struct {
  void *ptr;
  int kind;
} handle;

static const napi_type_tag engine_tag = {0x6c6c6d7370656c6cULL, 0x656e67696e650001ULL};
static const napi_type_tag run_tag = {0x6c6c6d7370656c6cULL, 0x72756e746f6b0001ULL};
static const napi_type_tag writer_tag = {0x6c6c6d7370656c6cULL, 0x6172747772740001ULL};
static const napi_type_tag reader_tag = {0x6c6c6d7370656c6cULL, 0x6172747264720001ULL};
static const napi_type_tag sub_tag = {0x6c6c6d7370656c6cULL, 0x73756270756c0001ULL};
static const napi_type_tag push_tag = {0x6c6c6d7370656c6cULL, 0x7375627075730001ULL};
static const napi_type_tag delta_tag = {0x6c6c6d7370656c6cULL, 0x64656c7461730001ULL};

static const napi_type_tag *kind_tag(int kind) {
  switch (kind) {
  case KIND_ENGINE: return &engine_tag;
  case KIND_RUN: return &run_tag;
  case KIND_WRITER: return &writer_tag;
  case KIND_SUB: return &sub_tag;
  case KIND_PUSH: return &push_tag;
  case KIND_DELTA: return &delta_tag;
  default: return &reader_tag;
  }
}

static const char *kind_name(int kind) {
  switch (kind) {
  case KIND_ENGINE: return "engine";
  case KIND_RUN: return "run token";
  case KIND_WRITER: return "artifact writer";
  case KIND_SUB:
  case KIND_PUSH: return "subscription";
  case KIND_DELTA: return "agent stream";
  default: return "artifact reader";
  }
}

#define NAPI_OK_OR_NULL(call)                                                  \
  do {                                                                         \
    if ((call) != napi_ok) return NULL;                                        \
  } while (0)

static int check_loaded(napi_env env) {
  if (__atomic_load_n(&loaded, __ATOMIC_ACQUIRE)) return 1;
  napi_throw_error(env, "ERR_LLMSPELL_NOT_LOADED", "llmspell: library not loaded");
  return 0;
}

/* make_error builds an LlmspellError through the JS factory; falls back to
 * a plain Error when none is registered. Returns NULL if a JS exception is
 * pending. */
static napi_value make_error(napi_env env, llmspell_status status, const char *message,
                             const char *details, const char *output, size_t output_len) {
  env_data *ed = NULL;
  napi_value factory = NULL, argv[5], result;
  const char *name = L.status_name ? L.status_name(status) : "unknown";
  napi_get_instance_data(env, (void **)&ed);
  if (ed != NULL && ed->error_factory != NULL)
    napi_get_reference_value(env, ed->error_factory, &factory);
  NAPI_OK_OR_NULL(napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &argv[2]));
  if (factory == NULL) {
    napi_value code;
    NAPI_OK_OR_NULL(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code));
    NAPI_OK_OR_NULL(napi_create_error(env, code, argv[2], &result));
    return result;
  }
  NAPI_OK_OR_NULL(napi_create_int32(env, status, &argv[0]));
  NAPI_OK_OR_NULL(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &argv[1]));
  if (details != NULL) {
    NAPI_OK_OR_NULL(napi_create_string_utf8(env, details, NAPI_AUTO_LENGTH, &argv[3]));
  } else {
    NAPI_OK_OR_NULL(napi_get_null(env, &argv[3]));
  }
  if (output != NULL) {
    NAPI_OK_OR_NULL(napi_create_string_utf8(env, output, output_len, &argv[4]));
  } else {
    NAPI_OK_OR_NULL(napi_get_null(env, &argv[4]));
  }
  napi_value undefined;
  NAPI_OK_OR_NULL(napi_get_undefined(env, &undefined));
  NAPI_OK_OR_NULL(napi_call_function(env, undefined, factory, 5, argv, &result));
  return result;
}

/* throw_status throws the error for a failed call and frees err. */
static void throw_status(napi_env env, llmspell_status status, llmspell_error *err) {
  const char *message = err != NULL ? L.error_message(err) : L.status_name(status);
  const char *details = err != NULL ? L.error_details(err) : NULL;
  napi_value e = make_error(env, status, message, details, NULL, 0);
  L.error_free(err);
  if (e != NULL) napi_throw(env, e);
}

static void throw_closed(napi_env env, int kind) {
  char msg[64], details[160];
  snprintf(msg, sizeof msg, "closed: %s is closed", kind_name(kind));
  snprintf(details, sizeof details, "{\"kind\":\"closed\",\"message\":\"%s is closed\"}",
           kind_name(kind));
  napi_value e = make_error(env, LLMSPELL_ERR_CLOSED, msg, details, NULL, 0);
  if (e != NULL) napi_throw(env, e);
}

/* get_handle unwraps an external of the given kind. With live set, a closed
 * handle throws the closed error. Returns NULL with an exception pending. */
static handle *get_handle(napi_env env, napi_value v, int kind, int live) {
  napi_valuetype t;
  bool ok = false;
  handle *h = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_check_object_type_tag(env, v, kind_tag(kind), &ok) != napi_ok || !ok ||
      napi_get_value_external(env, v, (void **)&h) != napi_ok || h == NULL) {
    char msg[64];
    snprintf(msg, sizeof msg, "expected an %s handle", kind_name(kind));
    if (kind == KIND_RUN) snprintf(msg, sizeof msg, "expected a run token handle");
    if (kind == KIND_SUB) snprintf(msg, sizeof msg, "expected a pull subscription handle");
    if (kind == KIND_PUSH) snprintf(msg, sizeof msg, "expected a push subscription handle");
    if (kind == KIND_DELTA) snprintf(msg, sizeof msg, "expected an agent stream handle");
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return NULL;
  }
  if (live && h->ptr == NULL) {
    throw_closed(env, kind);
    return NULL;
  }
  return h;
}

typedef struct push_sub push_sub;
static void push_close(push_sub *ps);
static void push_unref(push_sub *ps);

/* handle_release frees the library object behind h (once) and marks h
 * closed. */
static void handle_release(handle *h) {
  void *p = h->ptr;
  h->ptr = NULL;
  if (p == NULL) return;
  switch (h->kind) {
  case KIND_ENGINE: L.engine_free(p); break;
  case KIND_RUN: L.run_free(p); break;
  case KIND_WRITER: L.artifact_writer_free(p); break;
  case KIND_SUB: L.subscription_free(p); break;
  case KIND_PUSH:
    push_close(p);
    push_unref(p); /* the handle's reference */
    break;
  case KIND_DELTA: L.delta_stream_free(p); break;
  default: L.artifact_reader_free(p); break;
  }
}

static void handle_finalize(napi_env env, void *data, void *hint) {
  handle *h = data;
  (void)env;
  (void)hint;
  if (h->ptr != NULL) handle_release(h);
  free(h);
}

static napi_value new_handle(napi_env env, void *ptr, int kind) {
  napi_value v;
  handle *h = malloc(sizeof *h);
  if (h == NULL) {
    napi_throw_error(env, NULL, "llmspell: out of memory");
    return NULL;
  }
  h->ptr = ptr;
  h->kind = kind;
  if (napi_create_external(env, h, handle_finalize, NULL, &v) != napi_ok) {
    free(h);
    return NULL;
  }
  if (napi_type_tag_object(env, v, kind_tag(kind)) != napi_ok) {
    /* The finalizer frees h; the caller frees the library object, as on
     * every failure of new_handle. */
    h->ptr = NULL;
    return NULL;
  }
  return v;
}

/* get_bytes copies a string (as UTF-8) or a Uint8Array into a new
 * NUL-terminated buffer. null/undefined give *out = NULL when nullable.
 * Returns 0 with an exception pending on failure. */
static int get_bytes(napi_env env, napi_value v, int nullable, const char *what, char **out,
                     size_t *len) {
  napi_valuetype t;
  *out = NULL;
  *len = 0;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t == napi_string) {
    size_t n = 0;
    if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) return 0;
    char *buf = malloc(n + 1);
    if (buf == NULL) goto oom;
    if (napi_get_value_string_utf8(env, v, buf, n + 1, &n) != napi_ok) {
      free(buf);
      return 0;
    }
    *out = buf;
    *len = n;
    return 1;
  }
  if ((t == napi_null || t == napi_undefined) && nullable) return 1;
  bool is_ta = false;
  if (t == napi_object && napi_is_typedarray(env, v, &is_ta) == napi_ok && is_ta) {
    napi_typedarray_type tt;
    size_t n;
    void *data;
    if (napi_get_typedarray_info(env, v, &tt, &n, &data, NULL, NULL) != napi_ok) return 0;
    if (tt == napi_uint8_array) {
      char *buf = malloc(n + 1);
      if (buf == NULL) goto oom;
      if (n > 0) memcpy(buf, data, n);
      buf[n] = '\0';
      *out = buf;
      *len = n;
      return 1;
    }
  }
  {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a string%s", what, nullable ? " or null" : " or a Uint8Array");
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return 0;
  }
oom:
  napi_throw_error(env, NULL, "llmspell: out of memory");
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Module-level functions                                                   */
/* ------------------------------------------------------------------------ */

/* load(path) opens the library once per process. Later calls (for example
 * from worker threads) return without opening anything. Returns the path in
 * use. */
static napi_value js_load(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  char *path = NULL;
  size_t len;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !get_bytes(env, argv[0], 0, "path", &path, &len)) return NULL;
  pthread_mutex_lock(&load_mu);
  if (!loaded) {
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (lib == NULL) {
      const char *e = dlerror();
      char msg[4600];
      snprintf(msg, sizeof msg, "llmspell: cannot load %s: %s", path, e ? e : "unknown error");
      pthread_mutex_unlock(&load_mu);
      free(path);
      napi_throw_error(env, "ERR_LLMSPELL_LOAD", msg);
      return NULL;
    }
    /* The library cannot be unloaded (it holds a Go runtime), so a failed
     * symbol lookup leaves it mapped; that is harmless. */
#define RESOLVE_FN(name)                                                       \
  if ((*(void **)&L.name = dlsym(lib, "llmspell_" #name)) == NULL) {           \
    char msg[4600];                                                            \
    snprintf(msg, sizeof msg, "llmspell: %s lacks the symbol llmspell_%s", path, #name); \
    memset(&L, 0, sizeof L);                                                   \
    pthread_mutex_unlock(&load_mu);                                            \
    free(path);                                                                \
    napi_throw_error(env, "ERR_LLMSPELL_LOAD", msg);                           \
    return NULL;                                                               \
  }
    LLMSPELL_FUNCTIONS(RESOLVE_FN)
#undef RESOLVE_FN
    snprintf(loaded_path, sizeof loaded_path, "%s", path);
    __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&load_mu);
  free(path);
  NAPI_OK_OR_NULL(napi_create_string_utf8(env, loaded_path, NAPI_AUTO_LENGTH, &result));
  return result;
}

static napi_value js_set_error_factory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype t;
  env_data *ed = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "factory must be a function");
    return NULL;
  }
  NAPI_OK_OR_NULL(napi_get_instance_data(env, (void **)&ed));
  if (ed->error_factory != NULL) napi_delete_reference(env, ed->error_factory);
  ed->error_factory = NULL;
  NAPI_OK_OR_NULL(napi_create_reference(env, argv[0], 1, &ed->error_factory));
  return NULL;
}

static napi_value js_version(napi_env env, napi_callback_info info) {
  napi_value r;
  (void)info;
  if (!check_loaded(env)) return NULL;
  NAPI_OK_OR_NULL(napi_create_string_utf8(env, L.version(), NAPI_AUTO_LENGTH, &r));
  return r;
}

static napi_value js_version_number(napi_env env, napi_callback_info info) {
  napi_value r;
  (void)info;
  if (!check_loaded(env)) return NULL;
  NAPI_OK_OR_NULL(napi_create_uint32(env, L.version_number(), &r));
  return r;
}

static napi_value js_abi_version(napi_env env, napi_callback_info info) {
  napi_value r;
  (void)info;
  if (!check_loaded(env)) return NULL;
  NAPI_OK_OR_NULL(napi_create_uint32(env, L.abi_version(), &r));
  return r;
}

static napi_value js_status_name(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], r;
  int32_t code = 0;
  if (!check_loaded(env)) return NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &code) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "code must be a number");
    return NULL;
  }
  NAPI_OK_OR_NULL(napi_create_string_utf8(env, L.status_name(code), NAPI_AUTO_LENGTH, &r));
  return r;
}

/* ------------------------------------------------------------------------ */
/* Engines and tokens                                                       */
/* ------------------------------------------------------------------------ */

/* engineNew(configJson|null) -> engine handle */
static napi_value js_engine_new(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1];
  char *config = NULL;
  llmspell_engine *engine = NULL;
  llmspell_error *err = NULL;
  if (!check_loaded(env)) return NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1 && !get_bytes(env, argv[0], 1, "config", &config, &len)) return NULL;
  llmspell_status st = L.engine_new(config, len, &engine, &err);
  free(config);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  napi_value v = new_handle(env, engine, KIND_ENGINE);
  if (v == NULL) L.engine_free(engine);
  return v;
}

/* engineFree(engine) drops the handle; idempotent. */
static napi_value js_engine_free(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argc ? argv[0] : NULL, KIND_ENGINE, 0);
  if (h == NULL) return NULL;
  if (h->ptr != NULL) {
    L.engine_free(h->ptr);
    h->ptr = NULL;
  }
  return NULL;
}

/* enginePing(engine): the cheapest call; returns undefined or throws. */
static napi_value js_engine_ping(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argc ? argv[0] : NULL, KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  llmspell_status st = L.engine_ping(h->ptr, &err);
  if (st != LLMSPELL_OK) throw_status(env, st, err);
  return NULL;
}

/* engineInfo(engine) -> JSON text */
static napi_value js_engine_info(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1], r = NULL;
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argc ? argv[0] : NULL, KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  llmspell_status st = L.engine_info(h->ptr, &out, &len, &err);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  napi_create_string_utf8(env, out, len, &r);
  L.free(out);
  return r;
}

/* runNew(engine) -> run token handle */
static napi_value js_run_new(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  llmspell_run *run = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argc ? argv[0] : NULL, KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  llmspell_status st = L.run_new(h->ptr, &run, &err);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  napi_value v = new_handle(env, run, KIND_RUN);
  if (v == NULL) L.run_free(run);
  return v;
}

static napi_value js_run_cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argc ? argv[0] : NULL, KIND_RUN, 1);
  if (h == NULL) return NULL;
  llmspell_status st = L.run_cancel(h->ptr, &err);
  if (st != LLMSPELL_OK) throw_status(env, st, err);
  return NULL;
}

static napi_value js_run_free(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argc ? argv[0] : NULL, KIND_RUN, 0);
  if (h == NULL) return NULL;
  if (h->ptr != NULL) {
    L.run_free(h->ptr);
    h->ptr = NULL;
  }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Runs                                                                     */
/* ------------------------------------------------------------------------ */

/* link is shared by a job's pool thread and its thread-safe function; it
 * tells the thread whether the tsfn still exists (an environment being torn
 * down deletes it). Guarded by link_mu; the last of the two frees it. */
typedef struct {
  int tsfn_dead;
  int thread_done;
} link_state;

static pthread_mutex_t link_mu = PTHREAD_MUTEX_INITIALIZER;

/* What a job does on its pool thread (or on the calling thread for the
 * synchronous runSync). */
enum {
  OP_RUN = 0,           /* llmspell_engine_run -> [resultJson, output] */
  OP_MIGRATE,           /* llmspell_state_migrate(arg, opts) -> report JSON */
  OP_BACKUP_CREATE,     /* llmspell_backup_create(opts) -> summary JSON */
  OP_BACKUP_VALIDATE,   /* llmspell_backup_validate(arg) -> report JSON */
  OP_BACKUP_RESTORE,    /* llmspell_backup_restore(arg) -> report JSON */
  OP_BACKUP_CLEANUP,    /* llmspell_backup_cleanup(opts) -> report JSON */
  OP_NEXT,              /* llmspell_subscription_next(sub, timeout_ms) -> JSON or null */
  OP_TOOL_INVOKE,       /* llmspell_tool_invoke(arg, opts) -> envelope JSON */
  OP_HOOK_UNREGISTER,   /* llmspell_hook_unregister(id) */
  OP_TOOL_UNREGISTER,   /* llmspell_tool_unregister(arg) */
  OP_AGENT_EXECUTE,     /* llmspell_agent_execute(arg, source, run) -> result JSON */
  OP_DELTA_NEXT,        /* llmspell_delta_stream_next(delta, wait_ms) -> [text, resultJson] or null */
  OP_WORKFLOW_EXECUTE,  /* llmspell_workflow_execute(arg, source, opts, run) -> result JSON */
  OP_WORKFLOW_RESUME,   /* llmspell_workflow_resume(arg, source, run) -> result JSON */
};

typedef struct job {
  struct job *next;
  int op;
  /* inputs, owned */
  llmspell_engine *engine;
  llmspell_run *run;
  llmspell_subscription *sub; /* OP_NEXT */
  llmspell_delta_stream *delta; /* OP_DELTA_NEXT */
  int32_t wait_ms;              /* OP_DELTA_NEXT: negative waits for good */
  uint32_t timeout_ms;        /* OP_NEXT */
  uint64_t id;                /* OP_HOOK_UNREGISTER */
  char *arg;                  /* NUL-terminated id or target */
  char *lang, *source, *args, *opts;
  size_t source_len, args_len, opts_len;
  /* outputs */
  llmspell_status status;
  char *result, *output; /* library buffers */
  size_t result_len, output_len;
  char *err_message, *err_details; /* malloc copies */
  /* JS side (async only) */
  napi_threadsafe_function tsfn;
  napi_deferred deferred;
  napi_ref engine_ref, aux_ref; /* aux: the run token or the subscription */
  link_state *link;
  /* runSync while JS hooks or tools exist: the JS thread waits for
   * sync_done (under cb_mu) and serves their calls meanwhile */
  int sync, sync_done;
} job;

static void sync_job_done(job *j);
static int sync_job_wait(job *j);

static void job_free(job *j) {
  free(j->arg);
  free(j->lang);
  free(j->source);
  free(j->args);
  free(j->opts);
  if (j->result != NULL) L.free(j->result);
  if (j->output != NULL) L.free(j->output);
  free(j->err_message);
  free(j->err_details);
  free(j);
}

/* job_parse reads (engine, lang, source, argsJson|null, optionsJson|null,
 * run|null) into a new job. Returns NULL with an exception pending. */
static job *job_parse(napi_env env, napi_callback_info info, napi_value *engine_v,
                      napi_value *run_v) {
  size_t argc = 6;
  napi_value argv[6];
  napi_valuetype t;
  size_t lang_len;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 6) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "engineRun takes 6 arguments");
    return NULL;
  }
  handle *eh = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (eh == NULL) return NULL;
  handle *rh = NULL;
  if (napi_typeof(env, argv[5], &t) != napi_ok) return NULL;
  if (t != napi_null && t != napi_undefined) {
    rh = get_handle(env, argv[5], KIND_RUN, 1);
    if (rh == NULL) return NULL;
  }
  job *j = calloc(1, sizeof *j);
  if (j == NULL) {
    napi_throw_error(env, NULL, "llmspell: out of memory");
    return NULL;
  }
  j->engine = eh->ptr;
  j->run = rh != NULL ? rh->ptr : NULL;
  if (!get_bytes(env, argv[1], 0, "lang", &j->lang, &lang_len) ||
      !get_bytes(env, argv[2], 0, "source", &j->source, &j->source_len) ||
      !get_bytes(env, argv[3], 1, "args", &j->args, &j->args_len) ||
      !get_bytes(env, argv[4], 1, "options", &j->opts, &j->opts_len)) {
    job_free(j);
    return NULL;
  }
  *engine_v = argv[0];
  *run_v = rh != NULL ? argv[5] : NULL;
  return j;
}

static void job_run(job *j) {
  llmspell_error *err = NULL;
  switch (j->op) {
  case OP_RUN:
    j->status = L.engine_run(j->engine, j->lang, j->source, j->source_len, j->args, j->args_len,
                             j->opts, j->opts_len, j->run, &j->result, &j->result_len,
                             &j->output, &j->output_len, &err);
    break;
  case OP_MIGRATE:
    j->status = L.state_migrate(j->engine, j->arg, j->opts, j->opts_len, &j->result,
                                &j->result_len, &err);
    break;
  case OP_BACKUP_CREATE:
    j->status = L.backup_create(j->engine, j->opts, j->opts_len, &j->result, &j->result_len, &err);
    break;
  case OP_BACKUP_VALIDATE:
    j->status = L.backup_validate(j->engine, j->arg, &j->result, &j->result_len, &err);
    break;
  case OP_BACKUP_RESTORE:
    j->status = L.backup_restore(j->engine, j->arg, &j->result, &j->result_len, &err);
    break;
  case OP_BACKUP_CLEANUP:
    j->status = L.backup_cleanup(j->engine, j->opts, j->opts_len, &j->result, &j->result_len, &err);
    break;
  case OP_NEXT:
    j->status = L.subscription_next(j->sub, j->timeout_ms, &j->result, &j->result_len, &err);
    break;
  case OP_HOOK_UNREGISTER:
    j->status = L.hook_unregister(j->engine, j->id, &err);
    break;
  case OP_TOOL_UNREGISTER:
    j->status = L.tool_unregister(j->engine, j->arg, &err);
    break;
  case OP_TOOL_INVOKE:
    j->status = L.tool_invoke(j->engine, j->arg, j->opts, j->opts_len, &j->result,
                              &j->result_len, &err);
    break;
  case OP_AGENT_EXECUTE:
    j->status = L.agent_execute(j->engine, j->arg, j->source, j->source_len, j->run, &j->result,
                                &j->result_len, &err);
    break;
  case OP_WORKFLOW_EXECUTE:
    j->status = L.workflow_execute(j->engine, j->arg, j->source, j->source_len, j->opts, j->opts_len,
                                   j->run, &j->result, &j->result_len, &err);
    break;
  case OP_WORKFLOW_RESUME:
    j->status = L.workflow_resume(j->engine, j->arg, j->source, j->source_len, j->run, &j->result,
                                  &j->result_len, &err);
    break;
  case OP_DELTA_NEXT:
    /* A delta goes to result; at the end the turn's result JSON goes to
     * output. LLMSPELL_ERR_TIMEOUT means either "no delta in time" or the
     * turn's own timeout: only an ended stream answers _result with
     * something other than invalid_argument. */
    j->status = L.delta_stream_next(j->delta, j->wait_ms, &j->result, &j->result_len, &err);
    if (j->status == LLMSPELL_OK && j->result == NULL) {
      j->status = L.delta_stream_result(j->delta, &j->output, &j->output_len, &err);
    } else if (j->status == LLMSPELL_ERR_TIMEOUT) {
      llmspell_error *e2 = NULL;
      char *res = NULL;
      size_t res_len = 0;
      if (L.delta_stream_result(j->delta, &res, &res_len, &e2) == LLMSPELL_ERR_INVALID_ARGUMENT) {
        L.error_free(err);
        err = NULL;
        j->status = LLMSPELL_OK; /* no delta in time: resolves null */
      }
      if (res != NULL) L.free(res);
      L.error_free(e2);
    }
    break;
  }
  if (j->status != LLMSPELL_OK) {
    const char *m = err != NULL ? L.error_message(err) : L.status_name(j->status);
    j->err_message = strdup(m);
    if (err != NULL) j->err_details = strdup(L.error_details(err));
    L.error_free(err);
  }
}

/* job_value turns a finished job into its value ([resultJson, output] for
 * a run; the JSON text, or null for OP_NEXT without an event, otherwise) or
 * an error. Returns NULL with an exception pending on failure. */
static napi_value job_value(napi_env env, job *j, int *failed) {
  napi_value r, s;
  *failed = 0;
  if (j->status != LLMSPELL_OK) {
    *failed = 1;
    return make_error(env, j->status, j->err_message ? j->err_message : "out of memory",
                      j->err_details, j->op == OP_RUN ? j->output : NULL, j->output_len);
  }
  if (j->op == OP_DELTA_NEXT) {
    if (j->result == NULL && j->output == NULL) {
      NAPI_OK_OR_NULL(napi_get_null(env, &r));
      return r;
    }
    NAPI_OK_OR_NULL(napi_create_array_with_length(env, 2, &r));
    if (j->result != NULL) {
      NAPI_OK_OR_NULL(napi_create_string_utf8(env, j->result, j->result_len, &s));
    } else {
      NAPI_OK_OR_NULL(napi_get_null(env, &s));
    }
    NAPI_OK_OR_NULL(napi_set_element(env, r, 0, s));
    if (j->output != NULL) {
      NAPI_OK_OR_NULL(napi_create_string_utf8(env, j->output, j->output_len, &s));
    } else {
      NAPI_OK_OR_NULL(napi_get_null(env, &s));
    }
    NAPI_OK_OR_NULL(napi_set_element(env, r, 1, s));
    return r;
  }
  if (j->op != OP_RUN) {
    if (j->result == NULL) {
      NAPI_OK_OR_NULL(j->op == OP_NEXT ? napi_get_null(env, &r)
                                       : napi_create_string_utf8(env, "null", 4, &r));
    } else {
      NAPI_OK_OR_NULL(napi_create_string_utf8(env, j->result, j->result_len, &r));
    }
    return r;
  }
  NAPI_OK_OR_NULL(napi_create_array_with_length(env, 2, &r));
  NAPI_OK_OR_NULL(napi_create_string_utf8(env, j->result ? j->result : "null",
                                          j->result ? j->result_len : 4, &s));
  NAPI_OK_OR_NULL(napi_set_element(env, r, 0, s));
  NAPI_OK_OR_NULL(napi_create_string_utf8(env, j->output ? j->output : "",
                                          j->output ? j->output_len : 0, &s));
  NAPI_OK_OR_NULL(napi_set_element(env, r, 1, s));
  return r;
}

/* job_sync_value runs j for a synchronous call and frees it: with JS hooks
 * or tools registered, on a pool thread while this thread serves their
 * calls (a spell's runtime, a turn or a workflow step may hit them on a
 * thread of its own, which would otherwise wait for this one), else here.
 * Returns the job's value, or NULL with its error thrown. */
static napi_value job_sync_value(napi_env env, job *j) {
  int failed;
  if (!sync_job_wait(j)) job_run(j);
  napi_value v = job_value(env, j, &failed);
  job_free(j);
  if (v != NULL && failed) {
    napi_throw(env, v);
    return NULL;
  }
  return v;
}

/* engineRun(engine, lang, source, args, options, run) -> [resultJson, output]
 * on the calling thread. */
static napi_value js_engine_run(napi_env env, napi_callback_info info) {
  napi_value ev, rv;
  job *j = job_parse(env, info, &ev, &rv);
  if (j == NULL) return NULL;
  return job_sync_value(env, j);
}

/* The pool: threads are created on demand, so every queued run starts at
 * once (runs block for their whole length, a fixed-size pool would make them
 * wait on each other). Up to POOL_KEEP idle threads stay; extra ones exit
 * after POOL_IDLE_SECONDS. The pool serves every environment of the
 * process. */
#define POOL_KEEP 4
#define POOL_IDLE_SECONDS 30

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static job *queue_head, *queue_tail;
static size_t queue_len, pool_idle, pool_threads;

static void job_deliver(job *j) {
  link_state *l = j->link;
  int delivered = 0, free_link;
  /* Once queued, j belongs to tsfn_call, which may run (and free j) at
   * once on the JS thread: copy what is needed first. */
  napi_threadsafe_function tsfn = j->tsfn;
  pthread_mutex_lock(&link_mu);
  if (!l->tsfn_dead) {
    napi_status st = napi_call_threadsafe_function(tsfn, j, napi_tsfn_nonblocking);
    if (st == napi_ok) {
      delivered = 1;
      napi_release_threadsafe_function(tsfn, napi_tsfn_release);
    }
    /* napi_closing: the environment is going away and the call already
     * gave up this thread's use of the tsfn. */
  }
  l->thread_done = 1;
  free_link = l->tsfn_dead;
  pthread_mutex_unlock(&link_mu);
  if (free_link) free(l);
  if (!delivered) job_free(j); /* its napi refs die with the environment */
}

static void *pool_main(void *arg) {
  (void)arg;
  pthread_mutex_lock(&pool_mu);
  for (;;) {
    while (queue_head == NULL) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_sec += POOL_IDLE_SECONDS;
      pool_idle++;
      int rc = pthread_cond_timedwait(&pool_cv, &pool_mu, &ts);
      pool_idle--;
      if (rc == ETIMEDOUT && queue_head == NULL && pool_threads > POOL_KEEP) {
        pool_threads--;
        pthread_mutex_unlock(&pool_mu);
        return NULL;
      }
    }
    job *j = queue_head;
    queue_head = j->next;
    if (queue_head == NULL) queue_tail = NULL;
    queue_len--;
    pthread_mutex_unlock(&pool_mu);
    job_run(j);
    if (j->sync) sync_job_done(j);
    else job_deliver(j);
    pthread_mutex_lock(&pool_mu);
  }
  return NULL;
}

/* pool_submit queues a job; returns 0, or an errno when no thread exists
 * to run it. */
static int pool_submit(job *j) {
  int rc = 0;
  pthread_mutex_lock(&pool_mu);
  j->next = NULL;
  if (queue_tail != NULL) queue_tail->next = j;
  else queue_head = j;
  queue_tail = j;
  queue_len++;
  if (queue_len <= pool_idle) {
    /* Every idle thread rechecks the queue; enough of them are waiting. */
    pthread_cond_broadcast(&pool_cv);
  } else {
    pthread_t tid;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&tid, &attr, pool_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc == 0) {
      pool_threads++;
    } else if (pool_threads > 0) {
      rc = 0; /* a busy thread will take it when it is free */
    } else {
      /* unlink the job again: it is the only one queued */
      queue_head = queue_tail = NULL;
      queue_len = 0;
    }
  }
  pthread_mutex_unlock(&pool_mu);
  return rc;
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  link_state *l = data;
  int free_link;
  (void)env;
  (void)hint;
  pthread_mutex_lock(&link_mu);
  l->tsfn_dead = 1;
  free_link = l->thread_done;
  pthread_mutex_unlock(&link_mu);
  if (free_link) free(l);
}

/* tsfn_call settles the Promise on the JS thread. env is NULL when the
 * environment is being torn down. */
static void tsfn_call(napi_env env, napi_value js_cb, void *context, void *data) {
  job *j = data;
  int failed;
  (void)js_cb;
  (void)context;
  if (env != NULL) {
    napi_value v = job_value(env, j, &failed);
    if (v == NULL) {
      /* an exception is pending (out of memory, a throwing factory):
       * reject with it */
      napi_value exc;
      if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) v = exc;
      failed = 1;
    }
    if (v != NULL) {
      if (failed) napi_reject_deferred(env, j->deferred, v);
      else napi_resolve_deferred(env, j->deferred, v);
    }
    if (j->engine_ref != NULL) napi_delete_reference(env, j->engine_ref);
    if (j->aux_ref != NULL) napi_delete_reference(env, j->aux_ref);
  }
  job_free(j);
}

/* job_submit queues j on the pool and returns a Promise of its value. ev
 * and av (optional) are the handles the job uses: references keep them (and
 * so the library objects) from being collected while it is in flight. On
 * failure j is freed and NULL returned with an exception pending. */
static napi_value job_submit(napi_env env, job *j, napi_value ev, napi_value av,
                             const char *resource) {
  napi_value promise, name;
  j->link = calloc(1, sizeof *j->link);
  if (j->link == NULL) goto fail;
  if (ev != NULL && napi_create_reference(env, ev, 1, &j->engine_ref) != napi_ok) goto fail;
  if (av != NULL && napi_create_reference(env, av, 1, &j->aux_ref) != napi_ok) goto fail;
  if (napi_create_string_utf8(env, resource, NAPI_AUTO_LENGTH, &name) != napi_ok) goto fail;
  if (napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, j->link, tsfn_finalize, NULL,
                                      tsfn_call, &j->tsfn) != napi_ok)
    goto fail;
  /* From here the tsfn's finalizer frees the link once thread_done is set;
   * on the failure paths below no thread will ever see it, so set it now. */
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok) {
    j->link->thread_done = 1;
    j->link = NULL;
    napi_release_threadsafe_function(j->tsfn, napi_tsfn_abort);
    goto fail;
  }
  if (pool_submit(j) != 0) {
    napi_value e = make_error(env, LLMSPELL_ERR_INTERNAL, "internal: cannot start a thread",
                              NULL, NULL, 0);
    j->link->thread_done = 1;
    j->link = NULL;
    napi_release_threadsafe_function(j->tsfn, napi_tsfn_abort);
    if (e != NULL) napi_reject_deferred(env, j->deferred, e);
    if (j->engine_ref != NULL) napi_delete_reference(env, j->engine_ref);
    if (j->aux_ref != NULL) napi_delete_reference(env, j->aux_ref);
    job_free(j);
    return e != NULL ? promise : NULL;
  }
  return promise;
fail:
  if (j->engine_ref != NULL) napi_delete_reference(env, j->engine_ref);
  if (j->aux_ref != NULL) napi_delete_reference(env, j->aux_ref);
  free(j->link);
  job_free(j);
  {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, NULL, "llmspell: cannot start the call");
  }
  return NULL;
}

/* engineRunAsync(engine, lang, source, args, options, run) -> Promise of
 * [resultJson, output]; the run happens on a pool thread. */
static napi_value js_engine_run_async(napi_env env, napi_callback_info info) {
  napi_value ev, rv;
  job *j = job_parse(env, info, &ev, &rv);
  if (j == NULL) return NULL;
  return job_submit(env, j, ev, rv, "llmspell.run");
}

/* ------------------------------------------------------------------------ */
/* State                                                                    */
/* ------------------------------------------------------------------------ */

/* The state calls are short (no script runs), so they run on the calling
 * thread like ping. lib/methods/state-*.js check the argument types and do
 * the JSON encoding; these functions check again (a wrong type throws a
 * TypeError, never crashes) and reject names with a NUL, which a C string
 * would silently cut short. */

/* strarg holds one string argument as NUL-terminated UTF-8: in small when it
 * fits, else in a malloc'd buffer. p is NULL for null/undefined. */
typedef struct {
  char *p;
  size_t len;
  char small[320];
} strarg;

static void strarg_free(strarg *s) {
  if (s->p != NULL && s->p != s->small) free(s->p);
  s->p = NULL;
}

static void throw_invalid(napi_env env, const char *what, const char *problem) {
  char msg[160], details[320];
  snprintf(msg, sizeof msg, "invalid_argument: %s %s", what, problem);
  snprintf(details, sizeof details, "{\"kind\":\"invalid_argument\",\"message\":\"%s %s\"}", what,
           problem);
  napi_value e = make_error(env, LLMSPELL_ERR_INVALID_ARGUMENT, msg, details, NULL, 0);
  if (e != NULL) napi_throw(env, e);
}

/* get_str reads a string argument into s. nullable: null/undefined give
 * s->p == NULL. name: a scope, key or prefix, which must not contain NUL.
 * Returns 0 with an exception pending on failure (s needs no freeing). */
static int get_str(napi_env env, napi_value v, int nullable, int name, const char *what,
                   strarg *s) {
  napi_valuetype t;
  size_t n = 0;
  s->p = NULL;
  s->len = 0;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if ((t == napi_null || t == napi_undefined) && nullable) return 1;
  if (t != napi_string) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a string%s", what, nullable ? " or null" : "");
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return 0;
  }
  /* One copy when it fits in small (the usual case for names). */
  if (napi_get_value_string_utf8(env, v, s->small, sizeof s->small, &n) != napi_ok) return 0;
  if (n + 1 < sizeof s->small) {
    s->p = s->small;
  } else {
    if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) return 0;
    s->p = malloc(n + 1);
    if (s->p == NULL) {
      napi_throw_error(env, NULL, "llmspell: out of memory");
      return 0;
    }
    if (napi_get_value_string_utf8(env, v, s->p, n + 1, &n) != napi_ok) {
      strarg_free(s);
      return 0;
    }
  }
  s->len = n;
  if (name && strlen(s->p) != n) {
    strarg_free(s);
    throw_invalid(env, what, "contains a NUL character");
    return 0;
  }
  return 1;
}

/* state_args reads (engine, scope|null, key) from argv[0..2]. Returns the
 * engine handle, or NULL with an exception pending (nothing to free). */
static handle *state_args(napi_env env, napi_value *argv, strarg *scope, strarg *key) {
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[1], 1, 1, "scope", scope)) return NULL;
  if (!get_str(env, argv[2], 0, 1, "key", key)) {
    strarg_free(scope);
    return NULL;
  }
  return h;
}

static napi_value make_bool(napi_env env, int b) {
  napi_value r;
  NAPI_OK_OR_NULL(napi_get_boolean(env, b != 0, &r));
  return r;
}

/* stateSet(engine, scope|null, key, valueJson) -> undefined */
static napi_value js_state_set(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  strarg scope, key, value;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = state_args(env, argv, &scope, &key);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[3], 0, 0, "valueJson", &value)) {
    strarg_free(&scope);
    strarg_free(&key);
    return NULL;
  }
  llmspell_status st = L.state_set(h->ptr, scope.p, key.p, value.p, value.len, &err);
  strarg_free(&scope);
  strarg_free(&key);
  strarg_free(&value);
  if (st != LLMSPELL_OK) throw_status(env, st, err);
  return NULL;
}

/* stateGet(engine, scope|null, key) -> JSON text, or null when absent */
static napi_value js_state_get(napi_env env, napi_callback_info info) {
  size_t argc = 3, len = 0;
  napi_value argv[3], r = NULL;
  strarg scope, key;
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = state_args(env, argv, &scope, &key);
  if (h == NULL) return NULL;
  llmspell_status st = L.state_get(h->ptr, scope.p, key.p, &out, &len, &err);
  strarg_free(&scope);
  strarg_free(&key);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  if (out == NULL) {
    napi_get_null(env, &r);
  } else {
    napi_create_string_utf8(env, out, len, &r);
    L.free(out);
  }
  return r;
}

/* stateDelete(engine, scope|null, key) -> true if the key existed */
static napi_value js_state_delete(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  strarg scope, key;
  int32_t existed = 0;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = state_args(env, argv, &scope, &key);
  if (h == NULL) return NULL;
  llmspell_status st = L.state_delete(h->ptr, scope.p, key.p, &existed, &err);
  strarg_free(&scope);
  strarg_free(&key);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return make_bool(env, existed);
}

/* stateExists(engine, scope|null, key) -> boolean */
static napi_value js_state_exists(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  strarg scope, key;
  int32_t found = 0;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = state_args(env, argv, &scope, &key);
  if (h == NULL) return NULL;
  llmspell_status st = L.state_exists(h->ptr, scope.p, key.p, &found, &err);
  strarg_free(&scope);
  strarg_free(&key);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return make_bool(env, found);
}

/* stateList(engine, scope|null, prefix|null, limit) -> JSON array text */
static napi_value js_state_list(napi_env env, napi_callback_info info) {
  size_t argc = 4, len = 0;
  napi_value argv[4], r = NULL;
  strarg scope, prefix;
  uint32_t limit = 0;
  napi_valuetype t;
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  NAPI_OK_OR_NULL(napi_typeof(env, argv[3], &t));
  if (t != napi_number || napi_get_value_uint32(env, argv[3], &limit) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "limit must be a number");
    return NULL;
  }
  if (!get_str(env, argv[1], 1, 1, "scope", &scope)) return NULL;
  if (!get_str(env, argv[2], 1, 1, "prefix", &prefix)) {
    strarg_free(&scope);
    return NULL;
  }
  llmspell_status st = L.state_list(h->ptr, scope.p, prefix.p, limit, &out, &len, &err);
  strarg_free(&scope);
  strarg_free(&prefix);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  if (out == NULL) {
    napi_create_string_utf8(env, "[]", 2, &r);
  } else {
    napi_create_string_utf8(env, out, len, &r);
    L.free(out);
  }
  return r;
}

/* stateCompareAndSet(engine, scope|null, key, expectedJson|null,
 * newJson|null) -> true if it wrote */
static napi_value js_state_compare_and_set(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  strarg scope, key, expected, next;
  int32_t swapped = 0;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = state_args(env, argv, &scope, &key);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[3], 1, 0, "expectedJson", &expected)) {
    strarg_free(&scope);
    strarg_free(&key);
    return NULL;
  }
  if (!get_str(env, argv[4], 1, 0, "newJson", &next)) {
    strarg_free(&scope);
    strarg_free(&key);
    strarg_free(&expected);
    return NULL;
  }
  llmspell_status st = L.state_compare_and_set(h->ptr, scope.p, key.p, expected.p, expected.len,
                                               next.p, next.len, &swapped, &err);
  strarg_free(&scope);
  strarg_free(&key);
  strarg_free(&expected);
  strarg_free(&next);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return make_bool(env, swapped);
}

/* stateTransaction(engine, opsJson) -> undefined */
static napi_value js_state_transaction(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  strarg ops;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[1], 0, 0, "opsJson", &ops)) return NULL;
  llmspell_status st = L.state_transaction(h->ptr, ops.p, ops.len, &err);
  strarg_free(&ops);
  if (st != LLMSPELL_OK) throw_status(env, st, err);
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Sessions and artifacts                                                   */
/* ------------------------------------------------------------------------ */

/* Like the state calls, these run on the calling thread: each is one store
 * read or write (the streaming calls move at most one chunk, bounded by the
 * JS layer). lib/session-args.js checks the argument types and builds the
 * JSON; these functions check again so that a wrong type throws a
 * TypeError and never crashes. Artifact writers and readers are externals
 * of their own kinds; a GC finalizer frees one that was never freed (which
 * discards an uncommitted writer). */

/* take_text turns an owned library buffer into a JS string (dflt when the
 * buffer is NULL) and frees it. */
static napi_value take_text(napi_env env, char *out, size_t len, const char *dflt) {
  napi_value r = NULL;
  if (out == NULL) {
    napi_create_string_utf8(env, dflt, NAPI_AUTO_LENGTH, &r);
    return r;
  }
  napi_create_string_utf8(env, out, len, &r);
  L.free(out);
  return r;
}

/* data_arg holds content to store: a pointer into a Uint8Array (borrowed
 * for the synchronous call) or a malloc'd copy of a string's UTF-8. */
typedef struct {
  const void *p;
  size_t len;
  char *owned;
} data_arg;

static int get_data(napi_env env, napi_value v, const char *what, data_arg *d) {
  napi_valuetype t;
  bool is_ta = false;
  d->p = NULL;
  d->len = 0;
  d->owned = NULL;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t == napi_string) {
    if (!get_bytes(env, v, 0, what, &d->owned, &d->len)) return 0;
    d->p = d->owned;
    return 1;
  }
  if (t == napi_object && napi_is_typedarray(env, v, &is_ta) == napi_ok && is_ta) {
    napi_typedarray_type tt;
    size_t n;
    void *data;
    if (napi_get_typedarray_info(env, v, &tt, &n, &data, NULL, NULL) != napi_ok) return 0;
    if (tt == napi_uint8_array) {
      d->p = n > 0 ? data : NULL;
      d->len = n;
      return 1;
    }
  }
  char msg[128];
  snprintf(msg, sizeof msg, "%s must be a string or a Uint8Array", what);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return 0;
}

/* get_sequence reads an artifact sequence number: a non-negative integer
 * Number up to 2^53 - 1, or a BigInt up to 2^64 - 1. */
static int get_sequence(napi_env env, napi_value v, uint64_t *seq) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t == napi_number) {
    double d;
    if (napi_get_value_double(env, v, &d) != napi_ok) return 0;
    if (d >= 0 && d <= 9007199254740991.0 && d == (double)(uint64_t)d) {
      *seq = (uint64_t)d;
      return 1;
    }
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE",
                           "sequence must be an integer from 0 to Number.MAX_SAFE_INTEGER");
    return 0;
  }
  if (t == napi_bigint) {
    bool lossless = false;
    if (napi_get_value_bigint_uint64(env, v, seq, &lossless) != napi_ok) return 0;
    if (lossless) return 1;
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "sequence must be from 0 to 2^64 - 1");
    return 0;
  }
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "sequence must be a number or a bigint");
  return 0;
}

/* engine_id_args reads (engine, id) from argv[0..1]. */
static handle *engine_id_args(napi_env env, napi_value *argv, const char *what, strarg *id) {
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[1], 0, 1, what, id)) return NULL;
  return h;
}

/* sessionCreate(engine, optionsJson|null) -> id */
static napi_value js_session_create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  strarg opts;
  char *id = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[1], 1, 0, "optionsJson", &opts)) return NULL;
  llmspell_status st = L.session_create(h->ptr, opts.p, opts.len, &id, &err);
  strarg_free(&opts);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, id, id != NULL ? strlen(id) : 0, "");
}

/* sessionGet(engine, id) -> record JSON */
static napi_value js_session_get(napi_env env, napi_callback_info info) {
  size_t argc = 2, len = 0;
  napi_value argv[2];
  strarg id;
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = engine_id_args(env, argv, "id", &id);
  if (h == NULL) return NULL;
  llmspell_status st = L.session_get(h->ptr, id.p, &out, &len, &err);
  strarg_free(&id);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, out, len, "null");
}

/* A library call that takes an engine and an optional JSON argument and
 * answers a JSON array: llmspell_session_list, llmspell_artifact_query,
 * llmspell_tool_list, llmspell_event_query, llmspell_hook_records. */
typedef llmspell_status (*engine_json_list_fn)(llmspell_engine *, const char *, size_t, char **,
                                               size_t *, llmspell_error **);

/* engine_json_list is fn(engine, json|null) -> JSON array text ("[]" when
 * the library answers nothing); what names the JSON argument in errors. */
static napi_value engine_json_list(napi_env env, napi_callback_info info, engine_json_list_fn fn,
                                   const char *what) {
  size_t argc = 2, len = 0;
  napi_value argv[2];
  strarg q;
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[1], 1, 0, what, &q)) return NULL;
  llmspell_status st = fn(h->ptr, q.p, q.len, &out, &len, &err);
  strarg_free(&q);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, out, len, "[]");
}

/* sessionList(engine, queryJson|null) -> JSON array */
static napi_value js_session_list(napi_env env, napi_callback_info info) {
  return engine_json_list(env, info, L.session_list, "queryJson");
}

/* sessionTransition(engine, id, status, reason|null) -> undefined */
static napi_value js_session_transition(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  strarg id, status, reason;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = engine_id_args(env, argv, "id", &id);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[2], 0, 1, "status", &status)) {
    strarg_free(&id);
    return NULL;
  }
  if (!get_str(env, argv[3], 1, 1, "reason", &reason)) {
    strarg_free(&id);
    strarg_free(&status);
    return NULL;
  }
  llmspell_status st = L.session_transition(h->ptr, id.p, status.p, reason.p, &err);
  strarg_free(&id);
  strarg_free(&status);
  strarg_free(&reason);
  if (st != LLMSPELL_OK) throw_status(env, st, err);
  return NULL;
}

/* sessionUpdateMetadata(engine, id, fieldsJson) -> undefined */
static napi_value js_session_update_metadata(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  strarg id, fields;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = engine_id_args(env, argv, "id", &id);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[2], 0, 0, "fieldsJson", &fields)) {
    strarg_free(&id);
    return NULL;
  }
  llmspell_status st = L.session_update_metadata(h->ptr, id.p, fields.p, fields.len, &err);
  strarg_free(&id);
  strarg_free(&fields);
  if (st != LLMSPELL_OK) throw_status(env, st, err);
  return NULL;
}

/* sessionDelete(engine, id) -> undefined */
static napi_value js_session_delete(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  strarg id;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = engine_id_args(env, argv, "id", &id);
  if (h == NULL) return NULL;
  llmspell_status st = L.session_delete(h->ptr, id.p, &err);
  strarg_free(&id);
  if (st != LLMSPELL_OK) throw_status(env, st, err);
  return NULL;
}

/* artifactStore(engine, sessionId, optionsJson, data) -> record JSON */
static napi_value js_artifact_store(napi_env env, napi_callback_info info) {
  size_t argc = 4, len = 0;
  napi_value argv[4];
  strarg id, opts;
  data_arg data;
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = engine_id_args(env, argv, "sessionId", &id);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[2], 0, 0, "optionsJson", &opts)) {
    strarg_free(&id);
    return NULL;
  }
  if (!get_data(env, argv[3], "data", &data)) {
    strarg_free(&id);
    strarg_free(&opts);
    return NULL;
  }
  llmspell_status st = L.artifact_store(h->ptr, id.p, opts.p, opts.len, data.p, data.len, &out, &len, &err);
  strarg_free(&id);
  strarg_free(&opts);
  free(data.owned);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, out, len, "null");
}

/* artifactStoreFile(engine, sessionId, path, optionsJson) -> record JSON */
static napi_value js_artifact_store_file(napi_env env, napi_callback_info info) {
  size_t argc = 4, len = 0;
  napi_value argv[4];
  strarg id, path, opts;
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = engine_id_args(env, argv, "sessionId", &id);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[2], 0, 1, "path", &path)) {
    strarg_free(&id);
    return NULL;
  }
  if (!get_str(env, argv[3], 0, 0, "optionsJson", &opts)) {
    strarg_free(&id);
    strarg_free(&path);
    return NULL;
  }
  llmspell_status st = L.artifact_store_file(h->ptr, id.p, path.p, opts.p, opts.len, &out, &len, &err);
  strarg_free(&id);
  strarg_free(&path);
  strarg_free(&opts);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, out, len, "null");
}

static void free_library_buffer(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  L.free(data);
}

/* take_buffer turns owned library content into a Buffer without a copy
 * (freed with llmspell_free when collected), or copies it where external
 * buffers are not allowed. Frees data on every path. */
static napi_value take_buffer(napi_env env, void *data, size_t len) {
  napi_value b = NULL;
  if (data != NULL && len > 0 &&
      napi_create_external_buffer(env, len, data, free_library_buffer, NULL, &b) == napi_ok)
    return b;
  napi_status st = napi_create_buffer_copy(env, len, data, NULL, &b);
  L.free(data);
  return st == napi_ok ? b : NULL;
}

/* artifactGet(engine, sessionId, sequence) -> [recordJson, Buffer] */
static napi_value js_artifact_get(napi_env env, napi_callback_info info) {
  size_t argc = 3, rec_len = 0, data_len = 0;
  napi_value argv[3], r, rec, buf;
  strarg id;
  uint64_t seq;
  char *record = NULL;
  void *data = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = engine_id_args(env, argv, "sessionId", &id);
  if (h == NULL) return NULL;
  if (!get_sequence(env, argv[2], &seq)) {
    strarg_free(&id);
    return NULL;
  }
  llmspell_status st = L.artifact_get(h->ptr, id.p, seq, &record, &rec_len, &data, &data_len, &err);
  strarg_free(&id);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  rec = take_text(env, record, rec_len, "null");
  buf = take_buffer(env, data, data_len);
  if (rec == NULL || buf == NULL) return NULL;
  NAPI_OK_OR_NULL(napi_create_array_with_length(env, 2, &r));
  NAPI_OK_OR_NULL(napi_set_element(env, r, 0, rec));
  NAPI_OK_OR_NULL(napi_set_element(env, r, 1, buf));
  return r;
}

/* artifactQuery(engine, queryJson|null) -> JSON array */
static napi_value js_artifact_query(napi_env env, napi_callback_info info) {
  return engine_json_list(env, info, L.artifact_query, "queryJson");
}

/* artifactDelete(engine, sessionId, sequence) -> undefined */
static napi_value js_artifact_delete(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  strarg id;
  uint64_t seq;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = engine_id_args(env, argv, "sessionId", &id);
  if (h == NULL) return NULL;
  if (!get_sequence(env, argv[2], &seq)) {
    strarg_free(&id);
    return NULL;
  }
  llmspell_status st = L.artifact_delete(h->ptr, id.p, seq, &err);
  strarg_free(&id);
  if (st != LLMSPELL_OK) throw_status(env, st, err);
  return NULL;
}

/* writerNew(engine, sessionId, optionsJson) -> writer handle */
static napi_value js_writer_new(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  strarg id, opts;
  llmspell_artifact_writer *w = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = engine_id_args(env, argv, "sessionId", &id);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[2], 0, 0, "optionsJson", &opts)) {
    strarg_free(&id);
    return NULL;
  }
  llmspell_status st = L.artifact_writer_new(h->ptr, id.p, opts.p, opts.len, &w, &err);
  strarg_free(&id);
  strarg_free(&opts);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  napi_value v = new_handle(env, w, KIND_WRITER);
  if (v == NULL) L.artifact_writer_free(w);
  return v;
}

/* writerWrite(writer, data) -> undefined */
static napi_value js_writer_write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  data_arg data;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_WRITER, 1);
  if (h == NULL) return NULL;
  if (!get_data(env, argv[1], "data", &data)) return NULL;
  llmspell_status st = L.artifact_writer_write(h->ptr, data.p, data.len, &err);
  free(data.owned);
  if (st != LLMSPELL_OK) throw_status(env, st, err);
  return NULL;
}

/* writerCommit(writer) -> record JSON. The handle still needs writerFree. */
static napi_value js_writer_commit(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1];
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argc ? argv[0] : NULL, KIND_WRITER, 1);
  if (h == NULL) return NULL;
  llmspell_status st = L.artifact_writer_commit(h->ptr, &out, &len, &err);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, out, len, "null");
}

/* readerOpen(engine, sessionId, sequence) -> [reader handle, recordJson] */
static napi_value js_reader_open(napi_env env, napi_callback_info info) {
  size_t argc = 3, len = 0;
  napi_value argv[3], r, v, rec;
  strarg id;
  uint64_t seq;
  llmspell_artifact_reader *rd = NULL;
  char *record = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = engine_id_args(env, argv, "sessionId", &id);
  if (h == NULL) return NULL;
  if (!get_sequence(env, argv[2], &seq)) {
    strarg_free(&id);
    return NULL;
  }
  llmspell_status st = L.artifact_reader_open(h->ptr, id.p, seq, &rd, &record, &len, &err);
  strarg_free(&id);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  v = new_handle(env, rd, KIND_READER);
  if (v == NULL) {
    L.artifact_reader_free(rd);
    L.free(record);
    return NULL;
  }
  rec = take_text(env, record, len, "null");
  if (rec == NULL) return NULL;
  NAPI_OK_OR_NULL(napi_create_array_with_length(env, 2, &r));
  NAPI_OK_OR_NULL(napi_set_element(env, r, 0, v));
  NAPI_OK_OR_NULL(napi_set_element(env, r, 1, rec));
  return r;
}

/* readerRead(reader, target Uint8Array) -> bytes copied; 0 at the end */
static napi_value js_reader_read(napi_env env, napi_callback_info info) {
  size_t argc = 2, n = 0, cap = 0;
  napi_value argv[2], r;
  napi_valuetype t;
  bool is_ta = false;
  napi_typedarray_type tt;
  void *buf = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_READER, 1);
  if (h == NULL) return NULL;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_object ||
      napi_is_typedarray(env, argv[1], &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, argv[1], &tt, &cap, &buf, NULL, NULL) != napi_ok ||
      tt != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "target must be a Uint8Array");
    return NULL;
  }
  llmspell_status st = L.artifact_reader_read(h->ptr, cap > 0 ? buf : NULL, cap, &n, &err);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  NAPI_OK_OR_NULL(napi_create_double(env, (double)n, &r));
  return r;
}

/* writerFree(writer) / readerFree(reader): idempotent; freeing an
 * uncommitted writer discards its content. */
static napi_value free_kind(napi_env env, napi_callback_info info, int kind) {
  size_t argc = 1;
  napi_value argv[1];
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argc ? argv[0] : NULL, kind, 0);
  if (h == NULL) return NULL;
  handle_release(h);
  return NULL;
}

static napi_value js_writer_free(napi_env env, napi_callback_info info) {
  return free_kind(env, info, KIND_WRITER);
}

static napi_value js_reader_free(napi_env env, napi_callback_info info) {
  return free_kind(env, info, KIND_READER);
}

/* ------------------------------------------------------------------------ */
/* Schema migrations and backups                                            */
/* ------------------------------------------------------------------------ */

/* registerSchema, migrationStatus and backupList are short and run on the
 * calling thread. Migrations and the other backup calls read or write the
 * whole store, so they run on the pool like engineRunAsync and settle a
 * Promise. lib/methods/{state-*,backup-*}.js check the arguments and build
 * the JSON. */

/* stateRegisterSchema(engine, schemaJson) -> undefined */
static napi_value js_state_register_schema(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  strarg schema;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[1], 0, 0, "schemaJson", &schema)) return NULL;
  llmspell_status st = L.state_register_schema(h->ptr, schema.p, schema.len, &err);
  strarg_free(&schema);
  if (st != LLMSPELL_OK) throw_status(env, st, err);
  return NULL;
}

/* engine_json_call runs fn(engine, &out, &len, &err) for the calls that take
 * only an engine and return JSON. */
static napi_value engine_json_call(napi_env env, napi_callback_info info,
                                   llmspell_status (*fn)(llmspell_engine *, char **, size_t *,
                                                         llmspell_error **),
                                   const char *dflt) {
  size_t argc = 1, len = 0;
  napi_value argv[1];
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argc ? argv[0] : NULL, KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  llmspell_status st = fn(h->ptr, &out, &len, &err);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, out, len, dflt);
}

/* stateMigrationStatus(engine) -> JSON */
static napi_value js_state_migration_status(napi_env env, napi_callback_info info) {
  return engine_json_call(env, info, L.state_migration_status, "{}");
}

/* backupList(engine) -> JSON array */
static napi_value js_backup_list(napi_env env, napi_callback_info info) {
  return engine_json_call(env, info, L.backup_list, "[]");
}

/* eventStats(engine) -> JSON */
static napi_value js_event_stats(napi_env env, napi_callback_info info) {
  return engine_json_call(env, info, L.event_stats, "{}");
}

/* admin_async reads (engine, arg?, optionsJson|null?) for an op and submits
 * it: with_arg takes a NUL-free string (an id, a target) as argv[1]; with_opts
 * takes JSON text or null as the next argument. */
static napi_value admin_async(napi_env env, napi_callback_info info, int op, int with_arg,
                              int with_opts, const char *what) {
  size_t argc = 3, n = 0;
  napi_value argv[3];
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  job *j = calloc(1, sizeof *j);
  if (j == NULL) {
    napi_throw_error(env, NULL, "llmspell: out of memory");
    return NULL;
  }
  j->op = op;
  j->engine = h->ptr;
  int i = 1;
  if (with_arg) {
    strarg a;
    if (!get_str(env, argv[i++], 0, 1, what, &a)) {
      job_free(j);
      return NULL;
    }
    j->arg = strdup(a.p);
    strarg_free(&a);
    if (j->arg == NULL) {
      job_free(j);
      napi_throw_error(env, NULL, "llmspell: out of memory");
      return NULL;
    }
  }
  if (with_opts && !get_bytes(env, argv[i], 1, "optionsJson", &j->opts, &n)) {
    job_free(j);
    return NULL;
  }
  j->opts_len = n;
  return job_submit(env, j, argv[0], NULL, "llmspell.admin");
}

/* stateMigrateAsync(engine, target, optionsJson|null) -> Promise<report JSON> */
static napi_value js_state_migrate_async(napi_env env, napi_callback_info info) {
  return admin_async(env, info, OP_MIGRATE, 1, 1, "target");
}

/* backupCreateAsync(engine, optionsJson|null) -> Promise<summary JSON> */
static napi_value js_backup_create_async(napi_env env, napi_callback_info info) {
  return admin_async(env, info, OP_BACKUP_CREATE, 0, 1, NULL);
}

/* backupValidateAsync(engine, id) -> Promise<report JSON> */
static napi_value js_backup_validate_async(napi_env env, napi_callback_info info) {
  return admin_async(env, info, OP_BACKUP_VALIDATE, 1, 0, "id");
}

/* backupRestoreAsync(engine, id) -> Promise<report JSON> */
static napi_value js_backup_restore_async(napi_env env, napi_callback_info info) {
  return admin_async(env, info, OP_BACKUP_RESTORE, 1, 0, "id");
}

/* backupCleanupAsync(engine, optionsJson|null) -> Promise<report JSON> */
static napi_value js_backup_cleanup_async(napi_env env, napi_callback_info info) {
  return admin_async(env, info, OP_BACKUP_CLEANUP, 0, 1, NULL);
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */

/* eventPublish(engine, type, dataJson|null, optionsJson|null) -> event JSON.
 * On the calling thread: publishing never blocks, except on a full "block"
 * subscription for at most its block_timeout_ms. */
static napi_value js_event_publish(napi_env env, napi_callback_info info) {
  size_t argc = 4, len = 0;
  napi_value argv[4];
  strarg type, data, opts;
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[1], 0, 1, "type", &type)) return NULL;
  if (!get_str(env, argv[2], 1, 0, "dataJson", &data)) {
    strarg_free(&type);
    return NULL;
  }
  if (!get_str(env, argv[3], 1, 0, "optionsJson", &opts)) {
    strarg_free(&type);
    strarg_free(&data);
    return NULL;
  }
  llmspell_status st = L.event_publish(h->ptr, type.p, data.p, data.len, opts.p, opts.len, &out,
                                       &len, &err);
  strarg_free(&type);
  strarg_free(&data);
  strarg_free(&opts);
  if (st != LLMSPELL_OK) {
    if (out != NULL) L.free(out);
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, out, len, "null");
}

/* subscriptionNew(engine, pattern, optionsJson|null) -> pull subscription */
static napi_value js_subscription_new(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  strarg pattern, opts;
  llmspell_subscription *sub = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[1], 0, 1, "pattern", &pattern)) return NULL;
  if (!get_str(env, argv[2], 1, 0, "optionsJson", &opts)) {
    strarg_free(&pattern);
    return NULL;
  }
  llmspell_status st = L.subscription_new(h->ptr, pattern.p, opts.p, opts.len, &sub, &err);
  strarg_free(&pattern);
  strarg_free(&opts);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  napi_value v = new_handle(env, sub, KIND_SUB);
  if (v == NULL) L.subscription_free(sub);
  return v;
}

static int get_timeout(napi_env env, napi_value v, uint32_t *ms) {
  napi_valuetype t;
  double d;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t != napi_number || napi_get_value_double(env, v, &d) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "timeoutMs must be a number");
    return 0;
  }
  if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE",
                           "timeoutMs must be an integer from 0 to 4294967295");
    return 0;
  }
  *ms = (uint32_t)d;
  return 1;
}

/* subscriptionNext(sub, timeoutMs) -> event JSON, or null when none came in
 * time. Waits on the calling thread. */
static napi_value js_subscription_next(napi_env env, napi_callback_info info) {
  size_t argc = 2, len = 0;
  napi_value argv[2], r = NULL;
  uint32_t ms = 0;
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_SUB, 1);
  if (h == NULL || !get_timeout(env, argv[1], &ms)) return NULL;
  llmspell_status st = L.subscription_next(h->ptr, ms, &out, &len, &err);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  if (out == NULL) {
    napi_get_null(env, &r);
    return r;
  }
  return take_text(env, out, len, "null");
}

/* subscriptionNextAsync(sub, timeoutMs) -> Promise<event JSON | null>; the
 * wait happens on a pool thread. Freeing the subscription meanwhile wakes
 * it: the Promise rejects with "closed". */
static napi_value js_subscription_next_async(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  uint32_t ms = 0;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_SUB, 1);
  if (h == NULL || !get_timeout(env, argv[1], &ms)) return NULL;
  job *j = calloc(1, sizeof *j);
  if (j == NULL) {
    napi_throw_error(env, NULL, "llmspell: out of memory");
    return NULL;
  }
  j->op = OP_NEXT;
  j->sub = h->ptr;
  j->timeout_ms = ms;
  return job_submit(env, j, NULL, argv[0], "llmspell.next");
}

/* subscriptionFree(sub): idempotent. */
static napi_value js_subscription_free(napi_env env, napi_callback_info info) {
  return free_kind(env, info, KIND_SUB);
}

/*
 * Push subscriptions.
 *
 * The library calls push_on_event on its dispatcher thread (one per engine).
 * It must not block there (a blocked dispatcher would hold up every callback
 * of the engine, and llmspell_subscription_free waits for a callback in
 * progress, so blocking on the JS thread could deadlock close()). So it only
 * copies the event into the push_sub's own bounded queue and, when the
 * queue was empty, asks the JS thread to drain it with one non-blocking
 * napi_call_threadsafe_function. push_call_js then calls the listener once
 * per queued event, in order, on the event loop. One wake-up serves a whole
 * batch, which keeps the cost per event low under load.
 *
 * The queue holds at most `limit` events (the subscription's buffer size):
 * when the event loop falls that far behind, the oldest queued event is
 * dropped for a "drop_oldest" subscription and the new one otherwise, and
 * the drop is counted in `dropped` (the library's buffer never fills for a
 * push subscription, since this callback never blocks).
 *
 * Closing (main thread): set closed (queued events are discarded and
 * push_call_js calls nothing more), llmspell_subscription_free (no callback
 * after it returns), then release the tsfn. A push_sub is shared by the JS
 * handle and the tsfn; the last of the two to let go frees it (refs, main
 * thread only). At environment teardown the tsfn may be finalized before
 * the handle: its finalizer frees the library subscription first, so the
 * dispatcher never touches a dead tsfn.
 */
struct push_sub {
  pthread_mutex_t mu;
  struct push_item *head, *tail;
  size_t queued, limit;
  int drop_oldest;
  int scheduled; /* a drain is queued on the tsfn and has not started */
  int closed;    /* set under mu by the main thread */
  uint64_t dropped;
  /* main thread only */
  llmspell_subscription *sub; /* NULL once freed */
  napi_threadsafe_function tsfn;
  int tsfn_released, tsfn_dead;
  int refs;
};

typedef struct push_item {
  struct push_item *next;
  size_t len;
  char json[];
} push_item;

static void push_items_free(push_item *it) {
  while (it != NULL) {
    push_item *next = it->next;
    free(it);
    it = next;
  }
}

/* push_on_event is the llmspell_event_fn: dispatcher thread. */
static void push_on_event(void *user_data, const char *json, size_t len) {
  push_sub *ps = user_data;
  push_item *it = malloc(sizeof *it + len + 1), *old = NULL;
  int wake = 0;
  if (it == NULL) {
    pthread_mutex_lock(&ps->mu);
    ps->dropped++;
    pthread_mutex_unlock(&ps->mu);
    return;
  }
  it->next = NULL;
  it->len = len;
  memcpy(it->json, json, len);
  it->json[len] = '\0';
  pthread_mutex_lock(&ps->mu);
  if (ps->closed) {
    pthread_mutex_unlock(&ps->mu);
    free(it);
    return;
  }
  if (ps->queued >= ps->limit) {
    ps->dropped++;
    if (!ps->drop_oldest || ps->head == NULL) {
      pthread_mutex_unlock(&ps->mu);
      free(it);
      return;
    }
    old = ps->head;
    ps->head = old->next;
    if (ps->head == NULL) ps->tail = NULL;
    ps->queued--;
  }
  if (ps->tail != NULL) ps->tail->next = it;
  else ps->head = it;
  ps->tail = it;
  ps->queued++;
  if (!ps->scheduled) ps->scheduled = wake = 1;
  pthread_mutex_unlock(&ps->mu);
  free(old);
  /* The tsfn is alive here: it is released only after
   * llmspell_subscription_free, which waits for this call to return. */
  if (wake && napi_call_threadsafe_function(ps->tsfn, NULL, napi_tsfn_nonblocking) != napi_ok) {
    /* napi_closing: the environment is going away. */
    pthread_mutex_lock(&ps->mu);
    ps->scheduled = 0;
    pthread_mutex_unlock(&ps->mu);
  }
}

/* push_call_js drains the queue on the JS thread. js_cb is the JS-side
 * delivery function (lib/events.js), which catches what the listener
 * throws. env is NULL at teardown (ps may be gone then: touch nothing). */
static void push_call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  push_sub *ps = context;
  napi_value undefined, arg;
  (void)data;
  if (env == NULL) return;
  pthread_mutex_lock(&ps->mu);
  push_item *items = ps->head;
  ps->head = ps->tail = NULL;
  ps->queued = 0;
  ps->scheduled = 0;
  pthread_mutex_unlock(&ps->mu);
  if (napi_get_undefined(env, &undefined) != napi_ok) {
    push_items_free(items);
    return;
  }
  while (items != NULL) {
    push_item *next = items->next;
    /* closed may be set by the listener itself (close() from inside it). */
    if (!ps->closed && napi_create_string_utf8(env, items->json, items->len, &arg) == napi_ok) {
      if (napi_call_function(env, undefined, js_cb, 1, &arg, NULL) == napi_pending_exception) {
        napi_value exc;
        if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
      }
    }
    free(items);
    items = next;
  }
}

static void push_unref(push_sub *ps) {
  if (--ps->refs > 0) return;
  push_items_free(ps->head);
  pthread_mutex_destroy(&ps->mu);
  free(ps);
}

/* push_close stops a push subscription: main thread; idempotent. */
static void push_close(push_sub *ps) {
  pthread_mutex_lock(&ps->mu);
  ps->closed = 1;
  push_item *items = ps->head;
  ps->head = ps->tail = NULL;
  ps->queued = 0;
  pthread_mutex_unlock(&ps->mu);
  push_items_free(items);
  if (ps->sub != NULL) {
    L.subscription_free(ps->sub); /* no push_on_event after this returns */
    ps->sub = NULL;
  }
  if (!ps->tsfn_released && !ps->tsfn_dead) {
    ps->tsfn_released = 1;
    napi_release_threadsafe_function(ps->tsfn, napi_tsfn_release);
  }
}

static void push_tsfn_finalize(napi_env env, void *data, void *hint) {
  push_sub *ps = data;
  (void)env;
  (void)hint;
  ps->tsfn_dead = 1;
  push_close(ps); /* at teardown the handle may still be open */
  push_unref(ps); /* the tsfn's reference */
}

/* eventSubscribeCallback(engine, pattern, optionsJson|null, deliver,
 * queueLimit, dropOldest) -> push subscription. deliver(eventJson) is called
 * on the JS thread. */
static napi_value js_event_subscribe_callback(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6], name, v;
  napi_valuetype t;
  strarg pattern, opts;
  uint32_t limit = 0;
  bool drop_oldest = false;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (argc < 6 || napi_typeof(env, argv[3], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "deliver must be a function");
    return NULL;
  }
  if (napi_get_value_uint32(env, argv[4], &limit) != napi_ok || limit == 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "queueLimit must be a positive integer");
    return NULL;
  }
  if (napi_get_value_bool(env, argv[5], &drop_oldest) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "dropOldest must be a boolean");
    return NULL;
  }
  push_sub *ps = calloc(1, sizeof *ps);
  if (ps == NULL) {
    napi_throw_error(env, NULL, "llmspell: out of memory");
    return NULL;
  }
  pthread_mutex_init(&ps->mu, NULL);
  ps->limit = limit;
  ps->drop_oldest = drop_oldest;
  if (napi_create_string_utf8(env, "llmspell.events", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, argv[3], NULL, name, 0, 1, ps, push_tsfn_finalize,
                                      ps, push_call_js, &ps->tsfn) != napi_ok) {
    pthread_mutex_destroy(&ps->mu);
    free(ps);
    return NULL;
  }
  ps->refs = 1; /* the tsfn's; the handle's is added below */
  if (!get_str(env, argv[1], 0, 1, "pattern", &pattern)) goto abort;
  if (!get_str(env, argv[2], 1, 0, "optionsJson", &opts)) {
    strarg_free(&pattern);
    goto abort;
  }
  llmspell_status st = L.event_subscribe_callback(h->ptr, pattern.p, opts.p, opts.len,
                                                  push_on_event, ps, NULL, &ps->sub, &err);
  strarg_free(&pattern);
  strarg_free(&opts);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    goto abort;
  }
  ps->refs++;
  v = new_handle(env, ps, KIND_PUSH);
  if (v == NULL) {
    /* No handle owns ps: close it and drop the handle's share. */
    push_close(ps);
    push_unref(ps);
  }
  return v;
abort:
  /* No callback was registered: only the tsfn refers to ps. */
  ps->closed = 1;
  ps->tsfn_released = 1;
  napi_release_threadsafe_function(ps->tsfn, napi_tsfn_abort);
  return NULL;
}

/* pushFree(sub): idempotent; no listener call after it returns. */
static napi_value js_push_free(napi_env env, napi_callback_info info) {
  return free_kind(env, info, KIND_PUSH);
}

/* pushRef(sub, keepAlive): whether an open push subscription keeps the
 * event loop alive (it does by default). */
static napi_value js_push_ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  bool keep = true;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_PUSH, 1);
  if (h == NULL) return NULL;
  if (napi_get_value_bool(env, argv[1], &keep) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "keepAlive must be a boolean");
    return NULL;
  }
  push_sub *ps = h->ptr;
  if (!ps->tsfn_released && !ps->tsfn_dead) {
    if (keep) napi_ref_threadsafe_function(env, ps->tsfn);
    else napi_unref_threadsafe_function(env, ps->tsfn);
  }
  return NULL;
}

/* pushDropped(sub) -> events dropped because the event loop fell behind
 * by the queue limit. Throws "closed" after pushFree. */
static napi_value js_push_dropped(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], r;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argc ? argv[0] : NULL, KIND_PUSH, 1);
  if (h == NULL) return NULL;
  push_sub *ps = h->ptr;
  pthread_mutex_lock(&ps->mu);
  double n = (double)ps->dropped;
  pthread_mutex_unlock(&ps->mu);
  NAPI_OK_OR_NULL(napi_create_double(env, n, &r));
  return r;
}

/* ------------------------------------------------------------------------ */
/* Hooks and tools written in JS                                            */
/* ------------------------------------------------------------------------ */

/*
 * The library calls a hook (llmspell_hook_fn) or a C tool (llmspell_tool_fn)
 * synchronously on whatever thread hit the hook point or invoked the tool,
 * and the answer must be given (llmspell_hook_reply_set, ...) on that
 * thread before the callback returns. The JS function, though, can only run
 * on the thread of its environment. So js_cb_call:
 *
 * - on the environment's own thread (engine.state.set, runSync, tools.invoke
 *   called from JS: the thread is inside a native call made from JS, so the
 *   env is usable) calls the JS function directly, in a handle scope;
 * - on any other thread (a pool thread running an async run, a library
 *   thread) queues a request on a thread-safe function and waits on a
 *   condition variable, for at most JS_CB_TIMEOUT_MS, for the JS thread to
 *   answer. No answer in time (the event loop is busy, or blocked in a
 *   synchronous call that itself waits for this thread) fails the call with
 *   "timed out waiting for the JS thread" (a hook: llmspell_hook_reply_fail,
 *   which counts toward its circuit breaker; a tool: its error).
 *
 * The JS function (built in lib/hooks.js / lib/tools.js) takes the JSON text
 * and returns a string: "C" (no answer), "R<json>" (a result),
 * "E<message>" (a tool failure) or "F<message>" (a hook failure:
 * llmspell_hook_reply_fail). It catches everything the user's function
 * throws.
 *
 * Lifetime: a js_cb is shared by the library (its user_data, let go in
 * js_cb_user_free) and the tsfn (let go in its finalizer, on the JS thread,
 * which also deletes the function's reference). Unregistering (or the
 * engine closing) abandons the requests still waiting, so their threads
 * return at once and the library's unregister, which waits for calls in
 * progress, cannot wait on the JS thread that is calling it.
 */
#define JS_CB_TIMEOUT_MS 5000

typedef struct js_req {
  struct js_req *next;
  pthread_cond_t cv;
  size_t in_len;
  char *out;   /* malloc'd answer ("C..", "R..", "E..") */
  int done;    /* answered (or abandoned) */
  int claimed; /* the JS thread has taken it (tsfn or sync_job_wait) */
  int waiting; /* the calling thread still waits; else the JS side frees it */
  struct js_cb *cb;
  char in[]; /* a copy: the caller's text is gone if it stops waiting */
} js_req;

typedef struct js_cb {
  napi_env env;
  pthread_t thread; /* the environment's thread */
  napi_ref fn;
  napi_threadsafe_function tsfn;
  int tsfn_released, tsfn_dead, closing;
  int refs;
} js_cb;

/* cb_mu guards every js_cb and js_req; reqs lists the requests whose
 * thread waits; serve_cv wakes a JS thread in sync_job_wait (a new request,
 * or its job done). live_cbs counts the js_cb alive. */
static pthread_mutex_t cb_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t serve_cv = PTHREAD_COND_INITIALIZER;
static js_req *reqs;
static int live_cbs;

static void js_cb_unref_locked(js_cb *cb) {
  if (--cb->refs == 0) {
    live_cbs--;
    free(cb);
  }
}

static void js_req_unlink_locked(js_req *r) {
  for (js_req **pp = &reqs; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == r) {
      *pp = r->next;
      break;
    }
  }
  r->next = NULL;
}

/* js_cb_invoke calls the JS function with text on the JS thread and returns
 * its answer as a malloc'd string, or NULL (no answer). */
static char *js_cb_invoke(napi_env env, js_cb *cb, const char *text, size_t len) {
  napi_handle_scope scope;
  napi_value fn, arg, undefined, result;
  char *out = NULL;
  size_t n = 0;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return NULL;
  if (cb->fn != NULL && napi_get_reference_value(env, cb->fn, &fn) == napi_ok && fn != NULL &&
      napi_get_undefined(env, &undefined) == napi_ok &&
      napi_create_string_utf8(env, text, len, &arg) == napi_ok) {
    napi_status st = napi_call_function(env, undefined, fn, 1, &arg, &result);
    if (st == napi_ok) {
      if (napi_get_value_string_utf8(env, result, NULL, 0, &n) == napi_ok) {
        out = malloc(n + 1);
        if (out != NULL && napi_get_value_string_utf8(env, result, out, n + 1, &n) != napi_ok) {
          free(out);
          out = NULL;
        }
      }
    } else {
      bool pending = false;
      napi_value exc;
      if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
        napi_get_and_clear_last_exception(env, &exc);
    }
  }
  napi_close_handle_scope(env, scope);
  return out;
}

/* js_cb_call_js is the tsfn's call_js: answers one request on the JS
 * thread. env is NULL at teardown. */
static void js_cb_call_js(napi_env env, napi_value js_cb_v, void *context, void *data) {
  js_cb *cb = context;
  js_req *r = data;
  char *out = NULL;
  (void)js_cb_v;
  pthread_mutex_lock(&cb_mu);
  int skip = r->done || r->claimed;
  r->claimed = 1;
  pthread_mutex_unlock(&cb_mu);
  if (!skip && env != NULL) out = js_cb_invoke(env, cb, r->in, r->in_len);
  pthread_mutex_lock(&cb_mu);
  if (r->waiting) {
    if (!r->done) {
      r->out = out;
      out = NULL;
      r->done = 1;
    }
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&cb_mu);
  } else {
    /* the calling thread gave up: the request is ours */
    pthread_mutex_unlock(&cb_mu);
    pthread_cond_destroy(&r->cv);
    free(r);
  }
  free(out);
}

/* js_cb_call gets the JS function's answer for text, on any thread; sets
 * *timed_out when the JS thread did not answer in time. */
static char *js_cb_call(js_cb *cb, const char *text, size_t len, int *timed_out) {
  *timed_out = 0;
  if (pthread_equal(pthread_self(), cb->thread)) {
    if (cb->tsfn_dead) return NULL;
    return js_cb_invoke(cb->env, cb, text, len);
  }
  js_req *r = calloc(1, sizeof *r + len + 1);
  if (r == NULL) return NULL;
  pthread_cond_init(&r->cv, NULL);
  memcpy(r->in, text, len);
  r->in[len] = '\0';
  r->in_len = len;
  r->waiting = 1;
  r->cb = cb;
  pthread_mutex_lock(&cb_mu);
  if (cb->closing || cb->tsfn_dead || cb->tsfn_released) {
    pthread_mutex_unlock(&cb_mu);
    pthread_cond_destroy(&r->cv);
    free(r);
    return NULL;
  }
  r->next = reqs;
  reqs = r;
  /* Under cb_mu: the tsfn cannot be released meanwhile. */
  napi_status st = napi_call_threadsafe_function(cb->tsfn, r, napi_tsfn_nonblocking);
  if (st != napi_ok) {
    js_req_unlink_locked(r);
    pthread_mutex_unlock(&cb_mu);
    pthread_cond_destroy(&r->cv);
    free(r);
    return NULL;
  }
  pthread_cond_broadcast(&serve_cv); /* a JS thread in sync_job_wait */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += JS_CB_TIMEOUT_MS / 1000;
  ts.tv_nsec += (long)(JS_CB_TIMEOUT_MS % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  while (!r->done) {
    if (pthread_cond_timedwait(&r->cv, &cb_mu, &ts) == ETIMEDOUT && !r->done) {
      *timed_out = 1;
      r->done = 1;
      break;
    }
  }
  char *out = r->out;
  r->out = NULL;
  js_req_unlink_locked(r);
  /* The request is still queued on the tsfn: call_js frees it. */
  r->waiting = 0;
  pthread_mutex_unlock(&cb_mu);
  return out;
}

/* js_cb_close abandons the waiting requests (their threads return with no
 * answer) and stops new ones. */
static void js_cb_close_locked(js_cb *cb) {
  cb->closing = 1;
  for (js_req *r = reqs; r != NULL; r = r->next) {
    if (r->cb == cb && !r->done) {
      r->done = 1;
      pthread_cond_signal(&r->cv);
    }
  }
}

/* js_cb_user_free is the llmspell_free_fn: the library lets go of cb (any
 * thread). */
static void js_cb_user_free(void *user_data) {
  js_cb *cb = user_data;
  pthread_mutex_lock(&cb_mu);
  js_cb_close_locked(cb);
  if (!cb->tsfn_released && !cb->tsfn_dead) {
    cb->tsfn_released = 1;
    napi_release_threadsafe_function(cb->tsfn, napi_tsfn_release);
  }
  js_cb_unref_locked(cb);
  pthread_mutex_unlock(&cb_mu);
}

static void js_cb_tsfn_finalize(napi_env env, void *data, void *hint) {
  js_cb *cb = data;
  (void)hint;
  if (env != NULL && cb->fn != NULL) napi_delete_reference(env, cb->fn);
  pthread_mutex_lock(&cb_mu);
  cb->fn = NULL;
  cb->tsfn_dead = 1;
  js_cb_close_locked(cb);
  js_cb_unref_locked(cb);
  pthread_mutex_unlock(&cb_mu);
}

/* js_cb_new wraps fn. Returns NULL with an exception pending. refs is 1
 * (the tsfn's); the caller adds the library's once registered. */
static js_cb *js_cb_new(napi_env env, napi_value fn, const char *resource) {
  napi_value name;
  napi_valuetype t;
  if (napi_typeof(env, fn, &t) != napi_ok) return NULL;
  if (t != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "fn must be a function");
    return NULL;
  }
  js_cb *cb = calloc(1, sizeof *cb);
  if (cb == NULL) {
    napi_throw_error(env, NULL, "llmspell: out of memory");
    return NULL;
  }
  cb->env = env;
  cb->thread = pthread_self();
  if (napi_create_reference(env, fn, 1, &cb->fn) != napi_ok) {
    free(cb);
    return NULL;
  }
  if (napi_create_string_utf8(env, resource, NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, cb, js_cb_tsfn_finalize, cb,
                                      js_cb_call_js, &cb->tsfn) != napi_ok) {
    napi_delete_reference(env, cb->fn);
    free(cb);
    return NULL;
  }
  /* A registered hook or tool does not keep the process alive. */
  napi_unref_threadsafe_function(env, cb->tsfn);
  cb->refs = 1;
  pthread_mutex_lock(&cb_mu);
  live_cbs++;
  pthread_mutex_unlock(&cb_mu);
  return cb;
}

static void sync_job_done(job *j) {
  pthread_mutex_lock(&cb_mu);
  j->sync_done = 1;
  pthread_cond_broadcast(&serve_cv);
  pthread_mutex_unlock(&cb_mu);
}

/* sync_job_wait runs j on a pool thread and, until it is done, answers the
 * JS hook and tool calls meant for this thread. Returns 0 (j not run) when
 * no JS callback exists or no thread can be started: the caller runs j
 * itself. */
static int sync_job_wait(job *j) {
  pthread_t self = pthread_self();
  pthread_mutex_lock(&cb_mu);
  int any = live_cbs > 0;
  pthread_mutex_unlock(&cb_mu);
  if (!any) return 0;
  j->sync = 1;
  if (pool_submit(j) != 0) {
    j->sync = 0;
    return 0;
  }
  pthread_mutex_lock(&cb_mu);
  while (!j->sync_done) {
    js_req *r = reqs;
    while (r != NULL && (r->done || r->claimed || !pthread_equal(r->cb->thread, self))) r = r->next;
    if (r == NULL) {
      pthread_cond_wait(&serve_cv, &cb_mu);
      continue;
    }
    r->claimed = 1;
    js_cb *cb = r->cb;
    cb->refs++; /* r's thread may give up and the hook be removed meanwhile */
    pthread_mutex_unlock(&cb_mu);
    char *out = js_cb_invoke(cb->env, cb, r->in, r->in_len);
    pthread_mutex_lock(&cb_mu);
    /* r is still valid: only the tsfn's call_js frees a request whose
     * thread stopped waiting, and it is still queued there. */
    if (r->waiting && !r->done) {
      r->out = out;
      out = NULL;
      r->done = 1;
      pthread_cond_signal(&r->cv);
    }
    js_cb_unref_locked(cb);
    free(out);
  }
  pthread_mutex_unlock(&cb_mu);
  return 1;
}

/* js_cb_abort drops a js_cb that was never registered. */
static void js_cb_abort(js_cb *cb) {
  pthread_mutex_lock(&cb_mu);
  cb->tsfn_released = 1;
  cb->closing = 1;
  pthread_mutex_unlock(&cb_mu);
  napi_release_threadsafe_function(cb->tsfn, napi_tsfn_abort);
}

/* hook_entry is the llmspell_hook_fn. */
static void hook_entry(void *user_data, const char *json, size_t len, llmspell_hook_reply *reply) {
  int timed_out;
  char *out = js_cb_call(user_data, json, len, &timed_out);
  if (out != NULL && out[0] == 'R') {
    L.hook_reply_set(reply, out + 1, strlen(out + 1));
  } else if (out != NULL && out[0] == 'F') {
    /* the JS hook threw: a failure for the hook's circuit breaker */
    L.hook_reply_fail(reply, out + 1, strlen(out + 1));
  } else if (timed_out) {
    L.hook_reply_fail(reply, "timed out waiting for the JS thread",
                      strlen("timed out waiting for the JS thread"));
  }
  free(out);
}

/* tool_entry is the llmspell_tool_fn. */
static void tool_entry(void *user_data, const char *json, size_t len, llmspell_tool_reply *reply) {
  int timed_out;
  char *out = js_cb_call(user_data, json, len, &timed_out);
  if (out != NULL && out[0] == 'R') {
    if (L.tool_reply_set(reply, out + 1, strlen(out + 1)) != LLMSPELL_OK)
      L.tool_reply_error(reply, "the JS tool returned a value with no JSON form");
  } else if (out != NULL && out[0] == 'E') {
    L.tool_reply_error(reply, out + 1);
  } else if (timed_out) {
    L.tool_reply_error(reply, "timed out waiting for the JS thread");
  } else {
    L.tool_reply_error(reply, "the JS tool gave no answer (closed, or out of memory)");
  }
  free(out);
}

/* hookRegister(engine, point, priority, optionsJson|null, fn) -> id (a
 * number). fn(contextJson) -> "C" | "R<resultJson>" | "F<message>". */
static napi_value js_hook_register(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], r;
  strarg point, opts;
  int32_t priority = 0;
  uint64_t id = 0;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (napi_get_value_int32(env, argv[2], &priority) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "priority must be a number");
    return NULL;
  }
  js_cb *cb = js_cb_new(env, argv[4], "llmspell.hook");
  if (cb == NULL) return NULL;
  if (!get_str(env, argv[1], 0, 1, "point", &point)) {
    js_cb_abort(cb);
    return NULL;
  }
  if (!get_str(env, argv[3], 1, 0, "optionsJson", &opts)) {
    strarg_free(&point);
    js_cb_abort(cb);
    return NULL;
  }
  pthread_mutex_lock(&cb_mu);
  cb->refs++; /* the library's, if it takes it */
  pthread_mutex_unlock(&cb_mu);
  llmspell_status st = L.hook_register(h->ptr, point.p, priority, opts.p, opts.len, hook_entry, cb,
                                       js_cb_user_free, &id, &err);
  strarg_free(&point);
  strarg_free(&opts);
  if (st != LLMSPELL_OK) {
    pthread_mutex_lock(&cb_mu);
    cb->refs--;
    pthread_mutex_unlock(&cb_mu);
    js_cb_abort(cb);
    throw_status(env, st, err);
    return NULL;
  }
  NAPI_OK_OR_NULL(napi_create_double(env, (double)id, &r));
  return r;
}

/* run_serving runs an unregister job: the library waits there for the
 * calls in progress on other threads, which may be waiting for this
 * thread, so it runs on a pool thread while this one serves them. */
static napi_value run_serving(napi_env env, job *j) {
  (void)job_sync_value(env, j);
  return NULL;
}

/* hookUnregister(engine, id) */
static napi_value js_hook_unregister(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  double d = 0;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (napi_get_value_double(env, argv[1], &d) != napi_ok || !(d >= 0)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "id must be a non-negative number");
    return NULL;
  }
  job *j = calloc(1, sizeof *j);
  if (j == NULL) {
    napi_throw_error(env, NULL, "llmspell: out of memory");
    return NULL;
  }
  j->op = OP_HOOK_UNREGISTER;
  j->engine = h->ptr;
  j->id = (uint64_t)d;
  return run_serving(env, j);
}

/* hookList(engine, point|null) -> JSON */
static napi_value js_hook_list(napi_env env, napi_callback_info info) {
  size_t argc = 2, len = 0;
  napi_value argv[2];
  strarg point;
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[1], 1, 1, "point", &point)) return NULL;
  llmspell_status st = L.hook_list(h->ptr, point.p, &out, &len, &err);
  strarg_free(&point);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, out, len, "[]");
}

/* hookMetrics(engine) -> JSON object */
static napi_value js_hook_metrics(napi_env env, napi_callback_info info) {
  return engine_json_call(env, info, L.hook_metrics, "{}");
}

/* hookRecords(engine, queryJson|null) -> JSON array */
static napi_value js_hook_records(napi_env env, napi_callback_info info) {
  return engine_json_list(env, info, L.hook_records, "queryJson");
}

/* toolInvoke(engine, name, paramsJson|null) -> envelope JSON, on the
 * calling thread. */
static napi_value js_tool_invoke(napi_env env, napi_callback_info info) {
  size_t argc = 3, len = 0;
  napi_value argv[3];
  strarg name, params;
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[1], 0, 1, "name", &name)) return NULL;
  if (!get_str(env, argv[2], 1, 0, "paramsJson", &params)) {
    strarg_free(&name);
    return NULL;
  }
  llmspell_status st = L.tool_invoke(h->ptr, name.p, params.p, params.len, &out, &len, &err);
  strarg_free(&name);
  strarg_free(&params);
  if (st != LLMSPELL_OK) {
    if (out != NULL) L.free(out);
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, out, len, "null");
}

/* toolInvokeAsync(engine, name, paramsJson|null) -> Promise<envelope JSON>,
 * on a pool thread. */
static napi_value js_tool_invoke_async(napi_env env, napi_callback_info info) {
  return admin_async(env, info, OP_TOOL_INVOKE, 1, 1, "name");
}

/* toolList(engine, optionsJson|null) -> JSON */
static napi_value js_tool_list(napi_env env, napi_callback_info info) {
  return engine_json_list(env, info, L.tool_list, "optionsJson");
}

/* toolRegister(engine, specJson, fn). fn(paramsJson) -> "R<json>" |
 * "E<message>". */
static napi_value js_tool_register(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  strarg spec;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  js_cb *cb = js_cb_new(env, argv[2], "llmspell.tool");
  if (cb == NULL) return NULL;
  if (!get_str(env, argv[1], 0, 0, "specJson", &spec)) {
    js_cb_abort(cb);
    return NULL;
  }
  pthread_mutex_lock(&cb_mu);
  cb->refs++;
  pthread_mutex_unlock(&cb_mu);
  llmspell_status st = L.tool_register(h->ptr, spec.p, spec.len, tool_entry, cb, js_cb_user_free,
                                       &err);
  strarg_free(&spec);
  if (st != LLMSPELL_OK) {
    pthread_mutex_lock(&cb_mu);
    cb->refs--;
    pthread_mutex_unlock(&cb_mu);
    js_cb_abort(cb);
    throw_status(env, st, err);
  }
  return NULL;
}

/* toolUnregister(engine, name) */
static napi_value js_tool_unregister(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  strarg name;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[1], 0, 1, "name", &name)) return NULL;
  job *j = calloc(1, sizeof *j);
  if (j == NULL || (j->arg = strdup(name.p)) == NULL) {
    free(j);
    strarg_free(&name);
    napi_throw_error(env, NULL, "llmspell: out of memory");
    return NULL;
  }
  strarg_free(&name);
  j->op = OP_TOOL_UNREGISTER;
  j->engine = h->ptr;
  return run_serving(env, j);
}

/* eventQuery(engine, queryJson|null) -> JSON array */
static napi_value js_event_query(napi_env env, napi_callback_info info) {
  return engine_json_list(env, info, L.event_query, "queryJson");
}

/* subscriptionId(sub) -> number; sub is a pull or a push subscription. */
static napi_value js_subscription_id(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], r;
  bool is_pull = false;
  uint64_t id = 0;
  llmspell_error *err = NULL;
  llmspell_subscription *sub;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return NULL;
  if (napi_check_object_type_tag(env, argv[0], &sub_tag, &is_pull) != napi_ok) return NULL;
  if (is_pull) {
    handle *h = get_handle(env, argv[0], KIND_SUB, 1);
    if (h == NULL) return NULL;
    sub = h->ptr;
  } else {
    handle *h = get_handle(env, argv[0], KIND_PUSH, 1);
    if (h == NULL) return NULL;
    push_sub *ps = h->ptr;
    if (ps->sub == NULL) {
      throw_closed(env, KIND_PUSH);
      return NULL;
    }
    sub = ps->sub;
  }
  llmspell_status st = L.subscription_id(sub, &id, &err);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  NAPI_OK_OR_NULL(napi_create_double(env, (double)id, &r));
  return r;
}

/* ------------------------------------------------------------------------ */
/* Agents and providers                                                     */
/* ------------------------------------------------------------------------ */

/* The registry calls (create, list, info, history, memory, remove, wrap)
 * are short and run on the calling thread. A turn (agentExecute) may call
 * JS tools, so the synchronous form runs on a pool thread while this one
 * serves them, as runSync does; agentExecuteAsync settles a Promise from
 * the pool. Streams are externals of KIND_DELTA: deltaNextAsync waits on a
 * pool thread; freeing one (deltaFree, or the GC finalizer) cancels its
 * turn and waits for it to stop. lib/agents.js and lib/methods/agent-*.js
 * check the arguments and build the JSON. */

/* agentCreate(engine, configJson|null) -> name */
static napi_value js_agent_create(napi_env env, napi_callback_info info) {
  size_t argc = 2, len = 0;
  napi_value argv[2];
  strarg cfg;
  char *name = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[1], 1, 0, "configJson", &cfg)) return NULL;
  llmspell_status st = L.agent_create(h->ptr, cfg.p, cfg.len, &name, &len, &err);
  strarg_free(&cfg);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, name, len, "");
}

/* name_job reads an engine from argv[0], a run token (or null) from
 * argv[run_at] and a name (called what in errors) from argv[1] into a new
 * job of op, with the name in j->arg: the start of an agent turn or a
 * workflow run. Returns NULL with an exception pending. */
static job *name_job(napi_env env, napi_value *argv, size_t run_at, const char *what, int op) {
  napi_valuetype t;
  strarg name;
  handle *eh = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (eh == NULL) return NULL;
  handle *rh = NULL;
  if (napi_typeof(env, argv[run_at], &t) != napi_ok) return NULL;
  if (t != napi_null && t != napi_undefined) {
    rh = get_handle(env, argv[run_at], KIND_RUN, 1);
    if (rh == NULL) return NULL;
  }
  if (!get_str(env, argv[1], 0, 1, what, &name)) return NULL;
  job *j = calloc(1, sizeof *j);
  if (j == NULL || (j->arg = strdup(name.p)) == NULL) {
    free(j);
    strarg_free(&name);
    napi_throw_error(env, NULL, "llmspell: out of memory");
    return NULL;
  }
  strarg_free(&name);
  j->op = op;
  j->engine = eh->ptr;
  j->run = rh != NULL ? rh->ptr : NULL;
  return j;
}

/* agent_job reads (engine, name, inputJson, run|null) into a job of op
 * OP_AGENT_EXECUTE. Returns NULL with an exception pending. */
static job *agent_job(napi_env env, napi_callback_info info, napi_value *argv) {
  size_t argc = 4;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  job *j = name_job(env, argv, 3, "name", OP_AGENT_EXECUTE);
  if (j == NULL) return NULL;
  if (!get_bytes(env, argv[2], 0, "inputJson", &j->source, &j->source_len)) {
    job_free(j);
    return NULL;
  }
  return j;
}

/* agentExecute(engine, name, inputJson, run|null) -> result JSON; blocks
 * the calling thread (serving JS tools meanwhile). */
static napi_value js_agent_execute(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  job *j = agent_job(env, info, argv);
  if (j == NULL) return NULL;
  return job_sync_value(env, j);
}

/* agentExecuteAsync(engine, name, inputJson, run|null) -> Promise<result
 * JSON>; the turn runs on a pool thread. */
static napi_value js_agent_execute_async(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  napi_valuetype t;
  job *j = agent_job(env, info, argv);
  if (j == NULL) return NULL;
  napi_value rv = NULL;
  if (napi_typeof(env, argv[3], &t) == napi_ok && t == napi_external) rv = argv[3];
  return job_submit(env, j, argv[0], rv, "llmspell.agent");
}

/* agentStreamOpen(engine, name, inputJson, run|null) -> agent stream */
static napi_value js_agent_stream_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_valuetype t;
  strarg name;
  char *input = NULL;
  size_t input_len = 0;
  llmspell_delta_stream *ds = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  handle *rh = NULL;
  NAPI_OK_OR_NULL(napi_typeof(env, argv[3], &t));
  if (t != napi_null && t != napi_undefined) {
    rh = get_handle(env, argv[3], KIND_RUN, 1);
    if (rh == NULL) return NULL;
  }
  if (!get_str(env, argv[1], 0, 1, "name", &name)) return NULL;
  if (!get_bytes(env, argv[2], 0, "inputJson", &input, &input_len)) {
    strarg_free(&name);
    return NULL;
  }
  llmspell_status st = L.agent_stream_open(h->ptr, name.p, input, input_len,
                                           rh != NULL ? rh->ptr : NULL, &ds, &err);
  strarg_free(&name);
  free(input);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  napi_value v = new_handle(env, ds, KIND_DELTA);
  if (v == NULL) L.delta_stream_free(ds);
  return v;
}

/* deltaNextAsync(stream, waitMs) -> Promise<[delta, null] | [null,
 * resultJson] | null>: the next delta, the end with the turn's result, or
 * null when no delta came within waitMs (negative: wait for good). The
 * Promise rejects with the turn's error, or "closed" once the stream is
 * freed. */
static napi_value js_delta_next_async(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t ms = -1;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_DELTA, 1);
  if (h == NULL) return NULL;
  if (napi_get_value_int32(env, argv[1], &ms) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "waitMs must be a number");
    return NULL;
  }
  job *j = calloc(1, sizeof *j);
  if (j == NULL) {
    napi_throw_error(env, NULL, "llmspell: out of memory");
    return NULL;
  }
  j->op = OP_DELTA_NEXT;
  j->delta = h->ptr;
  j->wait_ms = ms;
  return job_submit(env, j, NULL, argv[0], "llmspell.delta");
}

/* deltaCancel(stream): stops the turn; harmless once it ended. */
static napi_value js_delta_cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argc ? argv[0] : NULL, KIND_DELTA, 1);
  if (h == NULL) return NULL;
  llmspell_status st = L.delta_stream_cancel(h->ptr, &err);
  if (st != LLMSPELL_OK) throw_status(env, st, err);
  return NULL;
}

/* deltaFree(stream): idempotent; cancels a running turn and waits for it. */
static napi_value js_delta_free(napi_env env, napi_callback_info info) {
  return free_kind(env, info, KIND_DELTA);
}

/* agentList(engine) -> JSON array */
static napi_value js_agent_list(napi_env env, napi_callback_info info) {
  return engine_json_call(env, info, L.agent_list, "[]");
}

/* providerList(engine) -> JSON array */
static napi_value js_provider_list(napi_env env, napi_callback_info info) {
  return engine_json_call(env, info, L.provider_list, "[]");
}

/* engine_name_json runs fn(engine, name, &out, &len) for the (engine, name)
 * calls that return JSON: agentInfo, agentHistory, workflowInfo,
 * workflowRunRecord. */
static napi_value engine_name_json(napi_env env, napi_callback_info info,
                                  llmspell_status (*fn)(llmspell_engine *, const char *, char **,
                                                        size_t *, llmspell_error **),
                                  const char *dflt) {
  size_t argc = 2, len = 0;
  napi_value argv[2];
  strarg name;
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = engine_id_args(env, argv, "name", &name);
  if (h == NULL) return NULL;
  llmspell_status st = fn(h->ptr, name.p, &out, &len, &err);
  strarg_free(&name);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, out, len, dflt);
}

/* agentInfo(engine, name) -> JSON object */
static napi_value js_agent_info(napi_env env, napi_callback_info info) {
  return engine_name_json(env, info, L.agent_info, "null");
}

/* agentHistory(engine, name) -> JSON array */
static napi_value js_agent_history(napi_env env, napi_callback_info info) {
  return engine_name_json(env, info, L.agent_history, "[]");
}

/* engine_name_flag runs one of the (engine, name[, int32 *flag]) calls:
 * fn(engine, name, &err) when flag_fn is NULL (clear_history, save_state;
 * -> undefined), else flag_fn(engine, name, &flag, &err) (load_state ->
 * found; remove -> removed). */
static napi_value engine_name_flag(
    napi_env env, napi_callback_info info,
    llmspell_status (*fn)(llmspell_engine *, const char *, llmspell_error **),
    llmspell_status (*flag_fn)(llmspell_engine *, const char *, int32_t *, llmspell_error **)) {
  size_t argc = 2;
  napi_value argv[2];
  strarg name;
  int32_t flag = 0;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = engine_id_args(env, argv, "name", &name);
  if (h == NULL) return NULL;
  llmspell_status st =
      flag_fn != NULL ? flag_fn(h->ptr, name.p, &flag, &err) : fn(h->ptr, name.p, &err);
  strarg_free(&name);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return flag_fn != NULL ? make_bool(env, flag != 0) : NULL;
}

static napi_value js_agent_clear_history(napi_env env, napi_callback_info info) {
  return engine_name_flag(env, info, L.agent_clear_history, NULL);
}

static napi_value js_agent_save_state(napi_env env, napi_callback_info info) {
  return engine_name_flag(env, info, L.agent_save_state, NULL);
}

static napi_value js_agent_load_state(napi_env env, napi_callback_info info) {
  return engine_name_flag(env, info, NULL, L.agent_load_state);
}

static napi_value js_agent_remove(napi_env env, napi_callback_info info) {
  return engine_name_flag(env, info, NULL, L.agent_remove);
}

/* engine_name_wrap runs fn(engine, name, optionsJson|null, &out, &len) for
 * agentWrapAsTool and workflowWrapAsTool -> the tool's name. */
static napi_value engine_name_wrap(napi_env env, napi_callback_info info,
                                   llmspell_status (*fn)(llmspell_engine *, const char *,
                                                         const char *, size_t, char **, size_t *,
                                                         llmspell_error **)) {
  size_t argc = 3, len = 0;
  napi_value argv[3];
  strarg name, opts;
  char *out = NULL;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = engine_id_args(env, argv, "name", &name);
  if (h == NULL) return NULL;
  if (!get_str(env, argv[2], 1, 0, "optionsJson", &opts)) {
    strarg_free(&name);
    return NULL;
  }
  llmspell_status st = fn(h->ptr, name.p, opts.p, opts.len, &out, &len, &err);
  strarg_free(&name);
  strarg_free(&opts);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, out, len, "");
}

/* agentWrapAsTool(engine, name, optionsJson|null) -> tool name */
static napi_value js_agent_wrap_as_tool(napi_env env, napi_callback_info info) {
  return engine_name_wrap(env, info, L.agent_wrap_as_tool);
}

/* ------------------------------------------------------------------------ */
/* Workflows                                                                */
/* ------------------------------------------------------------------------ */

/* The registry calls (create, list, info, run record, remove, wrap) are
 * short and run on the calling thread. A run (workflowExecute,
 * workflowResume) may call JS tools as function steps, so the synchronous
 * forms run on a pool thread while this one serves them, as agentExecute
 * does; the Async forms settle a Promise from the pool. lib/workflows.js
 * and lib/methods/workflow-*.js check the arguments and build the JSON. */

/* workflowCreate(engine, definitionJson) -> name */
static napi_value js_workflow_create(napi_env env, napi_callback_info info) {
  size_t argc = 2, len = 0;
  napi_value argv[2];
  char *def = NULL, *name = NULL;
  size_t def_len = 0;
  llmspell_error *err = NULL;
  NAPI_OK_OR_NULL(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = get_handle(env, argv[0], KIND_ENGINE, 1);
  if (h == NULL) return NULL;
  if (!get_bytes(env, argv[1], 0, "definitionJson", &def, &def_len)) return NULL;
  llmspell_status st = L.workflow_create(h->ptr, def, def_len, &name, &len, &err);
  free(def);
  if (st != LLMSPELL_OK) {
    throw_status(env, st, err);
    return NULL;
  }
  return take_text(env, name, len, "");
}

/* workflow_job reads (engine, name, inputJson|null, optionsJson|null,
 * run|null) for OP_WORKFLOW_EXECUTE, or (engine, runId, inputJson|null,
 * run|null) for OP_WORKFLOW_RESUME, into a job; argv gets the arguments
 * and *run_v the token (or NULL). Returns NULL with an exception pending. */
static job *workflow_job(napi_env env, napi_callback_info info, int op, napi_value *argv,
                         napi_value *run_v) {
  size_t want = op == OP_WORKFLOW_EXECUTE ? 5 : 4, argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < want) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "missing arguments");
    return NULL;
  }
  job *j = name_job(env, argv, want - 1, op == OP_WORKFLOW_EXECUTE ? "name" : "runId", op);
  if (j == NULL) return NULL;
  if (!get_bytes(env, argv[2], 1, "inputJson", &j->source, &j->source_len) ||
      (op == OP_WORKFLOW_EXECUTE &&
       !get_bytes(env, argv[3], 1, "optionsJson", &j->opts, &j->opts_len))) {
    job_free(j);
    return NULL;
  }
  *run_v = j->run != NULL ? argv[want - 1] : NULL;
  return j;
}

/* workflow_sync runs a workflow job on the calling thread (serving JS
 * tools meanwhile) and returns the result JSON, or throws. */
static napi_value workflow_sync(napi_env env, napi_callback_info info, int op) {
  napi_value argv[5], rv;
  job *j = workflow_job(env, info, op, argv, &rv);
  if (j == NULL) return NULL;
  return job_sync_value(env, j);
}

/* workflow_async submits a workflow job to the pool -> Promise<result JSON>. */
static napi_value workflow_async(napi_env env, napi_callback_info info, int op) {
  napi_value argv[5], rv;
  job *j = workflow_job(env, info, op, argv, &rv);
  if (j == NULL) return NULL;
  return job_submit(env, j, argv[0], rv, "llmspell.workflow");
}

/* workflowExecute(engine, name, inputJson|null, optionsJson|null, run|null)
 * -> result JSON; blocks the calling thread (serving JS tools meanwhile). */
static napi_value js_workflow_execute(napi_env env, napi_callback_info info) {
  return workflow_sync(env, info, OP_WORKFLOW_EXECUTE);
}

/* workflowExecuteAsync(same) -> Promise<result JSON> */
static napi_value js_workflow_execute_async(napi_env env, napi_callback_info info) {
  return workflow_async(env, info, OP_WORKFLOW_EXECUTE);
}

/* workflowResume(engine, runId, inputJson|null, run|null) -> result JSON */
static napi_value js_workflow_resume(napi_env env, napi_callback_info info) {
  return workflow_sync(env, info, OP_WORKFLOW_RESUME);
}

/* workflowResumeAsync(same) -> Promise<result JSON> */
static napi_value js_workflow_resume_async(napi_env env, napi_callback_info info) {
  return workflow_async(env, info, OP_WORKFLOW_RESUME);
}

/* workflowList(engine) -> JSON array */
static napi_value js_workflow_list(napi_env env, napi_callback_info info) {
  return engine_json_call(env, info, L.workflow_list, "[]");
}

/* workflowInfo(engine, name) -> JSON object */
static napi_value js_workflow_info(napi_env env, napi_callback_info info) {
  return engine_name_json(env, info, L.workflow_info, "null");
}

/* workflowRunRecord(engine, runId) -> JSON object */
static napi_value js_workflow_run_record(napi_env env, napi_callback_info info) {
  return engine_name_json(env, info, L.workflow_run_record, "null");
}

/* workflowRemove(engine, name) -> removed */
static napi_value js_workflow_remove(napi_env env, napi_callback_info info) {
  return engine_name_flag(env, info, NULL, L.workflow_remove);
}

/* workflowWrapAsTool(engine, name, optionsJson|null) -> tool name */
static napi_value js_workflow_wrap_as_tool(napi_env env, napi_callback_info info) {
  return engine_name_wrap(env, info, L.workflow_wrap_as_tool);
}

/* ------------------------------------------------------------------------ */
/* Module init                                                              */
/* ------------------------------------------------------------------------ */

static void env_data_free(napi_env env, void *data, void *hint) {
  env_data *ed = data;
  (void)env;
  (void)hint;
  /* references are released with the environment */
  free(ed);
}

NAPI_MODULE_INIT() {
  env_data *ed = calloc(1, sizeof *ed);
  if (ed == NULL || napi_set_instance_data(env, ed, env_data_free, NULL) != napi_ok) {
    free(ed);
    napi_throw_error(env, NULL, "llmspell: cannot set instance data");
    return NULL;
  }
  napi_property_descriptor props[] = {
      {"load", NULL, js_load, NULL, NULL, NULL, napi_default, NULL},
      {"setErrorFactory", NULL, js_set_error_factory, NULL, NULL, NULL, napi_default, NULL},
      {"version", NULL, js_version, NULL, NULL, NULL, napi_default, NULL},
      {"versionNumber", NULL, js_version_number, NULL, NULL, NULL, napi_default, NULL},
      {"abiVersion", NULL, js_abi_version, NULL, NULL, NULL, napi_default, NULL},
      {"statusName", NULL, js_status_name, NULL, NULL, NULL, napi_default, NULL},
      {"engineNew", NULL, js_engine_new, NULL, NULL, NULL, napi_default, NULL},
      {"engineFree", NULL, js_engine_free, NULL, NULL, NULL, napi_default, NULL},
      {"enginePing", NULL, js_engine_ping, NULL, NULL, NULL, napi_default, NULL},
      {"engineInfo", NULL, js_engine_info, NULL, NULL, NULL, napi_default, NULL},
      {"engineRun", NULL, js_engine_run, NULL, NULL, NULL, napi_default, NULL},
      {"engineRunAsync", NULL, js_engine_run_async, NULL, NULL, NULL, napi_default, NULL},
      {"runNew", NULL, js_run_new, NULL, NULL, NULL, napi_default, NULL},
      {"runCancel", NULL, js_run_cancel, NULL, NULL, NULL, napi_default, NULL},
      {"runFree", NULL, js_run_free, NULL, NULL, NULL, napi_default, NULL},
      {"stateSet", NULL, js_state_set, NULL, NULL, NULL, napi_default, NULL},
      {"stateGet", NULL, js_state_get, NULL, NULL, NULL, napi_default, NULL},
      {"stateDelete", NULL, js_state_delete, NULL, NULL, NULL, napi_default, NULL},
      {"stateExists", NULL, js_state_exists, NULL, NULL, NULL, napi_default, NULL},
      {"stateList", NULL, js_state_list, NULL, NULL, NULL, napi_default, NULL},
      {"stateCompareAndSet", NULL, js_state_compare_and_set, NULL, NULL, NULL, napi_default, NULL},
      {"stateTransaction", NULL, js_state_transaction, NULL, NULL, NULL, napi_default, NULL},
      {"sessionCreate", NULL, js_session_create, NULL, NULL, NULL, napi_default, NULL},
      {"sessionGet", NULL, js_session_get, NULL, NULL, NULL, napi_default, NULL},
      {"sessionList", NULL, js_session_list, NULL, NULL, NULL, napi_default, NULL},
      {"sessionTransition", NULL, js_session_transition, NULL, NULL, NULL, napi_default, NULL},
      {"sessionUpdateMetadata", NULL, js_session_update_metadata, NULL, NULL, NULL, napi_default, NULL},
      {"sessionDelete", NULL, js_session_delete, NULL, NULL, NULL, napi_default, NULL},
      {"artifactStore", NULL, js_artifact_store, NULL, NULL, NULL, napi_default, NULL},
      {"artifactStoreFile", NULL, js_artifact_store_file, NULL, NULL, NULL, napi_default, NULL},
      {"artifactGet", NULL, js_artifact_get, NULL, NULL, NULL, napi_default, NULL},
      {"artifactQuery", NULL, js_artifact_query, NULL, NULL, NULL, napi_default, NULL},
      {"artifactDelete", NULL, js_artifact_delete, NULL, NULL, NULL, napi_default, NULL},
      {"writerNew", NULL, js_writer_new, NULL, NULL, NULL, napi_default, NULL},
      {"writerWrite", NULL, js_writer_write, NULL, NULL, NULL, napi_default, NULL},
      {"writerCommit", NULL, js_writer_commit, NULL, NULL, NULL, napi_default, NULL},
      {"writerFree", NULL, js_writer_free, NULL, NULL, NULL, napi_default, NULL},
      {"readerOpen", NULL, js_reader_open, NULL, NULL, NULL, napi_default, NULL},
      {"readerRead", NULL, js_reader_read, NULL, NULL, NULL, napi_default, NULL},
      {"readerFree", NULL, js_reader_free, NULL, NULL, NULL, napi_default, NULL},
      {"stateRegisterSchema", NULL, js_state_register_schema, NULL, NULL, NULL, napi_default, NULL},
      {"stateMigrationStatus", NULL, js_state_migration_status, NULL, NULL, NULL, napi_default, NULL},
      {"stateMigrateAsync", NULL, js_state_migrate_async, NULL, NULL, NULL, napi_default, NULL},
      {"backupCreateAsync", NULL, js_backup_create_async, NULL, NULL, NULL, napi_default, NULL},
      {"backupList", NULL, js_backup_list, NULL, NULL, NULL, napi_default, NULL},
      {"backupValidateAsync", NULL, js_backup_validate_async, NULL, NULL, NULL, napi_default, NULL},
      {"backupRestoreAsync", NULL, js_backup_restore_async, NULL, NULL, NULL, napi_default, NULL},
      {"backupCleanupAsync", NULL, js_backup_cleanup_async, NULL, NULL, NULL, napi_default, NULL},
      {"eventPublish", NULL, js_event_publish, NULL, NULL, NULL, napi_default, NULL},
      {"eventStats", NULL, js_event_stats, NULL, NULL, NULL, napi_default, NULL},
      {"subscriptionNew", NULL, js_subscription_new, NULL, NULL, NULL, napi_default, NULL},
      {"subscriptionNext", NULL, js_subscription_next, NULL, NULL, NULL, napi_default, NULL},
      {"subscriptionNextAsync", NULL, js_subscription_next_async, NULL, NULL, NULL, napi_default, NULL},
      {"subscriptionFree", NULL, js_subscription_free, NULL, NULL, NULL, napi_default, NULL},
      {"eventSubscribeCallback", NULL, js_event_subscribe_callback, NULL, NULL, NULL, napi_default, NULL},
      {"pushFree", NULL, js_push_free, NULL, NULL, NULL, napi_default, NULL},
      {"pushRef", NULL, js_push_ref, NULL, NULL, NULL, napi_default, NULL},
      {"pushDropped", NULL, js_push_dropped, NULL, NULL, NULL, napi_default, NULL},
      {"eventQuery", NULL, js_event_query, NULL, NULL, NULL, napi_default, NULL},
      {"subscriptionId", NULL, js_subscription_id, NULL, NULL, NULL, napi_default, NULL},
      {"hookRegister", NULL, js_hook_register, NULL, NULL, NULL, napi_default, NULL},
      {"hookUnregister", NULL, js_hook_unregister, NULL, NULL, NULL, napi_default, NULL},
      {"hookList", NULL, js_hook_list, NULL, NULL, NULL, napi_default, NULL},
      {"hookMetrics", NULL, js_hook_metrics, NULL, NULL, NULL, napi_default, NULL},
      {"hookRecords", NULL, js_hook_records, NULL, NULL, NULL, napi_default, NULL},
      {"toolInvoke", NULL, js_tool_invoke, NULL, NULL, NULL, napi_default, NULL},
      {"toolInvokeAsync", NULL, js_tool_invoke_async, NULL, NULL, NULL, napi_default, NULL},
      {"toolList", NULL, js_tool_list, NULL, NULL, NULL, napi_default, NULL},
      {"toolRegister", NULL, js_tool_register, NULL, NULL, NULL, napi_default, NULL},
      {"toolUnregister", NULL, js_tool_unregister, NULL, NULL, NULL, napi_default, NULL},
      {"agentCreate", NULL, js_agent_create, NULL, NULL, NULL, napi_default, NULL},
      {"agentExecute", NULL, js_agent_execute, NULL, NULL, NULL, napi_default, NULL},
      {"agentExecuteAsync", NULL, js_agent_execute_async, NULL, NULL, NULL, napi_default, NULL},
      {"agentStreamOpen", NULL, js_agent_stream_open, NULL, NULL, NULL, napi_default, NULL},
      {"deltaNextAsync", NULL, js_delta_next_async, NULL, NULL, NULL, napi_default, NULL},
      {"deltaCancel", NULL, js_delta_cancel, NULL, NULL, NULL, napi_default, NULL},
      {"deltaFree", NULL, js_delta_free, NULL, NULL, NULL, napi_default, NULL},
      {"agentList", NULL, js_agent_list, NULL, NULL, NULL, napi_default, NULL},
      {"agentInfo", NULL, js_agent_info, NULL, NULL, NULL, napi_default, NULL},
      {"agentHistory", NULL, js_agent_history, NULL, NULL, NULL, napi_default, NULL},
      {"agentClearHistory", NULL, js_agent_clear_history, NULL, NULL, NULL, napi_default, NULL},
      {"agentSaveState", NULL, js_agent_save_state, NULL, NULL, NULL, napi_default, NULL},
      {"agentLoadState", NULL, js_agent_load_state, NULL, NULL, NULL, napi_default, NULL},
      {"agentRemove", NULL, js_agent_remove, NULL, NULL, NULL, napi_default, NULL},
      {"agentWrapAsTool", NULL, js_agent_wrap_as_tool, NULL, NULL, NULL, napi_default, NULL},
      {"providerList", NULL, js_provider_list, NULL, NULL, NULL, napi_default, NULL},
      {"workflowCreate", NULL, js_workflow_create, NULL, NULL, NULL, napi_default, NULL},
      {"workflowExecute", NULL, js_workflow_execute, NULL, NULL, NULL, napi_default, NULL},
      {"workflowExecuteAsync", NULL, js_workflow_execute_async, NULL, NULL, NULL, napi_default, NULL},
      {"workflowResume", NULL, js_workflow_resume, NULL, NULL, NULL, napi_default, NULL},
      {"workflowResumeAsync", NULL, js_workflow_resume_async, NULL, NULL, NULL, napi_default, NULL},
      {"workflowList", NULL, js_workflow_list, NULL, NULL, NULL, napi_default, NULL},
      {"workflowInfo", NULL, js_workflow_info, NULL, NULL, NULL, napi_default, NULL},
      {"workflowRunRecord", NULL, js_workflow_run_record, NULL, NULL, NULL, napi_default, NULL},
      {"workflowRemove", NULL, js_workflow_remove, NULL, NULL, NULL, napi_default, NULL},
      {"workflowWrapAsTool", NULL, js_workflow_wrap_as_tool, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return NULL;
  return exports;
}
