/*
 * test_capi.c - tests of the C ABI (include/llmspell.h) from plain C11.
 *
 * Built only against the public header and the shared library, under
 * AddressSanitizer and UndefinedBehaviorSanitizer (see `make test-c` and the
 * root CMakeLists.txt). No framework: each test_* function is one test; a
 * failed CHECK prints where and why and marks the test failed. The last line
 * printed is "N passed, N failed" and the exit status is non-zero when any
 * test failed.
 *
 * Usage: test_capi [name]   runs only the test of that exact name, or else
 *                            the tests whose name contains it.
 *
 * The shared vectors (tests/vectors/run.json) are run in full by every
 * binding; here a handful of them are written out by hand in
 * test_vectors_by_hand, because the library returns compact JSON with sorted
 * keys and so a result can be compared as a plain string.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700

#include "llmspell.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Leak checking. The test runs under ASan with LeakSanitizer on. The Go
 * runtime is not instrumented and its heap is not scanned by LSan, so a C
 * allocation that the library keeps only through the Go heap looks leaked at
 * exit. The only such objects are the 14 static status-name strings
 * (llmspell_status_name), which the library keeps in a Go slice. Their
 * allocation stack stops at the cgo boundary ("_cgo_*_Cfunc__Cmalloc"), the
 * same stack as every result buffer and error string the library hands out,
 * so an LSan suppression for them would also hide real leaks of those. The
 * test therefore marks exactly those 14 objects with __lsan_ignore_object
 * and leaves detection fully on (no suppression file, no detect_leaks=0).
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LLMSPELL_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define LLMSPELL_TEST_ASAN 1
#endif
#ifdef LLMSPELL_TEST_ASAN
#include <sanitizer/lsan_interface.h>
static void lsan_ignore_static_strings(void)
{
	for (llmspell_status code = 0; code < 14; code++)
		__lsan_ignore_object(llmspell_status_name(code));
}
#else
static void lsan_ignore_static_strings(void) {}
#endif

/* ------------------------------------------------------------------------ */
/* A tiny harness                                                           */
/* ------------------------------------------------------------------------ */

static const char *g_test_name = "";
static atomic_int g_test_failures;
static int g_passed, g_failed;
static pthread_mutex_t g_print_mu = PTHREAD_MUTEX_INITIALIZER;

static void fail_at(int line, const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&g_print_mu);
	fprintf(stderr, "  test_capi.c:%d: %s: ", line, g_test_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&g_print_mu);
	atomic_fetch_add(&g_test_failures, 1);
}

/* CHECK may be used from any thread. */
#define CHECK(cond)                                              \
	do {                                                         \
		if (!(cond))                                             \
			fail_at(__LINE__, "check failed: %s", #cond);        \
	} while (0)
#define CHECKF(cond, ...)                                        \
	do {                                                         \
		if (!(cond))                                             \
			fail_at(__LINE__, __VA_ARGS__);                      \
	} while (0)
#define CHECK_STR(got, want) check_str(__LINE__, #got, (got), (want))
#define CHECK_CONTAINS(hay, needle) check_contains(__LINE__, #hay, (hay), (needle))

static void check_str(int line, const char *expr, const char *got, const char *want)
{
	if (got == NULL || strcmp(got, want) != 0)
		fail_at(line, "%s: got %s%s%s, want \"%s\"", expr, got ? "\"" : "",
		        got ? got : "NULL", got ? "\"" : "", want);
}

static void check_contains(int line, const char *expr, const char *hay, const char *needle)
{
	if (hay == NULL || strstr(hay, needle) == NULL)
		fail_at(line, "%s: \"%s\" does not contain \"%s\"", expr, hay ? hay : "(NULL)", needle);
}

/*
 * CHECK_STATUS checks a status returned by a call, and the error object the
 * call filled (pass NULL when err was not requested): on success err must be
 * NULL; on failure it must carry the same code, a message that starts with
 * the status name, and details with "kind" and "message".
 */
#define CHECK_STATUS(st, want, err) check_status(__LINE__, (st), (want), (err))

static void check_status(int line, llmspell_status st, llmspell_status want,
                         const llmspell_error *err)
{
	if (st != want) {
		fail_at(line, "status %d (%s), want %d (%s); message: %s", st, llmspell_status_name(st),
		        want, llmspell_status_name(want), llmspell_error_message(err));
		return;
	}
	if (want == LLMSPELL_OK)
		return;
	if (err == NULL)
		return;
	const char *name = llmspell_status_name(want);
	const char *msg = llmspell_error_message(err);
	const char *det = llmspell_error_details(err);
	if (llmspell_error_code(err) != want)
		fail_at(line, "error object code %d, want %d", llmspell_error_code(err), want);
	if (strncmp(msg, name, strlen(name)) != 0)
		fail_at(line, "message \"%s\" does not start with \"%s\"", msg, name);
	char kind[64];
	snprintf(kind, sizeof kind, "\"kind\":\"%s\"", name);
	if (strstr(det, kind) == NULL || strstr(det, "\"message\":") == NULL)
		fail_at(line, "details %s lack %s or \"message\"", det, kind);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* ------------------------------------------------------------------------ */
/* Helpers over the API                                                     */
/* ------------------------------------------------------------------------ */

static size_t slen(const char *s) { return s ? strlen(s) : 0; }

/* new_engine creates an engine from a NUL-terminated config (NULL for
 * defaults) and fails the test when it cannot. */
static llmspell_engine *new_engine_at(int line, const char *config)
{
	llmspell_engine *e = NULL;
	llmspell_error *err = NULL;
	llmspell_status st = llmspell_engine_new(config, slen(config), &e, &err);
	if (st != LLMSPELL_OK || e == NULL)
		fail_at(line, "llmspell_engine_new(%s): %s", config ? config : "NULL",
		        llmspell_error_message(err));
	llmspell_error_free(err);
	return e;
}
#define new_engine(config) new_engine_at(__LINE__, (config))

/* One llmspell_engine_run call with every output requested. */
typedef struct {
	llmspell_status st;
	char *result;
	size_t result_len;
	char *output;
	size_t output_len;
	llmspell_error *err;
} run_result;

static run_result run_full(llmspell_engine *e, const char *lang, const char *src,
                           const char *args, const char *opts, llmspell_run *tok)
{
	run_result r = {0};
	r.result_len = r.output_len = (size_t)-1;
	r.st = llmspell_engine_run(e, lang, src, slen(src), args, slen(args), opts, slen(opts), tok,
	                           &r.result, &r.result_len, &r.output, &r.output_len, &r.err);
	return r;
}

static void run_result_free(run_result *r)
{
	llmspell_free(r->result);
	llmspell_free(r->output);
	llmspell_error_free(r->err);
	memset(r, 0, sizeof *r);
}

/* expect_ok runs a script and checks that it returns want_result (and, when
 * want_output is not NULL, printed exactly want_output). */
static void expect_ok_at(int line, llmspell_engine *e, const char *lang, const char *src,
                         const char *args, const char *opts, const char *want_result,
                         const char *want_output)
{
	run_result r = run_full(e, lang, src, args, opts, NULL);
	if (r.st != LLMSPELL_OK) {
		fail_at(line, "%s script failed: %s (%s)", lang, llmspell_status_name(r.st),
		        llmspell_error_message(r.err));
	} else {
		if (r.err != NULL)
			fail_at(line, "err not NULL on success");
		if (r.result == NULL || strcmp(r.result, want_result) != 0)
			fail_at(line, "%s result %s, want %s", lang, r.result ? r.result : "NULL", want_result);
		else if (r.result_len != strlen(r.result))
			fail_at(line, "result_len %zu, strlen %zu", r.result_len, strlen(r.result));
		if (r.output == NULL)
			fail_at(line, "output NULL on success");
		else if (r.output_len != strlen(r.output))
			fail_at(line, "output_len %zu, strlen %zu", r.output_len, strlen(r.output));
		else if (want_output != NULL && strcmp(r.output, want_output) != 0)
			fail_at(line, "%s output \"%s\", want \"%s\"", lang, r.output, want_output);
	}
	run_result_free(&r);
}
#define expect_ok(e, lang, src, args, opts, want_result, want_output) \
	expect_ok_at(__LINE__, (e), (lang), (src), (args), (opts), (want_result), (want_output))

/* expect_fail runs a script and checks its status, that the result is NULL,
 * and that the message contains msg_part (when not NULL). */
static void expect_fail_at(int line, llmspell_engine *e, const char *lang, const char *src,
                           const char *args, const char *opts, llmspell_status want,
                           const char *msg_part)
{
	run_result r = run_full(e, lang, src, args, opts, NULL);
	check_status(line, r.st, want, r.err);
	if (r.st != LLMSPELL_OK) {
		if (r.result != NULL)
			fail_at(line, "result not NULL on failure: %s", r.result);
		if (r.err == NULL)
			fail_at(line, "err NULL on failure");
		else if (msg_part != NULL && strstr(llmspell_error_message(r.err), msg_part) == NULL)
			fail_at(line, "message \"%s\" lacks \"%s\"", llmspell_error_message(r.err), msg_part);
	}
	run_result_free(&r);
}
#define expect_fail(e, lang, src, args, opts, want, msg_part) \
	expect_fail_at(__LINE__, (e), (lang), (src), (args), (opts), (want), (msg_part))

/* Temporary folders. */
static char *make_temp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof tmpl, "%s/llmspell-capi-XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	if (strpbrk(tmpl, "\"\\") != NULL) {
		fprintf(stderr, "temp dir %s needs JSON escaping; set TMPDIR\n", tmpl);
		exit(2);
	}
	return strdup(tmpl);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static void pebble_config(char *buf, size_t n, const char *dir)
{
	snprintf(buf, n, "{\"storage\":{\"backend\":\"pebble\",\"data_dir\":\"%s\"}}", dir);
}

/* ------------------------------------------------------------------------ */
/* Version and status names                                                 */
/* ------------------------------------------------------------------------ */

static void test_version(void)
{
	CHECK_STR(llmspell_version(), LLMSPELL_VERSION_STRING);
	CHECK(llmspell_version_number() == LLMSPELL_VERSION_NUMBER);
	CHECK(llmspell_version_number() ==
	      LLMSPELL_VERSION_MAJOR * 1000000u + LLMSPELL_VERSION_MINOR * 1000u + LLMSPELL_VERSION_PATCH);
	CHECK(llmspell_abi_version() == LLMSPELL_ABI_VERSION);
	/* The same static string every time. */
	CHECK(llmspell_version() == llmspell_version());
}

static void test_status_names(void)
{
	static const char *const names[] = {
	    "ok", "invalid_argument", "not_found", "denied", "timeout", "cancelled", "provider_error",
	    "tool_error", "internal", "script_error", "closed", "storage_error", "limit_exceeded",
	    "conflict",
	};
	static const llmspell_status codes[] = {
	    LLMSPELL_OK, LLMSPELL_ERR_INVALID_ARGUMENT, LLMSPELL_ERR_NOT_FOUND, LLMSPELL_ERR_DENIED,
	    LLMSPELL_ERR_TIMEOUT, LLMSPELL_ERR_CANCELLED, LLMSPELL_ERR_PROVIDER, LLMSPELL_ERR_TOOL,
	    LLMSPELL_ERR_INTERNAL, LLMSPELL_ERR_SCRIPT, LLMSPELL_ERR_CLOSED, LLMSPELL_ERR_STORAGE,
	    LLMSPELL_ERR_LIMIT, LLMSPELL_ERR_CONFLICT,
	};
	for (int i = 0; i < 14; i++) {
		CHECKF(codes[i] == i, "code of %s is %d, want %d", names[i], codes[i], i);
		CHECK_STR(llmspell_status_name(i), names[i]);
	}
	static const llmspell_status others[] = {-1, 14, 15, 100, INT32_MAX, INT32_MIN};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
		CHECK_STR(llmspell_status_name(others[i]), "unknown");
}

/* ------------------------------------------------------------------------ */
/* Engine creation                                                          */
/* ------------------------------------------------------------------------ */

