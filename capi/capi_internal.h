/* Private to the capi package: the public header read the way cgo needs it,
 * plus the layout of the error object, which the public header keeps
 * opaque. */
#ifndef LLMSPELL_CAPI_INTERNAL_H
#define LLMSPELL_CAPI_INTERNAL_H
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stddef.h>
#include <pthread.h>
/* cgo cannot express const, so the header is read with const removed; the
 * declarations must otherwise match the exports exactly, or the build fails. */
#define const
#include "llmspell.h"
#undef const

#define LS_ROOTS 32
extern char *ls_roots[LS_ROOTS];

struct llmspell_error {
	int32_t code;
	char *message;
	char *details;
};

static inline llmspell_engine *ls_engine_ptr(uintptr_t id) { return (llmspell_engine *)id; }
static inline llmspell_run *ls_run_ptr(uintptr_t id) { return (llmspell_run *)id; }
static inline llmspell_artifact_writer *ls_writer_ptr(uintptr_t id) { return (llmspell_artifact_writer *)id; }
static inline llmspell_artifact_reader *ls_reader_ptr(uintptr_t id) { return (llmspell_artifact_reader *)id; }
static inline llmspell_subscription *ls_sub_ptr(uintptr_t id) { return (llmspell_subscription *)id; }
static inline void ls_call_event(llmspell_event_fn fn, uintptr_t ud, char *json, size_t len) { fn((void *)ud, json, len); }
static inline void ls_call_hook(llmspell_hook_fn fn, uintptr_t ud, char *json, size_t len, llmspell_hook_reply *reply) { fn((void *)ud, json, len, reply); }
static inline llmspell_hook_reply *ls_reply_ptr(uintptr_t id) { return (llmspell_hook_reply *)id; }
static inline void ls_call_tool(llmspell_tool_fn fn, uintptr_t ud, char *json, size_t len, llmspell_tool_reply *reply) { fn((void *)ud, json, len, reply); }
static inline llmspell_delta_stream *ls_astream_ptr(uintptr_t id) { return (llmspell_delta_stream *)id; }
static inline int32_t ls_call_delta(llmspell_delta_fn fn, uintptr_t ud, char *text, size_t len) { return fn((void *)ud, text, len); }
static inline llmspell_tool_reply *ls_tool_reply_ptr(uintptr_t id) { return (llmspell_tool_reply *)id; }
/* user_data crosses Go as an integer: a C pointer (or a small integer used
 * as a tag) must never sit in a Go pointer variable, where the garbage
 * collector would inspect it. */
static inline void ls_call_free(llmspell_free_fn fn, uintptr_t ud) { if (fn) fn((void *)ud); }
static inline uint64_t ls_thread_id(void) { return (uint64_t)pthread_self(); }
static inline llmspell_error *ls_error_new(void) { return (llmspell_error *)calloc(1, sizeof(llmspell_error)); }
#endif
