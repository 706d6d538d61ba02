/* Private to the capi package: the public header read the way cgo needs it,
 * plus the layout of the error object, which the public header keeps
 * opaque. */
#ifndef LLMSPELL_CAPI_INTERNAL_H
#define LLMSPELL_CAPI_INTERNAL_H
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stddef.h>
/* cgo cannot express const, so the header is read with const removed; the
 * declarations must otherwise match the exports exactly, or the build fails. */
#define const
#include "llmspell.h"
#undef const

struct llmspell_error {
	int32_t code;
	char *message;
	char *details;
};

static inline llmspell_engine *ls_engine_ptr(uintptr_t id) { return (llmspell_engine *)id; }
static inline llmspell_run *ls_run_ptr(uintptr_t id) { return (llmspell_run *)id; }
static inline llmspell_artifact_writer *ls_writer_ptr(uintptr_t id) { return (llmspell_artifact_writer *)id; }
static inline llmspell_artifact_reader *ls_reader_ptr(uintptr_t id) { return (llmspell_artifact_reader *)id; }
static inline llmspell_error *ls_error_new(void) { return (llmspell_error *)calloc(1, sizeof(llmspell_error)); }
#endif