static void test_engine_new_null_config(void)
{
	llmspell_engine *e = NULL;
	llmspell_error *err = (llmspell_error *)&e; /* must be overwritten with NULL */
	llmspell_status st = llmspell_engine_new(NULL, 0, &e, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK(e != NULL);
	CHECK(err == NULL);
	st = llmspell_engine_ping(e, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	expect_ok(e, "lua", "return 1 + 1", NULL, NULL, "2", "");
	llmspell_engine_free(e);
}

static void test_engine_new_empty_object(void)
{
	llmspell_engine *e = new_engine("{}");
	llmspell_error *err = NULL;
	char *info = NULL;
	size_t info_len = 0;
	llmspell_status st = llmspell_engine_info(e, &info, &info_len, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK(info != NULL && info_len == strlen(info));
	CHECK_CONTAINS(info, "\"languages\":[\"lua\",\"js\"]");
	CHECK_CONTAINS(info, "\"version\":\"" LLMSPELL_VERSION_STRING "\"");
	CHECK_CONTAINS(info, "\"abi_version\":1");
	CHECK_CONTAINS(info, "\"backend\":\"memory\"");
	llmspell_free(info);
	/* out_len is optional. */
	info = NULL;
	st = llmspell_engine_info(e, &info, NULL, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	CHECK(info != NULL && info[0] == '{');
	llmspell_free(info);
	/* out is not. */
	st = llmspell_engine_info(e, NULL, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	llmspell_error_free(err);
	llmspell_engine_free(e);
}

/* expect_bad_config checks that a config (of explicit length) is refused
 * with want, that *out stays NULL, and that the message contains part. */
static void expect_bad_config_at(int line, const char *cfg, size_t len, llmspell_status want,
                                 const char *part)
{
	llmspell_engine *e = (llmspell_engine *)&e; /* must be overwritten with NULL */
	llmspell_error *err = NULL;
	llmspell_status st = llmspell_engine_new(cfg, len, &e, &err);
	check_status(line, st, want, err);
	if (e != NULL) {
		fail_at(line, "out not NULL after a failed engine_new");
		if (st == LLMSPELL_OK)
			llmspell_engine_free(e);
	}
	if (err == NULL)
		fail_at(line, "no error object");
	else if (part != NULL && strstr(llmspell_error_message(err), part) == NULL)
		fail_at(line, "message \"%s\" lacks \"%s\"", llmspell_error_message(err), part);
	llmspell_error_free(err);
	/* The same call without err fails the same way. */
	e = NULL;
	st = llmspell_engine_new(cfg, len, &e, NULL);
	if (st != want)
		fail_at(line, "with err NULL: status %d, want %d", st, want);
	if (e != NULL && st == LLMSPELL_OK)
		llmspell_engine_free(e);
}
#define expect_bad_config(cfg, want, part) \
	expect_bad_config_at(__LINE__, (cfg), strlen(cfg), (want), (part))

static void test_engine_new_bad_config(void)
{
	const llmspell_status INVAL = LLMSPELL_ERR_INVALID_ARGUMENT;
	expect_bad_config("{", INVAL, NULL);
	expect_bad_config("{\"storage\":}", INVAL, NULL);
	expect_bad_config("{} trailing", INVAL, NULL);
	expect_bad_config("[]", INVAL, NULL);
	expect_bad_config("42", INVAL, NULL);
	expect_bad_config("\"x\"", INVAL, NULL);
	expect_bad_config("{\"nope\":1}", INVAL, "nope");
	expect_bad_config("{\"script\":{\"nope\":1}}", INVAL, "nope");
	expect_bad_config("{\"script\":{\"timeout_ms\":\"soon\"}}", INVAL, "timeout_ms");
	expect_bad_config("{\"script\":{\"pool_size\":-1}}", INVAL, "pool_size");
	expect_bad_config("{\"storage\":{\"backend\":\"floppy\"}}", INVAL, "backend");
	/* Invalid UTF-8: a lone continuation byte and a truncated sequence. */
	expect_bad_config("{\"storage\":{\"data_dir\":\"\x80\"}}", INVAL, "UTF-8");
	expect_bad_config("{\"logging\":{\"level\":\"\xc3\"}}", INVAL, "UTF-8");
	/* Length is honoured: the bytes after config_len are not read. */
	{
		llmspell_engine *e = NULL;
		const char cfg[] = "{}garbage";
		llmspell_status st = llmspell_engine_new(cfg, 2, &e, NULL);
		CHECK_STATUS(st, LLMSPELL_OK, NULL);
		llmspell_engine_free(e);
	}
	/* NULL config with a length. */
	expect_bad_config_at(__LINE__, NULL, 5, INVAL, NULL);
	/* out == NULL. */
	{
		llmspell_error *err = NULL;
		llmspell_status st = llmspell_engine_new("{}", 2, NULL, &err);
		CHECK_STATUS(st, INVAL, err);
		CHECK(err != NULL);
		llmspell_error_free(err);
		st = llmspell_engine_new(NULL, 0, NULL, NULL);
		CHECK_STATUS(st, INVAL, NULL);
	}
}

static void test_engine_data_dir_is_file(void)
{
	char *dir = make_temp_dir();
	char path[4200], cfg[4400];
	snprintf(path, sizeof path, "%s/not-a-folder", dir);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f == NULL) {
		remove_tree(dir);
		return;
	}
	fputs("keep me", f);
	fclose(f);
	pebble_config(cfg, sizeof cfg, path);
	expect_bad_config(cfg, LLMSPELL_ERR_STORAGE, "not-a-folder");
	/* The file is never modified. */
	char buf[32] = {0};
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (f != NULL) {
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		CHECK(n == 7);
		CHECK_STR(buf, "keep me");
	}
	/* A data_dir under a regular file cannot be created either. */
	snprintf(path, sizeof path, "%s/not-a-folder/sub", dir);
	pebble_config(cfg, sizeof cfg, path);
	expect_bad_config(cfg, LLMSPELL_ERR_STORAGE, NULL);
	remove_tree(dir);
}

static void test_engine_pebble(void)
{
	char *dir = make_temp_dir();
	char sub[4200], cfg[4400];
	/* data_dir does not exist yet: it is created. */
	snprintf(sub, sizeof sub, "%s/data", dir);
	pebble_config(cfg, sizeof cfg, sub);
	llmspell_engine *e = new_engine(cfg);
	if (e != NULL) {
		char *info = NULL;
		llmspell_status st = llmspell_engine_info(e, &info, NULL, NULL);
		CHECK_STATUS(st, LLMSPELL_OK, NULL);
		CHECK_CONTAINS(info, "\"backend\":\"pebble\"");
		CHECK_CONTAINS(info, sub);
		llmspell_free(info);
		expect_ok(e, "lua", "return Config.get('storage.backend')", NULL, NULL, "\"pebble\"", "");
		expect_ok(e, "js", "return Config.get('storage.backend');", NULL, NULL, "\"pebble\"", "");
	}
	llmspell_engine_free(e);
	/* Closed and unlocked: it opens again. */
	e = new_engine(cfg);
	llmspell_engine_free(e);
	remove_tree(dir);
}

static void test_engine_same_data_dir(void)
{
	char *dir = make_temp_dir();
	char cfg[4400];
	pebble_config(cfg, sizeof cfg, dir);
	llmspell_engine *first = new_engine(cfg);

	llmspell_engine *second = (llmspell_engine *)&second;
	llmspell_error *err = NULL;
	llmspell_status st = llmspell_engine_new(cfg, strlen(cfg), &second, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_STORAGE, err);
	CHECK(second == NULL);
	llmspell_error_free(err);
	if (st == LLMSPELL_OK)
		llmspell_engine_free(second);

	/* The first engine is untouched. */
	st = llmspell_engine_ping(first, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	expect_ok(first, "lua", "return 'still here'", NULL, NULL, "\"still here\"", "");

	/* Once the first is freed, the folder can be opened again. */
	llmspell_engine_free(first);
	llmspell_engine *third = new_engine(cfg);
	llmspell_engine_free(third);
	remove_tree(dir);
}

/* ------------------------------------------------------------------------ */
/* Running scripts                                                          */
/* ------------------------------------------------------------------------ */

static void test_lua_js_same_json(void)
{
	llmspell_engine *e = new_engine("{}");
	/* Keys are written in a different order in each language; the library
	 * sorts them, so the two texts must be identical. */
	const char *lua = "return {zeta = 'z', alpha = {nested = true, list = {1, 2, 3}},"
	                  " mid = 'caf\xc3\xa9', empty = {}, n = 1.5}";
	const char *js = "return {n: 1.5, mid: 'caf\xc3\xa9', alpha: {list: [1, 2, 3], nested: true},"
	                 " empty: {}, zeta: 'z'};";
	const char *want = "{\"alpha\":{\"list\":[1,2,3],\"nested\":true},\"empty\":{},"
	                   "\"mid\":\"caf\xc3\xa9\",\"n\":1.5,\"zeta\":\"z\"}";
	run_result a = run_full(e, "lua", lua, NULL, NULL, NULL);
	run_result b = run_full(e, "js", js, NULL, NULL, NULL);
	CHECK_STATUS(a.st, LLMSPELL_OK, a.err);
	CHECK_STATUS(b.st, LLMSPELL_OK, b.err);
	if (a.result && b.result) {
		CHECKF(strcmp(a.result, b.result) == 0, "lua %s != js %s", a.result, b.result);
		CHECK_STR(a.result, want);
	}
	run_result_free(&a);
	run_result_free(&b);
	/* "javascript" is accepted as a language name. */
	expect_ok(e, "javascript", "return [1, 'two', null];", NULL, NULL, "[1,\"two\",null]", "");
	llmspell_engine_free(e);
}

static void test_captured_output(void)
{
	llmspell_engine *e = new_engine("{}");
	expect_ok(e, "lua", "print('hello', 1, true)\nprint('second')\nreturn nil", NULL, NULL, "null",
	          "hello\t1\ttrue\nsecond\n");
	expect_ok(e, "js", "print('hello', 1, true); print('second');", NULL, NULL, "null",
	          "hello 1 true\nsecond\n");
	/* Nothing printed gives an empty (non-NULL) buffer. */
	expect_ok(e, "lua", "return 'quiet'", NULL, NULL, "\"quiet\"", "");

	/* Output not requested: discarded, and the result still comes back. */
	char *result = NULL;
	size_t result_len = 0;
	const char *src = "print('dropped') return 7";
	llmspell_status st = llmspell_engine_run(e, "lua", src, strlen(src), NULL, 0, NULL, 0, NULL,
	                                         &result, &result_len, NULL, NULL, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	CHECK_STR(result, "7");
	CHECK(result_len == 1);
	llmspell_free(result);

	/* Output requested but not its length. */
	char *output = NULL;
	st = llmspell_engine_run(e, "lua", src, strlen(src), NULL, 0, NULL, 0, NULL, &result, NULL,
	                         &output, NULL, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	CHECK_STR(output, "dropped\n");
	llmspell_free(result);
	llmspell_free(output);

	/* Output printed before a runtime error is still returned. */
	run_result r = run_full(e, "lua", "print('partial')\nerror('later')", NULL, NULL, NULL);
	CHECK_STATUS(r.st, LLMSPELL_ERR_SCRIPT, r.err);
	CHECK(r.result == NULL);
	CHECK_STR(r.output, "partial\n");
	run_result_free(&r);
	llmspell_engine_free(e);
}

static void test_syntax_error_details(void)
{
	llmspell_engine *e = new_engine("{}");
	run_result r = run_full(e, "lua", "local x = 1\nlocal y = = 2", NULL, "{\"name\":\"bad.lua\"}", NULL);
	CHECK_STATUS(r.st, LLMSPELL_ERR_SCRIPT, r.err);
	CHECK(r.result == NULL);
	CHECK_CONTAINS(llmspell_error_message(r.err), "bad.lua:2");
	const char *det = llmspell_error_details(r.err);
	CHECK(det[0] == '{');
	CHECK_CONTAINS(det, "\"line\":2");
	CHECK_CONTAINS(det, "\"file\":\"bad.lua\"");
	CHECK_CONTAINS(det, "\"kind\":\"script_error\"");
	run_result_free(&r);

	r = run_full(e, "js", "var ok = 1;\nvar x = ;", NULL, "{\"name\":\"bad.js\"}", NULL);
	CHECK_STATUS(r.st, LLMSPELL_ERR_SCRIPT, r.err);
	CHECK_CONTAINS(llmspell_error_message(r.err), "bad.js:2");
	CHECK_CONTAINS(llmspell_error_details(r.err), "\"line\":2");
	run_result_free(&r);

	/* A runtime error in each language. */
	expect_fail(e, "lua", "error('boom')", NULL, NULL, LLMSPELL_ERR_SCRIPT, "boom");
	expect_fail(e, "js", "throw new Error('boom');", NULL, NULL, LLMSPELL_ERR_SCRIPT, "boom");
	llmspell_engine_free(e);
}

static void test_return_function(void)
{
	llmspell_engine *e = new_engine("{}");
	expect_fail(e, "lua", "return function() end", NULL, NULL, LLMSPELL_ERR_SCRIPT, "function");
	expect_fail(e, "js", "return function() {};", NULL, NULL, LLMSPELL_ERR_SCRIPT, "function");
	expect_fail(e, "lua", "return {f = print}", NULL, NULL, LLMSPELL_ERR_SCRIPT, "function");
	llmspell_engine_free(e);
}

static void test_output_limit(void)
{
	llmspell_engine *e = new_engine("{}");
	run_result r = run_full(e, "lua", "while true do print(string.rep('x', 1000)) end", NULL,
	                        "{\"max_output_bytes\":10000}", NULL);
	CHECK_STATUS(r.st, LLMSPELL_ERR_LIMIT, r.err);
	CHECK(r.result == NULL);
	CHECK_CONTAINS(llmspell_error_message(r.err), "output");
	/* What was printed up to the bound comes back, and no more. */
	CHECK(r.output != NULL);
	if (r.output != NULL)
		CHECKF(r.output_len <= 10000, "output_len %zu over the bound", r.output_len);
	run_result_free(&r);
	expect_fail(e, "js", "for(;;){ print('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'); }", NULL,
	            "{\"max_output_bytes\":10000}", LLMSPELL_ERR_LIMIT, "output");
	/* Just under the bound is fine. */
	expect_ok(e, "lua", "print(string.rep('y', 98))", NULL, "{\"max_output_bytes\":99}", "null", NULL);
	/* The config default applies when options do not set it. */
	llmspell_engine *small = new_engine("{\"script\":{\"max_output_bytes\":100}}");
	expect_fail(small, "lua", "print(string.rep('z', 200))", NULL, NULL, LLMSPELL_ERR_LIMIT, "output");
	llmspell_engine_free(small);
	llmspell_engine_free(e);
}

static void test_null_arguments(void)
{
	llmspell_engine *e = new_engine("{}");
	const char *src = "return 1";
	char *res = (char *)&res;
	char *out = (char *)&out;
	llmspell_error *err = NULL;
	llmspell_status st;

	/* NULL engine. */
	st = llmspell_engine_run(NULL, "lua", src, strlen(src), NULL, 0, NULL, 0, NULL, &res, NULL,
	                         &out, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	CHECK(res == NULL && out == NULL);
	llmspell_error_free(err);
	err = NULL;
	st = llmspell_engine_ping(NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	llmspell_error_free(err);
	err = NULL;
	char *info = NULL;
	st = llmspell_engine_info(NULL, &info, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	CHECK(info == NULL);
	llmspell_error_free(err);
	err = NULL;
	llmspell_run *tok = (llmspell_run *)&tok;
	st = llmspell_run_new(NULL, &tok, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	CHECK(tok == NULL);
	llmspell_error_free(err);
	err = NULL;
	st = llmspell_run_new(e, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	llmspell_error_free(err);
	err = NULL;
	st = llmspell_run_cancel(NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	llmspell_error_free(err);
	err = NULL;

	/* NULL lang. */
	res = out = (char *)&res;
	st = llmspell_engine_run(e, NULL, src, strlen(src), NULL, 0, NULL, 0, NULL, &res, NULL, &out,
	                         NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	CHECK(res == NULL && out == NULL);
	llmspell_error_free(err);
	err = NULL;

	/* NULL source, with and without a length. */
	st = llmspell_engine_run(e, "lua", NULL, 0, NULL, 0, NULL, 0, NULL, &res, NULL, NULL, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	CHECK(res == NULL);
	llmspell_error_free(err);
	err = NULL;
	st = llmspell_engine_run(e, "lua", NULL, 8, NULL, 0, NULL, 0, NULL, &res, NULL, NULL, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	llmspell_error_free(err);
	err = NULL;

	/* An empty script: source_len 0 with any non-NULL pointer. */
	st = llmspell_engine_run(e, "lua", "ignored", 0, NULL, 0, NULL, 0, NULL, &res, NULL, NULL, NULL,
	                         &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_STR(res, "null");
	llmspell_free(res);
	st = llmspell_engine_run(e, "js", "", 0, NULL, 0, NULL, 0, NULL, &res, NULL, NULL, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_STR(res, "null");
	llmspell_free(res);

	/* NULL result_out. */
	st = llmspell_engine_run(e, "lua", src, strlen(src), NULL, 0, NULL, 0, NULL, NULL, NULL, NULL,
	                         NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	llmspell_error_free(err);
	err = NULL;

	/* NULL args/options pointers with a length. */
	st = llmspell_engine_run(e, "lua", src, strlen(src), NULL, 3, NULL, 0, NULL, &res, NULL, NULL,
	                         NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	llmspell_error_free(err);
	err = NULL;
	st = llmspell_engine_run(e, "lua", src, strlen(src), NULL, 0, NULL, 3, NULL, &res, NULL, NULL,
	                         NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	llmspell_error_free(err);
	err = NULL;

	/* err == NULL is allowed, on success and on failure. */
	st = llmspell_engine_run(e, "lua", src, strlen(src), NULL, 0, NULL, 0, NULL, &res, NULL, NULL,
	                         NULL, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	CHECK_STR(res, "1");
	llmspell_free(res);
	st = llmspell_engine_run(e, "lua", "error('x')", 10, NULL, 0, NULL, 0, NULL, &res, NULL, NULL,
	                         NULL, NULL);
	CHECK_STATUS(st, LLMSPELL_ERR_SCRIPT, NULL);
	CHECK(res == NULL);
	st = llmspell_engine_run(NULL, "lua", src, strlen(src), NULL, 0, NULL, 0, NULL, &res, NULL,
	                         NULL, NULL, NULL);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, NULL);

	/* On success *err is set to NULL even if it held something. */
	err = (llmspell_error *)&err;
	st = llmspell_engine_run(e, "lua", src, strlen(src), NULL, 0, NULL, 0, NULL, &res, NULL, NULL,
	                         NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	CHECK(err == NULL);
	llmspell_free(res);

	/* The error accessors with NULL. */
	CHECK(llmspell_error_code(NULL) == LLMSPELL_ERR_INVALID_ARGUMENT);
	CHECK_STR(llmspell_error_message(NULL), "");
	CHECK_STR(llmspell_error_details(NULL), "{}");
	llmspell_engine_free(e);
}

static void test_bad_run_inputs(void)
{
	llmspell_engine *e = new_engine("{}");
	const llmspell_status INVAL = LLMSPELL_ERR_INVALID_ARGUMENT;
	expect_fail(e, "cobol", "return 1", NULL, NULL, INVAL, "cobol");
	expect_fail(e, "lua", "return '\xff'", NULL, NULL, INVAL, "UTF-8");
	expect_fail(e, "lua", "return 1", "{\"a\":\"\xc3\"}", NULL, INVAL, "UTF-8");
	expect_fail(e, "lua", "return 1", "{", NULL, INVAL, "args_json");
	expect_fail(e, "lua", "return 1", "42", NULL, INVAL, "args_json");
	expect_fail(e, "lua", "return 1", "\"s\"", NULL, INVAL, "args_json");
	expect_fail(e, "lua", "return 1", NULL, "{", INVAL, "options_json");
	expect_fail(e, "lua", "return 1", NULL, "[]", INVAL, "options_json");
	expect_fail(e, "lua", "return 1", NULL, "{\"nope\":1}", INVAL, "nope");
	expect_fail(e, "lua", "return 1", NULL, "{\"timeout_ms\":-5}", INVAL, "timeout_ms");
	expect_fail(e, "lua", "return 1", NULL, "{\"timeout_ms\":\"1s\"}", INVAL, "timeout_ms");
	expect_fail(e, "lua", "return 1", NULL, "{\"name\":7}", INVAL, "name");
	/* Arrays are fine as ARGS; so are an empty object and zero options. */
	expect_ok(e, "lua", "return ARGS[2]", "[10, 20]", NULL, "20", "");
	expect_ok(e, "js", "return ARGS[1];", "[10, 20]", NULL, "20", "");
	expect_ok(e, "lua", "return 5", "{}", "{\"timeout_ms\":0,\"max_output_bytes\":0}", "5", "");
	llmspell_engine_free(e);
	/* An empty lang means the config's script.default_language (the
	 * behaviour of scripting/host; the header does not say so). */
	e = new_engine("{\"script\":{\"default_language\":\"js\"}}");
	expect_ok(e, "", "return [typeof null];", NULL, NULL, "[\"object\"]", "");
	llmspell_engine_free(e);
}

/* ------------------------------------------------------------------------ */
/* Handle lifetime                                                          */
/* ------------------------------------------------------------------------ */

static void test_use_after_free(void)
{
	llmspell_engine *e = new_engine("{}");
	llmspell_run *tok = NULL;
	llmspell_status st = llmspell_run_new(e, &tok, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	llmspell_run_free(tok);
	llmspell_engine_free(e);

	llmspell_error *err = NULL;
	st = llmspell_engine_ping(e, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_CLOSED, err);
	llmspell_error_free(err);
	err = NULL;

	char *info = (char *)&info;
	st = llmspell_engine_info(e, &info, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_CLOSED, err);
	CHECK(info == NULL);
	llmspell_error_free(err);
	err = NULL;

	expect_fail(e, "lua", "return 1", NULL, NULL, LLMSPELL_ERR_CLOSED, NULL);

	llmspell_run *tok2 = (llmspell_run *)&tok2;
	st = llmspell_run_new(e, &tok2, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_CLOSED, err);
	CHECK(tok2 == NULL);
	llmspell_error_free(err);
	err = NULL;

	st = llmspell_run_cancel(tok, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_CLOSED, err);
	llmspell_error_free(err);
	err = NULL;

	/* A freed token passed to a live engine's run. */
	llmspell_engine *e2 = new_engine("{}");
	run_result r = run_full(e2, "lua", "return 1", NULL, NULL, tok);
	CHECK_STATUS(r.st, LLMSPELL_ERR_CLOSED, r.err);
	run_result_free(&r);
	llmspell_engine_free(e2);
}

static void test_double_free(void)
{
	llmspell_engine *e = new_engine("{}");
	llmspell_run *tok = NULL;
	llmspell_status st = llmspell_run_new(e, &tok, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	run_result r = run_full(e, "lua", "print('x') error('y')", NULL, NULL, NULL);
	CHECK_STATUS(r.st, LLMSPELL_ERR_SCRIPT, r.err);
	char *result = NULL;
	st = llmspell_engine_run(e, "lua", "return 1", 8, NULL, 0, NULL, 0, NULL, &result, NULL, NULL,
	                         NULL, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);

	/* Each freed twice; under ASan a real double free would abort. */
	llmspell_free(result);
	llmspell_free(result);
	llmspell_free(r.output);
	llmspell_free(r.output);
	llmspell_error_free(r.err);
	llmspell_error_free(r.err);
	CHECK(llmspell_error_code(r.err) == LLMSPELL_ERR_INVALID_ARGUMENT);
	llmspell_run_free(tok);
	llmspell_run_free(tok);
	llmspell_engine_free(e);
	llmspell_engine_free(e);
	CHECK(llmspell_engine_ping(e, NULL) == LLMSPELL_ERR_CLOSED);

	/* Free order does not matter: engine before its token. */
	e = new_engine("{}");
	st = llmspell_run_new(e, &tok, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	llmspell_engine_free(e);
	llmspell_run_free(tok);
	llmspell_engine_free(e);
	llmspell_run_free(tok);
}

static void test_free_null_and_foreign(void)
{
	llmspell_free(NULL);
	llmspell_error_free(NULL);
	llmspell_engine_free(NULL);
	llmspell_run_free(NULL);

	/* A malloc'd block of ours: ignored (we free it; ASan would catch a
	 * double free if the library had freed it). */
	char *mine = malloc(32);
	CHECK(mine != NULL);
	strcpy(mine, "mine");
	llmspell_free(mine);
	CHECK_STR(mine, "mine");
	free(mine);

	/* Stack and static addresses. */
	char local[16] = "local";
	llmspell_free(local);
	static char stat[8] = "static";
	llmspell_free(stat);
	CHECK_STR(local, "local");

	/* An interior pointer of a library buffer: ignored, buffer intact. */
	llmspell_engine *e = new_engine("{}");
	char *res = NULL;
	llmspell_status st = llmspell_engine_run(e, "lua", "return 'abcdef'", 15, NULL, 0, NULL, 0, NULL,
	                                         &res, NULL, NULL, NULL, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	if (res != NULL) {
		llmspell_free(res + 1);
		CHECK_STR(res, "\"abcdef\"");
	}
	llmspell_free(res);

	/* An error object we forged ourselves. */
	void *fake = calloc(1, 64);
	llmspell_error_free((llmspell_error *)fake);
	CHECK(llmspell_error_code((llmspell_error *)fake) == LLMSPELL_ERR_INVALID_ARGUMENT);
	CHECK_STR(llmspell_error_message((llmspell_error *)fake), "");
	CHECK_STR(llmspell_error_details((llmspell_error *)fake), "{}");
	free(fake);

	/* A library buffer passed as an error, and an error passed as a buffer. */
	llmspell_error *err = NULL;
	st = llmspell_engine_new("[]", 2, &(llmspell_engine *){NULL}, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	llmspell_free(err);
	CHECK(llmspell_error_code(err) == LLMSPELL_ERR_INVALID_ARGUMENT);
	CHECK(strncmp(llmspell_error_message(err), "invalid_argument", 16) == 0);
	llmspell_error_free(err);
	llmspell_engine_free(e);
}

static void test_forged_handles(void)
{
	llmspell_engine *live = new_engine("{}");
	llmspell_run *live_tok = NULL;
	llmspell_status st = llmspell_run_new(live, &live_tok, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);

	static const uintptr_t forged[] = {
	    0x12345, 0x1, 0x2, 0x3, 0x4, 0x10, 0xdeadbeef, (uintptr_t)-1, (uintptr_t)-4,
	    (uintptr_t)1 << 40, (uintptr_t)&forged,
	};
	for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
		llmspell_engine *fe = (llmspell_engine *)forged[i];
		llmspell_run *fr = (llmspell_run *)forged[i];
		if (fe == live || fr == live_tok)
			continue;
		llmspell_error *err = NULL;
		st = llmspell_engine_ping(fe, &err);
		CHECKF(st == LLMSPELL_ERR_INVALID_ARGUMENT || st == LLMSPELL_ERR_CLOSED,
		       "ping(%#lx) = %d", (unsigned long)forged[i], st);
		llmspell_error_free(err);
		run_result r = run_full(fe, "lua", "return 1", NULL, NULL, NULL);
		CHECKF(r.st == LLMSPELL_ERR_INVALID_ARGUMENT || r.st == LLMSPELL_ERR_CLOSED,
		       "run(%#lx) = %d", (unsigned long)forged[i], r.st);
		CHECK(r.result == NULL);
		run_result_free(&r);
		st = llmspell_run_cancel(fr, NULL);
		CHECKF(st == LLMSPELL_ERR_INVALID_ARGUMENT || st == LLMSPELL_ERR_CLOSED,
		       "cancel(%#lx) = %d", (unsigned long)forged[i], st);
		/* A live engine with a forged token. */
		r = run_full(live, "lua", "return 1", NULL, NULL, fr);
		CHECKF(r.st == LLMSPELL_ERR_INVALID_ARGUMENT || r.st == LLMSPELL_ERR_CLOSED,
		       "run(live, token %#lx) = %d", (unsigned long)forged[i], r.st);
		run_result_free(&r);
		llmspell_engine_free(fe);
		llmspell_run_free(fr);
	}

	/* A token used as an engine and an engine used as a token. */
	st = llmspell_engine_ping((llmspell_engine *)live_tok, NULL);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, NULL);
	st = llmspell_run_cancel((llmspell_run *)live, NULL);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, NULL);
	llmspell_engine_free((llmspell_engine *)live_tok);
	llmspell_run_free((llmspell_run *)live);

	/* None of that touched the live objects. */
	st = llmspell_engine_ping(live, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	run_result r = run_full(live, "lua", "return 'alive'", NULL, NULL, live_tok);
	CHECK_STATUS(r.st, LLMSPELL_OK, r.err);
	CHECK_STR(r.result, "\"alive\"");
	run_result_free(&r);
	llmspell_run_free(live_tok);
	llmspell_engine_free(live);
}

/* ------------------------------------------------------------------------ */
/* Time limits and cancellation                                             */
/* ------------------------------------------------------------------------ */

static void test_timeout(void)
{
	llmspell_engine *e = new_engine("{}");
	static const struct {
		const char *lang, *src;
	} loops[] = {{"lua", "while true do end"}, {"js", "while (true) {}"}};
	for (int i = 0; i < 2; i++) {
		double t0 = now_s();
		run_result r = run_full(e, loops[i].lang, loops[i].src, NULL, "{\"timeout_ms\":1000}", NULL);
		double dt = now_s() - t0;
		CHECK_STATUS(r.st, LLMSPELL_ERR_TIMEOUT, r.err);
		CHECK(r.result == NULL);
		CHECK_CONTAINS(llmspell_error_message(r.err), "1000");
		CHECKF(dt >= 0.8 && dt <= 3.0, "%s timeout took %.3f s, want 0.8-3 s", loops[i].lang, dt);
		printf("    %s busy loop with timeout_ms 1000 stopped after %.3f s\n", loops[i].lang, dt);
		run_result_free(&r);
	}
	/* The config default applies when options do not set it. */
	llmspell_engine *short_e = new_engine("{\"script\":{\"timeout_ms\":300}}");
	double t0 = now_s();
	expect_fail(short_e, "lua", "while true do end", NULL, NULL, LLMSPELL_ERR_TIMEOUT, NULL);
	double dt = now_s() - t0;
	CHECKF(dt >= 0.2 && dt <= 2.0, "config timeout 300 ms took %.3f s", dt);
	llmspell_engine_free(short_e);
	/* The engine is fine afterwards. */
	expect_ok(e, "lua", "return 'next'", NULL, NULL, "\"next\"", "");
	llmspell_engine_free(e);
}

typedef struct {
	llmspell_engine *engine;
	llmspell_run *token;
	const char *lang;
	const char *src;
	const char *opts;
	atomic_int started;
	run_result r;
	double finished_at;
} bg_run;

static void *bg_run_main(void *p)
{
	bg_run *b = p;
	atomic_store(&b->started, 1);
	b->r = run_full(b->engine, b->lang, b->src, NULL, b->opts, b->token);
	b->finished_at = now_s();
	return NULL;
}

static void wait_started(bg_run *b)
{
	while (!atomic_load(&b->started))
		sleep_ms(1);
}

static void test_cancel_from_thread(void)
{
	llmspell_engine *e = new_engine("{}");
	static const struct {
		const char *lang, *src;
	} loops[] = {{"lua", "while true do end"},
	             {"js", "for (;;) {}"},
	             {"lua", "Utils.sleep(60000)"},
	             {"js", "Utils.sleep(60000);"}};
	for (int i = 0; i < 4; i++) {
		llmspell_run *tok = NULL;
		llmspell_status st = llmspell_run_new(e, &tok, NULL);
		CHECK_STATUS(st, LLMSPELL_OK, NULL);
		bg_run b = {.engine = e, .token = tok, .lang = loops[i].lang, .src = loops[i].src};
		pthread_t th;
		double t_start = now_s();
		CHECK(pthread_create(&th, NULL, bg_run_main, &b) == 0);
		wait_started(&b);
		sleep_ms(100);
		double t_cancel = now_s();
		llmspell_error *err = NULL;
		st = llmspell_run_cancel(tok, &err);
		CHECK_STATUS(st, LLMSPELL_OK, err);
		CHECK(err == NULL);
		st = llmspell_run_cancel(tok, NULL); /* twice is harmless */
		CHECK_STATUS(st, LLMSPELL_OK, NULL);
		pthread_join(th, NULL);
		CHECK_STATUS(b.r.st, LLMSPELL_ERR_CANCELLED, b.r.err);
		CHECK(b.r.result == NULL);
		double latency = b.finished_at - t_cancel;
		CHECKF(latency < 1.0, "cancel took %.3f s", latency);
		CHECKF(b.finished_at - t_start >= 0.09, "%s run ended after %.3f s, before the cancel",
		       loops[i].lang, b.finished_at - t_start);
		printf("    %s \"%s\" cancelled; returned %.2f ms after llmspell_run_cancel\n", loops[i].lang,
		       loops[i].src, latency * 1e3);
		run_result_free(&b.r);

		/* The cancel applies to later runs with the same token. */
		run_result r = run_full(e, "lua", "return 1", NULL, NULL, tok);
		CHECK_STATUS(r.st, LLMSPELL_ERR_CANCELLED, r.err);
		run_result_free(&r);
		llmspell_run_free(tok);
	}
	/* Other runs and new tokens are not affected. */
	llmspell_run *tok = NULL;
	llmspell_status st = llmspell_run_new(e, &tok, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	run_result r = run_full(e, "lua", "return 'fresh'", NULL, NULL, tok);
	CHECK_STATUS(r.st, LLMSPELL_OK, r.err);
	run_result_free(&r);
	/* One token shared by several runs stops them all. */
	bg_run many[3];
	pthread_t th[3];
	for (int i = 0; i < 3; i++) {
		many[i] = (bg_run){.engine = e, .token = tok, .lang = i % 2 ? "js" : "lua",
		                   .src = i % 2 ? "for (;;) {}" : "while true do end"};
		CHECK(pthread_create(&th[i], NULL, bg_run_main, &many[i]) == 0);
	}
	for (int i = 0; i < 3; i++)
		wait_started(&many[i]);
	sleep_ms(100);
	CHECK_STATUS(llmspell_run_cancel(tok, NULL), LLMSPELL_OK, NULL);
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		CHECK_STATUS(many[i].r.st, LLMSPELL_ERR_CANCELLED, many[i].r.err);
		run_result_free(&many[i].r);
	}
	llmspell_run_free(tok);
	llmspell_engine_free(e);
}

/* ------------------------------------------------------------------------ */
/* Concurrency                                                              */
/* ------------------------------------------------------------------------ */

#define N_THREADS 8
#define N_RUNS_PER_THREAD 25

typedef struct {
	llmspell_engine *engine;
	int id;
	int ok;
} worker;

static void *worker_main(void *p)
{
	worker *w = p;
	for (int k = 0; k < N_RUNS_PER_THREAD; k++) {
		int n = w->id * 1000 + k;
		char args[64], want[128], want_out[64];
		snprintf(args, sizeof args, "{\"n\":%d}", n);
		snprintf(want, sizeof want, "{\"double\":%d,\"n\":%d,\"sum\":%d}", 2 * n, n, 5050);
		snprintf(want_out, sizeof want_out, "n=%d\n", n);
		const bool js = (k + w->id) % 2;
		const char *src = js
		    ? "var s = 0; for (var i = 1; i <= 100; i++) { s += i; }\n"
		      "print('n=' + ARGS.n); return {n: ARGS.n, double: ARGS.n * 2, sum: s};"
		    : "local s = 0 for i = 1, 100 do s = s + i end\n"
		      "print('n=' .. ARGS.n) return {n = ARGS.n, double = ARGS.n * 2, sum = s}";
		run_result r = run_full(w->engine, js ? "js" : "lua", src, args, NULL, NULL);
		if (r.st != LLMSPELL_OK) {
			fail_at(__LINE__, "thread %d run %d: %s", w->id, k, llmspell_error_message(r.err));
		} else if (strcmp(r.result, want) != 0 || strcmp(r.output, want_out) != 0) {
			fail_at(__LINE__, "thread %d run %d: result %s output \"%s\", want %s \"%s\"", w->id, k,
			        r.result, r.output, want, want_out);
		} else {
			w->ok++;
		}
		run_result_free(&r);
	}
	return NULL;
}

static void test_concurrent_runs(void)
{
	llmspell_engine *e = new_engine("{}");
	pthread_t th[N_THREADS];
	worker w[N_THREADS];
	double t0 = now_s();
	for (int i = 0; i < N_THREADS; i++) {
		w[i] = (worker){.engine = e, .id = i};
		CHECK(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0);
	}
	int total = 0;
	for (int i = 0; i < N_THREADS; i++) {
		pthread_join(th[i], NULL);
		total += w[i].ok;
	}
	double dt = now_s() - t0;
	CHECKF(total == N_THREADS * N_RUNS_PER_THREAD, "%d of %d runs right", total,
	       N_THREADS * N_RUNS_PER_THREAD);
	printf("    %d threads x %d runs on one engine in %.3f s\n", N_THREADS, N_RUNS_PER_THREAD, dt);
	llmspell_engine_free(e);
}

/* Runs in flight while their engine handle is freed finish normally. */
static void test_free_engine_during_run(void)
{
	llmspell_engine *e = new_engine("{}");
	bg_run b = {.engine = e, .lang = "lua", .src = "Utils.sleep(300) print('after') return 'finished'"};
	pthread_t th;
	CHECK(pthread_create(&th, NULL, bg_run_main, &b) == 0);
	wait_started(&b);
	sleep_ms(100);
	llmspell_engine_free(e);
	CHECK(llmspell_engine_ping(e, NULL) == LLMSPELL_ERR_CLOSED);
	pthread_join(th, NULL);
	CHECK_STATUS(b.r.st, LLMSPELL_OK, b.r.err);
	CHECK_STR(b.r.result, "\"finished\"");
	CHECK_STR(b.r.output, "after\n");
	run_result_free(&b.r);
}

/* Threads that race a free with calls on the same handle see OK or CLOSED,
 * never anything else, and nothing crashes. Each thread calls until it sees
 * CLOSED (the watchdog catches a thread that never does). */
typedef struct {
	llmspell_engine *engine;
	int bad;
	int calls;
} racer;

static void *racer_main(void *p)
{
	racer *r = p;
	for (;;) {
		r->calls++;
		llmspell_status st = llmspell_engine_ping(r->engine, NULL);
		if (st == LLMSPELL_ERR_CLOSED)
			break;
		if (st != LLMSPELL_OK)
			r->bad++;
		char *res = NULL;
		st = llmspell_engine_run(r->engine, "lua", "return 1", 8, NULL, 0, NULL, 0, NULL, &res, NULL,
		                         NULL, NULL, NULL);
		if (st != LLMSPELL_OK && st != LLMSPELL_ERR_CLOSED)
			r->bad++;
		if (st == LLMSPELL_OK && (res == NULL || strcmp(res, "1") != 0))
			r->bad++;
		llmspell_free(res);
	}
	return NULL;
}

static void test_free_race(void)
{
	for (int round = 0; round < 5; round++) {
		llmspell_engine *e = new_engine("{}");
		racer rs[4];
		pthread_t th[4];
		for (int i = 0; i < 4; i++) {
			rs[i] = (racer){.engine = e};
			CHECK(pthread_create(&th[i], NULL, racer_main, &rs[i]) == 0);
		}
		sleep_ms(20);
		llmspell_engine_free(e);
		for (int i = 0; i < 4; i++) {
			pthread_join(th[i], NULL);
			CHECKF(rs[i].bad == 0, "round %d thread %d saw %d unexpected results", round, i,
			       rs[i].bad);
		}
	}
}

/* An engine freed while a run token is alive: the token still cancels, and
 * the engine (here: its data folder lock) is released with the token. */
static void test_token_outlives_engine(void)
{
	char *dir = make_temp_dir();
	char cfg[4400];
	pebble_config(cfg, sizeof cfg, dir);
	llmspell_engine *e = new_engine(cfg);
	llmspell_run *tok = NULL;
	llmspell_status st = llmspell_run_new(e, &tok, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	llmspell_engine_free(e);

	CHECK(llmspell_engine_ping(e, NULL) == LLMSPELL_ERR_CLOSED);
	llmspell_error *err = NULL;
	st = llmspell_run_cancel(tok, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	llmspell_error_free(err);
	err = NULL;

	/* The token holds the engine, so the folder is still locked. */
	llmspell_engine *other = NULL;
	st = llmspell_engine_new(cfg, strlen(cfg), &other, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_STORAGE, err);
	llmspell_error_free(err);
	err = NULL;
	if (st == LLMSPELL_OK)
		llmspell_engine_free(other);

	/* Freeing the token closes the engine and unlocks the folder. */
	llmspell_run_free(tok);
	other = NULL;
	st = llmspell_engine_new(cfg, strlen(cfg), &other, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	llmspell_error_free(err);
	llmspell_engine_free(other);
	remove_tree(dir);
}

/* Freeing a token while a run uses it: the run goes on to its normal end
 * (it just cannot be cancelled through the token any more). */
static void test_token_freed_during_run(void)
{
	llmspell_engine *e = new_engine("{}");
	llmspell_run *tok = NULL;
	llmspell_status st = llmspell_run_new(e, &tok, NULL);
	CHECK_STATUS(st, LLMSPELL_OK, NULL);
	bg_run b = {.engine = e, .token = tok, .lang = "lua",
	            .src = "Utils.sleep(300) return 'finished'"};
	pthread_t th;
	CHECK(pthread_create(&th, NULL, bg_run_main, &b) == 0);
	wait_started(&b);
	sleep_ms(100);
	llmspell_run_free(tok);
	pthread_join(th, NULL);
	CHECK_STATUS(b.r.st, LLMSPELL_OK, b.r.err);
	CHECK_STR(b.r.result, "\"finished\"");
	run_result_free(&b.r);
	llmspell_engine_free(e);
}

/* ------------------------------------------------------------------------ */
/* Some of tests/vectors/run.json, by hand                                  */
/* ------------------------------------------------------------------------ */

typedef struct {
	const char *name, *lang, *source, *args, *options;
	const char *result; /* exact JSON text, or NULL when an error is expected */
	const char *output;
	llmspell_status code;
	const char *message_contains;
} vector;

static const vector vectors[] = {
    {"lua_return_table", "lua",
     "return {answer = 42, list = {1, 2.5, 'x', true}, nested = {ok = true}}", NULL, NULL,
     "{\"answer\":42,\"list\":[1,2.5,\"x\",true],\"nested\":{\"ok\":true}}", "", 0, NULL},
    {"js_return_object", "js", "return {answer: 42, list: [1, 2.5, 'x', true], nested: {ok: true}};",
     NULL, NULL, "{\"answer\":42,\"list\":[1,2.5,\"x\",true],\"nested\":{\"ok\":true}}", "", 0, NULL},
    {"lua_args", "lua", "return {input = ARGS.input, n = ARGS.n, first = ARGS[1]}",
     "{\"input\":\"x\",\"n\":3,\"1\":\"pos\"}", NULL, "{\"first\":\"pos\",\"input\":\"x\",\"n\":3}",
     "", 0, NULL},
    {"js_args", "js", "return {input: ARGS.input, n: ARGS.n, first: ARGS[1]};",
     "{\"input\":\"x\",\"n\":3,\"1\":\"pos\"}", NULL, "{\"first\":\"pos\",\"input\":\"x\",\"n\":3}",
     "", 0, NULL},
    {"lua_json_roundtrip", "lua",
     "local t = JSON.parse([[{\"a\":[1,2,{\"b\":null}],\"s\":\"\\u00e9\"}]])\n"
     "return {a2 = t.a[2], s = t.s, text = JSON.stringify({k = 'v'})}",
     NULL, NULL, "{\"a2\":2,\"s\":\"\xc3\xa9\",\"text\":\"{\\\"k\\\":\\\"v\\\"}\"}", "", 0, NULL},
    {"js_utils_hash", "js", "return Utils.hash('abc', 'sha256');", NULL, NULL,
     "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"", "", 0, NULL},
    {"lua_empty_table_is_object", "lua", "return {}", NULL, NULL, "{}", "", 0, NULL},
    {"lua_nan_is_null", "lua", "return {x = 0/0, y = 1/0}", NULL, NULL, "{\"x\":null,\"y\":null}",
     "", 0, NULL},
    {"lua_sandbox_no_io", "lua",
     "return {io = type(io), os = type(os), dofile = type(dofile), loadfile = type(loadfile),"
     " package = type(package), debug = type(debug)}",
     NULL, NULL,
     "{\"debug\":\"nil\",\"dofile\":\"nil\",\"io\":\"nil\",\"loadfile\":\"nil\",\"os\":\"nil\","
     "\"package\":\"nil\"}",
     "", 0, NULL},
    {"js_syntax_error", "js", "var x = ;", NULL, "{\"name\":\"bad.js\"}", NULL, NULL,
     LLMSPELL_ERR_SCRIPT, "bad.js:1"},
    {"js_runtime_error", "js", "throw new Error('boom');", NULL, NULL, NULL, NULL,
     LLMSPELL_ERR_SCRIPT, "boom"},
    {"js_busy_loop_timeout", "js", "for(;;){}", NULL, "{\"timeout_ms\":200}", NULL, NULL,
     LLMSPELL_ERR_TIMEOUT, "200"},
    {"unknown_language", "cobol", "DISPLAY 'HI'.", NULL, NULL, NULL, NULL,
     LLMSPELL_ERR_INVALID_ARGUMENT, "cobol"},
};

static void test_vectors_by_hand(void)
{
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const vector *v = &vectors[i];
		/* A fresh in-memory engine per case, as the vectors say. */
		llmspell_engine *e = new_engine("{}");
		run_result r = run_full(e, v->lang, v->source, v->args, v->options, NULL);
		if (v->result != NULL) {
			CHECKF(r.st == LLMSPELL_OK, "%s: %s", v->name, llmspell_error_message(r.err));
			if (r.st == LLMSPELL_OK) {
				CHECKF(strcmp(r.result, v->result) == 0, "%s: result %s, want %s", v->name,
				       r.result, v->result);
				CHECKF(strcmp(r.output, v->output) == 0, "%s: output \"%s\", want \"%s\"",
				       v->name, r.output, v->output);
			}
		} else {
			CHECKF(r.st == v->code, "%s: status %s, want %s (%s)", v->name,
			       llmspell_status_name(r.st), llmspell_status_name(v->code),
			       llmspell_error_message(r.err));
			CHECKF(strstr(llmspell_error_message(r.err), v->message_contains) != NULL,
			       "%s: message \"%s\" lacks \"%s\"", v->name, llmspell_error_message(r.err),
			       v->message_contains);
		}
		run_result_free(&r);
		llmspell_engine_free(e);
	}
}

/* ------------------------------------------------------------------------ */
/* JS timeouts on a calling thread, repeated                                */
/* ------------------------------------------------------------------------ */

/*
 * A JS busy loop with a short timeout, many times on the same C thread, each
 * on a fresh engine (what test_vectors_by_hand does once). Every run must end
 * with LLMSPELL_ERR_TIMEOUT. A regression test: this used to hang about one
 * time in two. goja's loop `for(;;){}` can only be stopped by async
 * preemption (a SIGURG), and the Go runtime drops a preemption signal that
 * reaches a C-created thread while it is outside Go (runtime/signal_unix.go,
 * sigtrampgo: the isExtraInC branch returns without clearing
 * m.signalPending), after which preemptM never signals that thread again;
 * the run never saw its timeout and the next GC stop-the-world waited for it
 * forever. capi now runs scripts on a library goroutine instead of the
 * caller's thread. The watchdog in main turns a hang into a failure.
 */
static void test_js_timeout_repeated(void)
{
	const char *src = "for(;;){}";
	const char *opts = "{\"timeout_ms\":10}";
	int timeouts = 0;
	for (int i = 0; i < 500; i++) {
		llmspell_engine *e = new_engine("{}");
		char *res = NULL;
		llmspell_status st = llmspell_engine_run(e, "js", src, strlen(src), NULL, 0, opts,
		                                         strlen(opts), NULL, &res, NULL, NULL, NULL, NULL);
		llmspell_free(res);
		llmspell_engine_free(e);
		if (st == LLMSPELL_ERR_TIMEOUT)
			timeouts++;
		else
			fail_at(__LINE__, "run %d: status %s, want timeout", i, llmspell_status_name(st));
	}
	CHECK(timeouts == 500);
}

/*
 * test_lua_timeout_repeated is the Lua twin: Lua runs stay on the caller's
 * thread (no hand-off), which is safe because gopher-lua checks the run's
 * context through a runtime call on every instruction. 500 busy loops with
 * a 10 ms timeout, each with a few allocations so the GC runs meanwhile,
 * must all time out.
 */
static void test_lua_timeout_repeated(void)
{
	const char *src = "local t = {} while true do t[#t % 100 + 1] = {} end";
	const char *opts = "{\"timeout_ms\":10}";
	int timeouts = 0;
	llmspell_engine *e = new_engine("{}");
	for (int i = 0; i < 500; i++) {
		char *res = NULL;
		llmspell_status st = llmspell_engine_run(e, "lua", src, strlen(src), NULL, 0, opts,
		                                         strlen(opts), NULL, &res, NULL, NULL, NULL, NULL);
		llmspell_free(res);
		if (st == LLMSPELL_ERR_TIMEOUT)
			timeouts++;
		else
			fail_at(__LINE__, "run %d: status %s, want timeout", i, llmspell_status_name(st));
	}
	llmspell_engine_free(e);
	CHECK(timeouts == 500);
}

/* ---- hooks, events and tools from C, under the sanitizers --------------- */

typedef struct {
	atomic_int calls;
	atomic_int freed;
} hook_counts;

/* cancels "c", rewrites "m", fails for "f"; counts its calls */
static void c_hook(void *ud, const char *json, size_t len, llmspell_hook_reply *reply)
{
	hook_counts *hc = ud;
	atomic_fetch_add(&hc->calls, 1);
	CHECK(len == strlen(json));
	const char *r = NULL;
	if (strstr(json, "\"key\":\"c\""))
		r = "{\"type\":\"cancel\",\"reason\":\"no c\"}";
	else if (strstr(json, "\"key\":\"m\""))
		r = "{\"type\":\"modified\",\"data\":{\"scope\":\"global\",\"key\":\"m\",\"value\":\"M\"}}";
	else if (strstr(json, "\"key\":\"f\"")) {
		CHECK(llmspell_hook_reply_fail(reply, "it broke", 8) == LLMSPELL_OK);
		return;
	}
	if (r)
		CHECK(llmspell_hook_reply_set(reply, r, strlen(r)) == LLMSPELL_OK);
}

static void c_hook_free(void *ud) { atomic_fetch_add(&((hook_counts *)ud)->freed, 1); }

/* a C tool: {"a":n,"b":m} → n+m as JSON; anything else fails */
static void c_tool(void *ud, const char *json, size_t len, llmspell_tool_reply *reply)
{
	(void)ud;
	(void)len;
	long a = 0, b = 0;
	if (sscanf(json, "{\"a\":%ld,\"b\":%ld}", &a, &b) != 2) {
		llmspell_tool_reply_error(reply, "want a and b");
		return;
	}
	char out[64];
	snprintf(out, sizeof out, "%ld", a + b);
	CHECK(llmspell_tool_reply_set(reply, out, strlen(out)) == LLMSPELL_OK);
}

static void test_hooks_events_tools(void)
{
	llmspell_engine *e = new_engine("{}");
	llmspell_error *err = NULL;
	hook_counts hc = {0};
	uint64_t id = 0;
	llmspell_status st = llmspell_hook_register(e, "BeforeStateWrite", 0, NULL, 0, c_hook, &hc,
						    c_hook_free, &id, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	llmspell_subscription *sub = NULL;
	st = llmspell_subscription_new(e, "state.*", NULL, 0, &sub, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);

	CHECK_STATUS(llmspell_state_set(e, NULL, "m", "\"quiet\"", 7, &err), LLMSPELL_OK, err);
	st = llmspell_state_set(e, NULL, "c", "1", 1, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_CANCELLED, err);
	CHECK_CONTAINS(llmspell_error_message(err), "no c");
	llmspell_error_free(err);
	err = NULL;
	for (int i = 0; i < 3; i++) /* a failing hook never blocks the write */
		CHECK_STATUS(llmspell_state_set(e, NULL, "f", "2", 1, &err), LLMSPELL_OK, err);
	char *v = NULL;
	CHECK_STATUS(llmspell_state_get(e, NULL, "m", &v, NULL, &err), LLMSPELL_OK, err);
	CHECK_STR(v, "\"M\"");
	llmspell_free(v);
	v = NULL;
	CHECK_STATUS(llmspell_state_get(e, NULL, "c", &v, NULL, &err), LLMSPELL_OK, err);
	CHECK(v == NULL);

	/* three failures opened the breaker: the next write skips the hook */
	char *list = NULL;
	CHECK_STATUS(llmspell_hook_list(e, "BeforeStateWrite", &list, NULL, &err), LLMSPELL_OK, err);
	CHECK_CONTAINS(list, "\"failures\":3");
	CHECK_CONTAINS(list, "\"breaker\":\"open\"");
	llmspell_free(list);
	int calls = atomic_load(&hc.calls);
	CHECK_STATUS(llmspell_state_set(e, NULL, "c", "3", 1, &err), LLMSPELL_OK, err);
	CHECK(atomic_load(&hc.calls) == calls);

	/* state.write events: m with the modified value, f three times, c once
	 * (after the breaker opened); the cancelled write published nothing */
	int seen_m = 0, seen_f = 0, seen_c = 0;
	for (;;) {
		char *ev = NULL;
		CHECK_STATUS(llmspell_subscription_next(sub, 0, &ev, NULL, &err), LLMSPELL_OK, err);
		if (ev == NULL)
			break;
		if (strstr(ev, "\"key\":\"m\"")) {
			seen_m++;
			CHECK_CONTAINS(ev, "\"value\":\"M\"");
		}
		seen_f += strstr(ev, "\"key\":\"f\"") != NULL;
		seen_c += strstr(ev, "\"key\":\"c\"") != NULL;
		llmspell_free(ev);
	}
	CHECK(seen_m == 1 && seen_f == 3 && seen_c == 1);
	llmspell_subscription_free(sub);

	/* unregister frees the user data at once */
	CHECK(llmspell_hook_unregister(e, id, &err) == LLMSPELL_OK);
	CHECK(atomic_load(&hc.freed) == 1);

	/* a C tool, called from C and from both languages */
	const char *spec = "{\"name\":\"c_add\",\"description\":\"adds\",\"parameters\":{\"type\":\"object\","
			   "\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"integer\"}},"
			   "\"required\":[\"a\",\"b\"]}}";
	st = llmspell_tool_register(e, spec, strlen(spec), c_tool, NULL, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	char *env = NULL;
	st = llmspell_tool_invoke(e, "c_add", "{\"a\":2,\"b\":40}", 14, &env, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_CONTAINS(env, "\"result\":42");
	llmspell_free(env);
	env = NULL;
	st = llmspell_tool_invoke(e, "c_add", "{\"a\":\"x\"}", 9, &env, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_INVALID_ARGUMENT, err);
	llmspell_error_free(err);
	err = NULL;
	llmspell_free(env);
	expect_ok(e, "lua", "return Tool.invoke('c_add', {a = 1, b = 2}).result.result", NULL, NULL, "3", "");
	expect_ok(e, "js", "return Tool.invoke('c_add', {a: 5, b: 6}).result.result", NULL, NULL, "11", "");
	llmspell_engine_free(e);
}

/* expect_records_fail checks that a hook records query fails with want */
static void expect_records_fail(llmspell_engine *e, const char *query, llmspell_status want,
				const char *msg_part)
{
	llmspell_error *err = NULL;
	char *out = (char *)1;
	llmspell_status st = llmspell_hook_records(e, query, slen(query), &out, NULL, &err);
	CHECK_STATUS(st, want, err);
	CHECK(out == NULL);
	if (msg_part)
		CHECK_CONTAINS(llmspell_error_message(err), msg_part);
	llmspell_error_free(err);
}

static void test_hook_metrics_records(void)
{
	llmspell_engine *e = new_engine("{\"hooks\":{\"metrics\":true,\"record\":true}}");
	llmspell_error *err = NULL;
	hook_counts hc = {0};
	uint64_t id = 0;
	const char *opts = "{\"name\":\"c-test\"}";
	llmspell_status st = llmspell_hook_register(e, "BeforeStateWrite", 0, opts, strlen(opts), c_hook,
						    &hc, c_hook_free, &id, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_STATUS(llmspell_state_set(e, NULL, "m", "\"quiet\"", 7, &err), LLMSPELL_OK, err);
	CHECK_STATUS(llmspell_state_set(e, NULL, "n", "1", 1, &err), LLMSPELL_OK, err);

	char *m = NULL;
	size_t n = 0;
	CHECK_STATUS(llmspell_hook_metrics(e, &m, &n, &err), LLMSPELL_OK, err);
	CHECK(m != NULL && n == strlen(m));
	CHECK_CONTAINS(m, "\"counts\":{");
	CHECK_CONTAINS(m, "\"BeforeStateWrite\":2");
	CHECK_CONTAINS(m, "\"latency\":{");
	llmspell_free(m);

	char *recs = NULL;
	CHECK_STATUS(llmspell_hook_records(e, NULL, 0, &recs, &n, &err), LLMSPELL_OK, err);
	CHECK(recs != NULL && n == strlen(recs) && recs[0] == '[');
	CHECK_CONTAINS(recs, "\"hook\":\"c-test\"");
	CHECK_CONTAINS(recs, "\"point\":\"BeforeStateWrite\",\"result\":\"modified\"");
	CHECK_CONTAINS(recs, "\"input\":{\"key\":\"n\",\"scope\":\"global\",\"value\":1}");
	llmspell_free(recs);
	const char *q = "{\"limit\":1}";
	CHECK_STATUS(llmspell_hook_records(e, q, strlen(q), &recs, NULL, &err), LLMSPELL_OK, err);
	int count = 0;
	for (const char *p = recs; p && (p = strstr(p, "\"hook_id\"")) != NULL; p++)
		count++;
	CHECK(count == 1);
	llmspell_free(recs);
	q = "{\"correlation_id\":\"nobody\"}";
	CHECK_STATUS(llmspell_hook_records(e, q, strlen(q), &recs, NULL, &err), LLMSPELL_OK, err);
	CHECK_STR(recs, "[]");
	llmspell_free(recs);

	expect_records_fail(e, "{\"limit\":\"x\"}", LLMSPELL_ERR_INVALID_ARGUMENT, "limit");
	expect_records_fail(e, "{\"correlation_id\":1}", LLMSPELL_ERR_INVALID_ARGUMENT, "correlation_id");
	expect_records_fail(e, "{\"since\":\"now\"}", LLMSPELL_ERR_INVALID_ARGUMENT, "unknown key");
	expect_records_fail(e, "[1]", LLMSPELL_ERR_INVALID_ARGUMENT, "query_json");
	expect_records_fail(NULL, NULL, LLMSPELL_ERR_INVALID_ARGUMENT, NULL);
	CHECK(llmspell_hook_metrics(e, NULL, NULL, NULL) == LLMSPELL_ERR_INVALID_ARGUMENT);
	CHECK(llmspell_hook_metrics(NULL, &m, NULL, NULL) == LLMSPELL_ERR_INVALID_ARGUMENT && m == NULL);

	/* both are off by default, and say how to turn them on */
	llmspell_engine *off = new_engine("{}");
	CHECK_STATUS(llmspell_hook_metrics(off, &m, NULL, &err), LLMSPELL_ERR_INVALID_ARGUMENT, err);
	CHECK_CONTAINS(llmspell_error_message(err), "hooks.metrics");
	llmspell_error_free(err);
	err = NULL;
	expect_records_fail(off, NULL, LLMSPELL_ERR_INVALID_ARGUMENT, "hooks.record");
	llmspell_engine_free(off);

	CHECK(llmspell_hook_unregister(e, id, NULL) == LLMSPELL_OK);
	CHECK(atomic_load(&hc.freed) == 1);
	llmspell_engine_free(e);
	/* a freed engine is closed */
	CHECK(llmspell_hook_metrics(e, &m, NULL, NULL) == LLMSPELL_ERR_CLOSED && m == NULL);
	expect_records_fail(e, NULL, LLMSPELL_ERR_CLOSED, NULL);
}


/* ------------------------------------------------------------------------ */

/* ---- agents on the real local model ------------------------------------ */

struct delta_log {
	pthread_t caller;
	int count;
	size_t bytes;
	bool wrong_thread;
	bool bad_text;
};

static int32_t count_delta(void *ud, const char *text, size_t len)
{
	struct delta_log *log = ud;
	if (!pthread_equal(log->caller, pthread_self()))
		log->wrong_thread = true;
	if (text == NULL || strlen(text) != len)
		log->bad_text = true;
	log->count++;
	log->bytes += len;
	return 0;
}

static int32_t stop_after_one(void *ud, const char *text, size_t len)
{
	(void)text;
	(void)len;
	return ++*(int *)ud >= 1 ? 7 : 0;
}

static void *cancel_stream_main(void *arg)
{
	sleep_ms(5);
	return (void *)(intptr_t)llmspell_delta_stream_cancel((llmspell_delta_stream *)arg, NULL);
}

/* models_dir returns the folder holding stories260K/ (LLMSPELL_MODELS_DIR),
 * or NULL: the test is skipped, or fails under CI=true. */
static const char *models_dir(void)
{
	const char *dir = getenv("LLMSPELL_MODELS_DIR");
	if (dir != NULL) {
		char path[4200];
		snprintf(path, sizeof path, "%s/stories260K/stories260K.bin", dir);
		FILE *f = fopen(path, "rb");
		if (f != NULL) {
			fclose(f);
			return dir;
		}
	}
	const char *ci = getenv("CI");
	if (ci != NULL && strcmp(ci, "true") == 0)
		CHECK(!"LLMSPELL_MODELS_DIR must name a folder holding stories260K/ in CI");
	else
		printf("skip %s: set LLMSPELL_MODELS_DIR to a folder holding stories260K/\n", g_test_name);
	return NULL;
}

static void expect_status(llmspell_status st, llmspell_status want, llmspell_error **err)
{
	CHECK_STATUS(st, want, *err);
	llmspell_error_free(*err);
	*err = NULL;
}

static void test_agents(void)
{
	const char *models = models_dir();
	if (models == NULL)
		return;
	char *dir = make_temp_dir();
	char cfg[9000];
	snprintf(cfg, sizeof cfg, "{\"storage\":{\"data_dir\":\"%s\"},\"models\":{\"dir\":\"%s\"}}", dir, models);
	llmspell_engine *e = new_engine(cfg);
	if (e == NULL) {
		remove_tree(dir);
		return;
	}
	const char *conf = "{\"name\":\"teller\",\"tools\":[\"uuid_generator\"],\"temperature\":0,\"max_tokens\":16}";
	char *name = NULL;
	size_t name_len = 0;
	llmspell_error *err = NULL;
	llmspell_status st = llmspell_agent_create(e, conf, strlen(conf), &name, &name_len, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_STR(name, "teller");
	CHECK(name_len == 6);
	llmspell_free(name);

	/* execute: a tool call on the real model, then an answer */
	char *res = NULL;
	size_t res_len = 0;
	const char *in = "\"Once upon a time\"";
	st = llmspell_agent_execute(e, "teller", in, strlen(in), NULL, &res, &res_len, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_CONTAINS(res, "\"tool_calls\":[{");
	CHECK_CONTAINS(res, "\"name\":\"uuid_generator\"");
	CHECK_CONTAINS(res, "\"provider\":\"local\"");
	CHECK(res == NULL || strlen(res) == res_len);
	llmspell_free(res);

	/* callback stream: deltas on the calling thread, NUL-terminated */
	struct delta_log log = {.caller = pthread_self()};
	in = "{\"text\":\"The little dog\"}";
	st = llmspell_agent_stream(e, "teller", in, strlen(in), NULL, count_delta, &log, &res, &res_len, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK(log.count >= 2);
	CHECK(log.bytes > 0);
	CHECK(!log.wrong_thread);
	CHECK(!log.bad_text);
	llmspell_free(res);
	int seen = 0;
	st = llmspell_agent_stream(e, "teller", in, strlen(in), NULL, stop_after_one, &seen, NULL, NULL, &err);
	expect_status(st, LLMSPELL_ERR_CANCELLED, &err);
	CHECK(seen == 1);

	/* pull stream: read to the end, then the result */
	llmspell_delta_stream *s = NULL;
	st = llmspell_agent_stream_open(e, "teller", in, strlen(in), NULL, &s, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	size_t total = 0;
	int deltas = 0;
	for (int i = 0; i < 10000 && st == LLMSPELL_OK; i++) {
		char *text = NULL;
		size_t len = 0;
		st = llmspell_delta_stream_next(s, 60000, &text, &len, &err);
		CHECK_STATUS(st, LLMSPELL_OK, err);
		if (text == NULL)
			break;
		total += len;
		deltas++;
		llmspell_free(text);
	}
	CHECK(deltas >= 2 && total > 0);
	st = llmspell_delta_stream_result(s, &res, &res_len, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_CONTAINS(res, "\"finish_reason\"");
	llmspell_free(res);
	llmspell_delta_stream_free(s);
	llmspell_delta_stream_free(s); /* double free ignored */
	llmspell_delta_stream_free(NULL);
	char *text = NULL;
	st = llmspell_delta_stream_next(s, 0, &text, NULL, &err);
	expect_status(st, LLMSPELL_ERR_CLOSED, &err);

	/* cancel from another thread while this one reads */
	const char *long_conf = "{\"name\":\"long\",\"max_tokens\":400,\"temperature\":0}";
	st = llmspell_agent_create(e, long_conf, strlen(long_conf), NULL, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	st = llmspell_agent_stream_open(e, "long", "\"Once\"", 6, NULL, &s, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, cancel_stream_main, s) == 0);
	llmspell_status last = LLMSPELL_OK;
	for (int i = 0; i < 10000; i++) {
		text = NULL;
		last = llmspell_delta_stream_next(s, 60000, &text, NULL, &err);
		if (last != LLMSPELL_OK || text == NULL)
			break;
		llmspell_free(text);
		sleep_ms(1);
	}
	void *cancel_st = NULL;
	pthread_join(th, &cancel_st);
	CHECK((intptr_t)cancel_st == LLMSPELL_OK);
	expect_status(last, LLMSPELL_ERR_CANCELLED, &err);
	llmspell_delta_stream_free(s);

	/* memory: saved to state, cleared, loaded back. (Reopening the engine
	 * and loading is tested from Go: reading recovered pebble data here
	 * shows a 240-byte LSan report from pebble's manual allocator that is
	 * not the agents' doing; see the issue notes.) */
	st = llmspell_agent_save_state(e, "teller", &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	char *hist = NULL;
	st = llmspell_agent_history(e, "teller", &hist, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_CONTAINS(hist, "\"role\":\"tool\"");
	st = llmspell_agent_clear_history(e, "teller", &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	int32_t found = 0;
	st = llmspell_agent_load_state(e, "teller", &found, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK(found == 1);
	char *hist2 = NULL;
	st = llmspell_agent_history(e, "teller", &hist2, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_STR(hist2, hist);
	llmspell_free(hist2);
	llmspell_free(hist);

	/* bad input: clear errors, nothing written to the outputs */
	res = (char *)&res;
	st = llmspell_agent_execute(e, NULL, "\"hi\"", 4, NULL, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	CHECK(res == NULL);
	st = llmspell_agent_execute(e, "ghost", "\"hi\"", 4, NULL, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_NOT_FOUND, &err);
	st = llmspell_agent_execute(e, "teller", "{\"text\":", 8, NULL, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	st = llmspell_agent_execute(e, "teller", "\"hi\"", 4, NULL, NULL, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	st = llmspell_agent_stream(e, "teller", "\"hi\"", 4, NULL, NULL, NULL, NULL, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	st = llmspell_agent_stream_open(e, "teller", "\"hi\"", 4, NULL, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	const char *bad = "{\"name\":\"x\",\"tools\":[\"nope\"]}";
	st = llmspell_agent_create(e, bad, strlen(bad), NULL, NULL, &err);
	expect_status(st, LLMSPELL_ERR_NOT_FOUND, &err);
	char *provs = NULL;
	st = llmspell_provider_list(e, &provs, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_CONTAINS(provs, "\"name\":\"local\"");
	llmspell_free(provs);
	llmspell_engine_free(e);
	st = llmspell_agent_execute(e, "teller", "\"hi\"", 4, NULL, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_CLOSED, &err);
	remove_tree(dir);
}

/* ---- workflows ---------------------------------------------------------- */

/* json_str copies the string value of the first "key":"..." in json into
 * out (empty when absent). */
static void json_str(const char *json, const char *key, char *out, size_t n)
{
	char pat[128];
	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	out[0] = '\0';
	const char *p = json ? strstr(json, pat) : NULL;
	if (p == NULL)
		return;
	p += strlen(pat);
	size_t i = 0;
	while (p[i] != '\0' && p[i] != '"' && i + 1 < n) {
		out[i] = p[i];
		i++;
	}
	out[i] = '\0';
}

typedef struct {
	llmspell_engine *engine;
	llmspell_run *token;
	atomic_int started;
	llmspell_status st;
	char *result;
	llmspell_error *err;
	double finished_at;
} bg_workflow;

static void *bg_workflow_main(void *p)
{
	bg_workflow *b = p;
	atomic_store(&b->started, 1);
	b->st = llmspell_workflow_execute(b->engine, "long", NULL, 0, NULL, 0, b->token, &b->result, NULL,
					  &b->err);
	b->finished_at = now_s();
	return NULL;
}

static void test_workflows(void)
{
	char *dir = make_temp_dir();
	char cfg[4300];
	pebble_config(cfg, sizeof cfg, dir);
	llmspell_engine *e = new_engine(cfg);
	if (e == NULL) {
		remove_tree(dir);
		return;
	}
	llmspell_error *err = NULL;
	/* a C tool, used below as a function step */
	const char *spec = "{\"name\":\"wf_add\",\"description\":\"adds\",\"parameters\":{\"type\":\"object\","
			   "\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"integer\"}},"
			   "\"required\":[\"a\",\"b\"]}}";
	llmspell_status st = llmspell_tool_register(e, spec, strlen(spec), c_tool, NULL, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);

	/* data flow: a uuid, its hash, the C function of the input, a pause
	 * for human input, then the C function of the answer */
	const char *def =
	    "{\"name\":\"flow\",\"type\":\"sequential\",\"steps\":["
	    "{\"name\":\"id\",\"tool\":\"uuid_generator\",\"input\":{}},"
	    "{\"name\":\"digest\",\"tool\":\"hash_calculator\","
	    "\"input\":{\"input\":\"{{steps.id.output.uuid}}\",\"algorithm\":\"sha256\"}},"
	    "{\"name\":\"add\",\"type\":\"function\",\"function\":\"wf_add\",\"input\":{\"a\":\"{{input.n}}\",\"b\":1}},"
	    "{\"name\":\"ask\",\"type\":\"input\",\"prompt\":\"how much more?\"},"
	    "{\"name\":\"more\",\"type\":\"function\",\"function\":\"wf_add\","
	    "\"input\":{\"a\":\"{{steps.add.output}}\",\"b\":\"{{steps.ask.output.extra}}\"}}]}";
	char *name = NULL;
	size_t name_len = 0;
	st = llmspell_workflow_create(e, def, strlen(def), &name, &name_len, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_STR(name, "flow");
	CHECK(name_len == 4);
	llmspell_free(name);

	const char *opts = "{\"run_id\":\"wf-run-1\"}";
	char *res = NULL;
	size_t res_len = 0;
	st = llmspell_workflow_execute(e, "flow", "{\"n\":41}", 8, opts, strlen(opts), NULL, &res, &res_len, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK(res != NULL && strlen(res) == res_len);
	CHECK_CONTAINS(res, "\"status\":\"waiting_input\"");
	CHECK_CONTAINS(res, "\"pending_step\":\"ask\"");
	CHECK_CONTAINS(res, "\"prompt\":\"how much more?\"");
	CHECK_CONTAINS(res, "\"run_id\":\"wf-run-1\"");
	CHECK_CONTAINS(res, "\"output\":42"); /* the C step's output: 41 + 1 */
	/* the hash step hashed the uuid step's output */
	char uuid[64], hash[80];
	json_str(res, "uuid", uuid, sizeof uuid);
	json_str(res, "hash", hash, sizeof hash);
	CHECK(strlen(uuid) == 36 && strlen(hash) == 64);
	llmspell_free(res);
	char params[160];
	snprintf(params, sizeof params, "{\"input\":\"%s\",\"algorithm\":\"sha256\"}", uuid);
	char *env = NULL;
	st = llmspell_tool_invoke(e, "hash_calculator", params, strlen(params), &env, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_CONTAINS(env, hash);
	llmspell_free(env);

	/* resume with the answer: the finished steps are restored, not rerun */
	st = llmspell_workflow_resume(e, "wf-run-1", "{\"extra\":100}", 13, NULL, &res, &res_len, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK(res != NULL && strlen(res) == res_len);
	CHECK_CONTAINS(res, "\"status\":\"completed\"");
	CHECK_CONTAINS(res, "\"success\":true");
	CHECK_CONTAINS(res, "\"output\":142,\"run_id\"");
	CHECK_CONTAINS(res, "\"restored\":true");
	char uuid2[64];
	json_str(res, "uuid", uuid2, sizeof uuid2);
	CHECK_STR(uuid2, uuid);
	llmspell_free(res);
	/* a completed run is not resumed again */
	st = llmspell_workflow_resume(e, "wf-run-1", "1", 1, NULL, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_CONFLICT, &err);
	CHECK(res == NULL);

	/* the run record */
	char *rec = NULL;
	size_t rec_len = 0;
	st = llmspell_workflow_run_record(e, "wf-run-1", &rec, &rec_len, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK(rec != NULL && strlen(rec) == rec_len);
	CHECK_CONTAINS(rec, "\"status\":\"completed\"");
	CHECK_CONTAINS(rec, "\"workflow\":\"flow\"");
	CHECK_CONTAINS(rec, "\"input\":{\"n\":41}");
	CHECK_CONTAINS(rec, "\"path\":\"more\"");
	llmspell_free(rec);

	/* list, info, wrap_as_tool, remove */
	const char *twice = "{\"name\":\"twice\",\"description\":\"doubles n\",\"steps\":[{\"name\":\"sum\","
			    "\"type\":\"function\",\"function\":\"wf_add\",\"input\":{\"a\":\"{{input.n}}\",\"b\":\"{{input.n}}\"}}]}";
	st = llmspell_workflow_create(e, twice, strlen(twice), NULL, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	char *list = NULL;
	size_t list_len = 0;
	st = llmspell_workflow_list(e, &list, &list_len, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK(list != NULL && strlen(list) == list_len && list[0] == '[');
	CHECK_CONTAINS(list, "\"name\":\"flow\"");
	CHECK_CONTAINS(list, "\"name\":\"twice\"");
	llmspell_free(list);
	char *info = NULL;
	st = llmspell_workflow_info(e, "twice", &info, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_CONTAINS(info, "\"definition\":{");
	CHECK_CONTAINS(info, "\"serializable\":true");
	CHECK_CONTAINS(info, "\"type\":\"sequential\"");
	llmspell_free(info);
	char *tname = NULL;
	size_t tname_len = 0;
	const char *wopts = "{\"tool_name\":\"twice_tool\"}";
	st = llmspell_workflow_wrap_as_tool(e, "twice", wopts, strlen(wopts), &tname, &tname_len, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_STR(tname, "twice_tool");
	CHECK(tname_len == 10);
	llmspell_free(tname);
	st = llmspell_tool_invoke(e, "twice_tool", "{\"input\":{\"n\":21}}", 18, &env, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK_CONTAINS(env, "\"success\":true");
	CHECK_CONTAINS(env, "\"output\":42");
	llmspell_free(env);
	st = llmspell_workflow_wrap_as_tool(e, "twice", wopts, strlen(wopts), NULL, NULL, &err);
	expect_status(st, LLMSPELL_ERR_CONFLICT, &err);
	int32_t removed = -1;
	st = llmspell_workflow_remove(e, "twice", &removed, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK(removed == 1);
	st = llmspell_workflow_remove(e, "twice", &removed, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	CHECK(removed == 0);
	info = (char *)&info;
	st = llmspell_workflow_info(e, "twice", &info, NULL, &err);
	expect_status(st, LLMSPELL_ERR_NOT_FOUND, &err);
	CHECK(info == NULL);
	/* the wrapped tool outlives its workflow and says so */
	st = llmspell_tool_invoke(e, "twice_tool", "{\"input\":{\"n\":1}}", 17, &env, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_ERR_NOT_FOUND, err);
	CHECK_CONTAINS(llmspell_error_message(err), "was removed");
	llmspell_error_free(err);
	err = NULL;
	llmspell_free(env);

	/* a run token cancelled from another thread stops a long loop */
	const char *long_def = "{\"name\":\"long\",\"type\":\"loop\",\"iterator\":{\"while_condition\":\"true\","
			       "\"max_iterations\":100000},\"aggregate\":\"none\","
			       "\"body\":[{\"name\":\"u\",\"tool\":\"uuid_generator\"}]}";
	st = llmspell_workflow_create(e, long_def, strlen(long_def), NULL, NULL, &err);
	CHECK_STATUS(st, LLMSPELL_OK, err);
	llmspell_run *tok = NULL;
	CHECK_STATUS(llmspell_run_new(e, &tok, &err), LLMSPELL_OK, err);
	bg_workflow b = {.engine = e, .token = tok};
	pthread_t th;
	CHECK(pthread_create(&th, NULL, bg_workflow_main, &b) == 0);
	while (!atomic_load(&b.started))
		sleep_ms(1);
	sleep_ms(100);
	double t_cancel = now_s();
	CHECK_STATUS(llmspell_run_cancel(tok, &err), LLMSPELL_OK, err);
	pthread_join(th, NULL);
	CHECK_STATUS(b.st, LLMSPELL_ERR_CANCELLED, b.err);
	CHECK(b.result == NULL);
	CHECKF(b.finished_at - t_cancel < 1.0, "cancel took %.3f s", b.finished_at - t_cancel);
	printf("    loop workflow cancelled; returned %.2f ms after llmspell_run_cancel\n",
	       (b.finished_at - t_cancel) * 1e3);
	llmspell_error_free(b.err);
	llmspell_free(b.result);
	/* the token stays cancelled for later runs */
	st = llmspell_workflow_execute(e, "flow", "{\"n\":1}", 7, NULL, 0, tok, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_CANCELLED, &err);
	llmspell_run_free(tok);

	/* bad input: clear errors, nothing written to the outputs */
	res = (char *)&res;
	st = llmspell_workflow_execute(e, NULL, NULL, 0, NULL, 0, NULL, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	CHECK(res == NULL);
	st = llmspell_workflow_execute(e, "flow", NULL, 0, NULL, 0, NULL, NULL, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	st = llmspell_workflow_resume(e, "wf-run-1", NULL, 0, NULL, NULL, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	st = llmspell_workflow_run_record(e, "wf-run-1", NULL, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	st = llmspell_workflow_execute(e, "ghost", NULL, 0, NULL, 0, NULL, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_NOT_FOUND, &err);
	st = llmspell_workflow_execute(e, "flow", "{\"n\":", 5, NULL, 0, NULL, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	st = llmspell_workflow_execute(e, "flow", NULL, 0, "{\"colour\":1}", 12, NULL, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	st = llmspell_workflow_execute(e, "flow", "{\"n\":1}", 7, opts, strlen(opts), NULL, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_CONFLICT, &err); /* run_id in use */
	CHECK(res == NULL);
	st = llmspell_workflow_resume(e, "nope", "1", 1, NULL, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_NOT_FOUND, &err);
	st = llmspell_workflow_run_record(e, "nope", &rec, NULL, &err);
	expect_status(st, LLMSPELL_ERR_NOT_FOUND, &err);
	CHECK(rec == NULL);
	st = llmspell_workflow_run_record(e, "no/slash", &rec, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	static const struct {
		const char *def;
		llmspell_status want;
		const char *msg;
	} bad[] = {
	    {"{\"name\":\"x\",\"steps\":[", LLMSPELL_ERR_INVALID_ARGUMENT, NULL},
	    {"[1]", LLMSPELL_ERR_INVALID_ARGUMENT, NULL},
	    {"{\"name\":\"x\",\"steps\":[{\"name\":\"s\",\"tool\":\"nope\"}]}", LLMSPELL_ERR_NOT_FOUND, "no tool named"},
	    {"{\"name\":\"x\",\"steps\":[{\"name\":\"s\",\"type\":\"function\",\"function\":\"nope\"}]}",
	     LLMSPELL_ERR_NOT_FOUND, "no tool named"},
	    {"{\"name\":\"x\",\"type\":\"loop\",\"iterator\":{\"while_condition\":\"true\"},"
	     "\"body\":[{\"name\":\"s\",\"tool\":\"uuid_generator\"}]}",
	     LLMSPELL_ERR_INVALID_ARGUMENT, "max_iterations"},
	    {"{\"name\":\"x\",\"steps\":[{\"name\":\"s\",\"tool\":\"hash_calculator\",\"input\":{\"input\":"
	     "\"{{steps.later.output}}\"}},{\"name\":\"later\",\"tool\":\"uuid_generator\"}]}",
	     LLMSPELL_ERR_INVALID_ARGUMENT, "later"},
	    {"{\"name\":\"x\",\"steps\":[{\"name\":\"s\",\"tool\":\"uuid_generator\",\"when\":\"steps.s.output ==\"}]}",
	     LLMSPELL_ERR_INVALID_ARGUMENT, "expression"},
	    {"{\"name\":\"x\",\"colour\":\"red\",\"steps\":[{\"name\":\"s\",\"tool\":\"uuid_generator\"}]}",
	     LLMSPELL_ERR_INVALID_ARGUMENT, "unknown key"},
	    {"{\"name\":\"flow\",\"steps\":[{\"name\":\"s\",\"tool\":\"uuid_generator\"}]}", LLMSPELL_ERR_CONFLICT, NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		name = (char *)&name;
		st = llmspell_workflow_create(e, bad[i].def, strlen(bad[i].def), &name, NULL, &err);
		CHECK_STATUS(st, bad[i].want, err);
		CHECKF(name == NULL, "bad[%zu]: name_out written", i);
		if (bad[i].msg != NULL && err != NULL)
			CHECK_CONTAINS(llmspell_error_message(err), bad[i].msg);
		llmspell_error_free(err);
		err = NULL;
	}
	st = llmspell_workflow_create(e, NULL, 0, NULL, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	st = llmspell_workflow_remove(e, NULL, NULL, &err);
	expect_status(st, LLMSPELL_ERR_INVALID_ARGUMENT, &err);
	CHECK(llmspell_workflow_list(e, NULL, NULL, NULL) == LLMSPELL_ERR_INVALID_ARGUMENT);

	/* after the engine is freed every call is closed */
	llmspell_engine_free(e);
	st = llmspell_workflow_execute(e, "flow", NULL, 0, NULL, 0, NULL, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_CLOSED, &err);
	CHECK(res == NULL);
	st = llmspell_workflow_create(e, twice, strlen(twice), NULL, NULL, &err);
	expect_status(st, LLMSPELL_ERR_CLOSED, &err);
	st = llmspell_workflow_resume(e, "wf-run-1", "1", 1, NULL, &res, NULL, &err);
	expect_status(st, LLMSPELL_ERR_CLOSED, &err);
	st = llmspell_workflow_list(e, &list, NULL, &err);
	expect_status(st, LLMSPELL_ERR_CLOSED, &err);
	CHECK(list == NULL);
	st = llmspell_workflow_run_record(e, "wf-run-1", &rec, NULL, &err);
	expect_status(st, LLMSPELL_ERR_CLOSED, &err);
	remove_tree(dir);
}

static const struct {
	const char *name;
	void (*fn)(void);

} tests[] = {
#define T(f) {#f, f}
    T(test_version),
    T(test_status_names),
    T(test_engine_new_null_config),
    T(test_engine_new_empty_object),
    T(test_engine_new_bad_config),
    T(test_engine_data_dir_is_file),
    T(test_engine_pebble),
    T(test_engine_same_data_dir),
    T(test_lua_js_same_json),
    T(test_captured_output),
    T(test_syntax_error_details),
    T(test_return_function),
    T(test_output_limit),
    T(test_null_arguments),
    T(test_bad_run_inputs),
    T(test_use_after_free),
    T(test_double_free),
    T(test_free_null_and_foreign),
    T(test_forged_handles),
    T(test_timeout),
    T(test_cancel_from_thread),
    T(test_concurrent_runs),
    T(test_free_engine_during_run),
    T(test_free_race),
    T(test_token_outlives_engine),
    T(test_token_freed_during_run),
    T(test_vectors_by_hand),
    T(test_js_timeout_repeated),
    T(test_lua_timeout_repeated),
    T(test_hooks_events_tools),
    T(test_hook_metrics_records),
    T(test_agents),
    T(test_workflows),
#undef T
};

/*
 * The watchdog: a test still running after LLMSPELL_TEST_DEADLINE seconds
 * (default 60) is reported as hung, and the process exits with the summary
 * line, since a hung Go runtime cannot be recovered from inside the process.
 */
static atomic_llong g_deadline_ms; /* CLOCK_MONOTONIC ms; 0 = no test running */

static void *watchdog_main(void *arg)
{
	(void)arg;
	for (;;) {
		sleep_ms(100);
		long long d = atomic_load(&g_deadline_ms);
		if (d != 0 && (long long)(now_s() * 1e3) > d) {
			pthread_mutex_lock(&g_print_mu);
			printf("FAIL %s (hung: still running at the deadline; giving up)\n", g_test_name);
			printf("%d passed, %d failed\n", g_passed, g_failed + 1);
			fflush(stdout);
			_exit(1);
		}
	}
	return NULL;
}

/* selected reports whether the test called name runs under filter. */
static bool selected(const char *name, const char *filter)
{
	if (filter == NULL)
		return true;
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		if (strcmp(tests[i].name, filter) == 0)
			return strcmp(name, filter) == 0;
	return strstr(name, filter) != NULL;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	const char *dl = getenv("LLMSPELL_TEST_DEADLINE");
	double deadline_s = dl && atof(dl) > 0 ? atof(dl) : 60;
	setvbuf(stdout, NULL, _IONBF, 0);
	lsan_ignore_static_strings();
	pthread_t wd;
	if (pthread_create(&wd, NULL, watchdog_main, NULL) != 0) {
		perror("pthread_create");
		return 2;
	}
	pthread_detach(wd);
	printf("llmspell %s (ABI %u), header %s\n", llmspell_version(), llmspell_abi_version(),
	       LLMSPELL_VERSION_STRING);
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		if (!selected(tests[i].name, filter))
			continue;
		g_test_name = tests[i].name;
		atomic_store(&g_test_failures, 0);
		double t0 = now_s();
		atomic_store(&g_deadline_ms, (long long)((t0 + deadline_s) * 1e3));
		tests[i].fn();
		atomic_store(&g_deadline_ms, 0);
		double dt = now_s() - t0;
		pthread_mutex_lock(&g_print_mu);
		if (atomic_load(&g_test_failures) == 0) {
			g_passed++;
			printf("ok   %s (%.2f s)\n", tests[i].name, dt);
		} else {
			g_failed++;
			printf("FAIL %s (%.2f s)\n", tests[i].name, dt);
		}
		pthread_mutex_unlock(&g_print_mu);
	}
	printf("%d passed, %d failed\n", g_passed, g_failed);
	if (g_passed + g_failed == 0) {
		fprintf(stderr, "no test matches \"%s\"\n", filter);
		return 2;
	}
	return g_failed == 0 ? 0 : 1;
}
