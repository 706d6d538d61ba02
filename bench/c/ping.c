/*
 * ping.c measures the C ABI from C and prints one JSON object (used by
 * `make bench`, see bench/cmd/report):
 *
 *   first_call_us        the first call into the library, timed from the
 *                        start of main: it waits for the Go runtime and
 *                        package initialisation that loading started
 *   rss_loaded_kb        VmRSS after that first call, before any engine
 *                        (also _anon_kb and _file_kb: RssAnon, RssFile)
 *   rss_engine_kb        VmRSS right after llmspell_engine_new("{}")
 *   rss_warm_kb          VmRSS after one Lua and one JS run and a pause
 *                        (the runtime pool is then filled)
 *   rss_peak_kb          VmHWM at the end of the whole benchmark
 *   engine_new_first_us  the first llmspell_engine_new
 *   engine_new_free_us   llmspell_engine_new + llmspell_engine_free, warm
 *   version_ns           llmspell_version_number: the bare C-to-Go call
 *   ping_ns              llmspell_engine_ping(e, NULL): call + handle lookup
 *   ping_err_ns          llmspell_engine_ping(e, &err)
 *   run_lua_empty_us     llmspell_engine_run(e, "lua", "") + llmspell_free
 *   run_js_empty_us      the same in JS
 *   run_lua_return1_us   "return 1" in Lua (a result to encode)
 *   run_js_return1_us    "return 1" in JS
 *   event_pull_us        llmspell_event_publish + llmspell_subscription_next
 *                        on one pull subscription (both JSON strings freed)
 *   event_callback_us    per event: llmspell_event_publish of a burst,
 *                        until the dispatcher has called the callback for
 *                        every one (the C callback path, end to end)
 *   tool_invoke_us       llmspell_tool_invoke("uuid_generator", "{}")
 *   workflow_seq10_us    llmspell_workflow_execute of a sequential workflow
 *                        of 10 uuid_generator steps, each referencing the
 *                        one before (memory store; result freed)
 *
 * Each timed figure is the best of 3 rounds of the mean time per call.
 * Build: cc -O2 -I build/include bench/c/ping.c -L build/lib -lllmspell
 *        -Wl,-rpath,$PWD/build/lib -o build/bench/ping
 * Usage: ping [scale]   (scale multiplies the iteration counts; default 1)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llmspell.h"

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* status_kb returns a "Vm...:" field of /proc/self/status in kB, or -1. */
static long status_kb(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kb = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

static void die(const char *what, llmspell_status st, llmspell_error *err) {
    fprintf(stderr, "ping: %s failed: %s: %s\n", what, llmspell_status_name(st),
            err ? llmspell_error_message(err) : "");
    llmspell_error_free(err);
    exit(1);
}

static llmspell_engine *engine_new(void) {
    llmspell_engine *e = NULL;
    llmspell_error *err = NULL;
    llmspell_status st = llmspell_engine_new("{}", 2, &e, &err);
    if (st != LLMSPELL_OK) die("llmspell_engine_new", st, err);
    return e;
}

static void run(llmspell_engine *e, const char *lang, const char *src) {
    char *res = NULL;
    llmspell_error *err = NULL;
    llmspell_status st = llmspell_engine_run(e, lang, src, strlen(src), NULL, 0, NULL, 0, NULL,
                                             &res, NULL, NULL, NULL, &err);
    if (st != LLMSPELL_OK) die("llmspell_engine_run", st, err);
    llmspell_free(res);
}

/* The timed bodies. Globals keep the compiler from hoisting anything. */
static llmspell_engine *g_engine;
static volatile unsigned g_sink;

static void body_version(void) { g_sink += llmspell_version_number(); }
static void body_ping(void) {
    if (llmspell_engine_ping(g_engine, NULL) != LLMSPELL_OK) die("ping", 1, NULL);
}
static void body_ping_err(void) {
    llmspell_error *err = NULL;
    llmspell_status st = llmspell_engine_ping(g_engine, &err);
    if (st != LLMSPELL_OK) die("ping", st, err);
}
static void body_run_lua_empty(void) { run(g_engine, "lua", ""); }
static void body_run_js_empty(void) { run(g_engine, "js", ""); }
static void body_run_lua_return1(void) { run(g_engine, "lua", "return 1"); }
static void body_run_js_return1(void) { run(g_engine, "js", "return 1"); }
static void body_engine_new_free(void) { llmspell_engine_free(engine_new()); }

static llmspell_subscription *g_pull;
static void body_event_pull(void) {
    llmspell_error *err = NULL;
    char *ev = NULL;
    llmspell_status st = llmspell_event_publish(g_engine, "bench.pull", "{\"n\":1}", 7, NULL, 0,
                                                NULL, NULL, &err);
    if (st != LLMSPELL_OK) die("llmspell_event_publish", st, err);
    st = llmspell_subscription_next(g_pull, 1000, &ev, NULL, &err);
    if (st != LLMSPELL_OK || ev == NULL) die("llmspell_subscription_next", st, err);
    llmspell_free(ev);
}

/* The callback path: a burst of publishes, then wait for the dispatcher to
 * deliver all of them. The counter is written on the dispatcher thread. */
static unsigned long g_delivered;
static void on_event(void *user_data, const char *json, size_t len) {
    (void)user_data;
    (void)json;
    (void)len;
    __atomic_add_fetch(&g_delivered, 1, __ATOMIC_RELEASE);
}
#define CALLBACK_BURST 256
static void body_event_callback_burst(void) {
    unsigned long target = __atomic_load_n(&g_delivered, __ATOMIC_ACQUIRE) + CALLBACK_BURST;
    for (int i = 0; i < CALLBACK_BURST; i++) {
        llmspell_error *err = NULL;
        llmspell_status st = llmspell_event_publish(g_engine, "bench.callback", NULL, 0, NULL, 0,
                                                    NULL, NULL, &err);
        if (st != LLMSPELL_OK) die("llmspell_event_publish", st, err);
    }
    struct timespec nap = {0, 20 * 1000};
    double deadline = now_ns() + 10e9;
    while (__atomic_load_n(&g_delivered, __ATOMIC_ACQUIRE) < target) {
        if (now_ns() > deadline) die("event callback delivery (10 s)", 1, NULL);
        nanosleep(&nap, NULL);
    }
}

static void body_tool_invoke(void) {
    char *env = NULL;
    llmspell_error *err = NULL;
    llmspell_status st = llmspell_tool_invoke(g_engine, "uuid_generator", "{}", 2, &env, NULL, &err);
    if (st != LLMSPELL_OK) die("llmspell_tool_invoke", st, err);
    llmspell_free(env);
}

static void body_workflow_seq10(void) {
    char *res = NULL;
    llmspell_error *err = NULL;
    llmspell_status st = llmspell_workflow_execute(g_engine, "seq10", NULL, 0, NULL, 0, NULL, &res, NULL, &err);
    if (st != LLMSPELL_OK) die("llmspell_workflow_execute", st, err);
    if (strstr(res, "\"success\":true") == NULL) die("workflow seq10 (no success)", 1, NULL);
    llmspell_free(res);
}

/* workflow_seq10_create registers "seq10" on g_engine. */
static void workflow_seq10_create(void) {
    char def[2048];
    int n = snprintf(def, sizeof def, "{\"name\":\"seq10\",\"type\":\"sequential\",\"steps\":[");
    for (int i = 0; i < 10; i++) {
        if (i == 0)
            n += snprintf(def + n, sizeof def - n, "{\"name\":\"s0\",\"tool\":\"uuid_generator\",\"input\":{}}");
        else
            n += snprintf(def + n, sizeof def - n,
                          ",{\"name\":\"s%d\",\"tool\":\"uuid_generator\","
                          "\"input\":{\"version\":\"{{steps.s%d.output.version}}\"}}",
                          i, i - 1);
    }
    n += snprintf(def + n, sizeof def - n, "]}");
    llmspell_error *err = NULL;
    llmspell_status st = llmspell_workflow_create(g_engine, def, (size_t)n, NULL, NULL, &err);
    if (st != LLMSPELL_OK) die("llmspell_workflow_create", st, err);
}

static void body_agent_basic(void) {
    char *res = NULL;
    llmspell_error *err = NULL;
    llmspell_status st = llmspell_agent_execute(g_engine, "echo", "\"hi\"", 4, NULL, &res, NULL, &err);
    if (st != LLMSPELL_OK) die("llmspell_agent_execute", st, err);
    llmspell_free(res);
}

static long g_deltas;
static int32_t on_delta(void *ud, const char *text, size_t len) {
    (void)ud;
    (void)text;
    (void)len;
    g_deltas++;
    return 0;
}

/* an agent on the report's loopback OpenAI server (10 SSE deltas per
 * answer), streamed through the callback */
static llmspell_engine *g_model_engine;
static void body_agent_stream_loop(void) {
    llmspell_error *err = NULL;
    llmspell_status st = llmspell_agent_stream(g_model_engine, "looper", "\"hi\"", 4, NULL, on_delta, NULL,
                                               NULL, NULL, &err);
    if (st != LLMSPELL_OK) die("llmspell_agent_stream", st, err);
}

/* the same, pulled delta by delta */
static void body_agent_pull_loop(void) {
    llmspell_error *err = NULL;
    llmspell_delta_stream *s = NULL;
    llmspell_status st = llmspell_agent_stream_open(g_model_engine, "looper", "\"hi\"", 4, NULL, &s, &err);
    if (st != LLMSPELL_OK) die("llmspell_agent_stream_open", st, err);
    for (;;) {
        char *text = NULL;
        st = llmspell_delta_stream_next(s, -1, &text, NULL, &err);
        if (st != LLMSPELL_OK) die("llmspell_delta_stream_next", st, err);
        if (text == NULL) break;
        g_deltas++;
        llmspell_free(text);
    }
    llmspell_delta_stream_free(s);
}

/* per_call_ns returns the best of 3 rounds of the mean ns per call. */
static double per_call_ns(void (*fn)(void), long n) {
    if (n < 1) n = 1;
    for (long i = 0; i < n / 10 + 1; i++) fn(); /* warm up */
    double best = 0;
    for (int r = 0; r < 3; r++) {
        double t0 = now_ns();
        for (long i = 0; i < n; i++) fn();
        double per = (now_ns() - t0) / (double)n;
        if (r == 0 || per < best) best = per;
    }
    return best;
}

int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    if (scale <= 0) scale = 1.0;
#define N(x) ((long)((x) * scale))

    double t0 = now_ns();
    g_sink += llmspell_version_number();
    double first_call_us = (now_ns() - t0) / 1e3;
    long rss_loaded = status_kb("VmRSS");
    long rss_loaded_anon = status_kb("RssAnon"), rss_loaded_file = status_kb("RssFile");

    t0 = now_ns();
    g_engine = engine_new();
    double first_us = (now_ns() - t0) / 1e3;
    long rss_engine = status_kb("VmRSS");
    long rss_engine_anon = status_kb("RssAnon"), rss_engine_file = status_kb("RssFile");
    run(g_engine, "lua", "return 1");
    run(g_engine, "js", "return 1");
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    long rss_warm = status_kb("VmRSS");
    long rss_warm_anon = status_kb("RssAnon"), rss_warm_file = status_kb("RssFile");

    double version_ns = per_call_ns(body_version, N(2000000));
    double ping_ns = per_call_ns(body_ping, N(1000000));
    double ping_err_ns = per_call_ns(body_ping_err, N(1000000));
    double lua_empty = per_call_ns(body_run_lua_empty, N(20000)) / 1e3;
    double js_empty = per_call_ns(body_run_js_empty, N(20000)) / 1e3;
    double lua_ret = per_call_ns(body_run_lua_return1, N(20000)) / 1e3;
    double js_ret = per_call_ns(body_run_js_return1, N(20000)) / 1e3;

    llmspell_error *err = NULL;
    llmspell_status st = llmspell_subscription_new(g_engine, "bench.pull", NULL, 0, &g_pull, &err);
    if (st != LLMSPELL_OK) die("llmspell_subscription_new", st, err);
    double event_pull = per_call_ns(body_event_pull, N(100000)) / 1e3;
    llmspell_subscription_free(g_pull);
    /* a buffer larger than the burst: nothing is dropped, every event is waited for */
    const char *cb_opts = "{\"buffer_size\":4096,\"policy\":\"block\"}";
    llmspell_subscription *cb = NULL;
    st = llmspell_event_subscribe_callback(g_engine, "bench.callback", cb_opts, strlen(cb_opts),
                                           on_event, NULL, NULL, &cb, &err);
    if (st != LLMSPELL_OK) die("llmspell_event_subscribe_callback", st, err);
    double event_cb = per_call_ns(body_event_callback_burst, N(200)) / CALLBACK_BURST / 1e3;
    llmspell_subscription_free(cb);
    double tool_invoke = per_call_ns(body_tool_invoke, N(50000)) / 1e3;
    workflow_seq10_create();
    double workflow_seq10 = per_call_ns(body_workflow_seq10, N(3000)) / 1e3;

    st = llmspell_agent_create(g_engine, "{\"name\":\"echo\",\"type\":\"basic\",\"memory\":-1}", 42, NULL, NULL, &err);
    if (st != LLMSPELL_OK) die("llmspell_agent_create", st, err);
    double agent_basic = per_call_ns(body_agent_basic, N(50000)) / 1e3;

    /* streaming from a loopback provider (the report serves it; -1 when
     * run without LLMSPELL_BENCH_OPENAI_URL) */
    double stream_cb = -1, stream_pull = -1;
    const char *url = getenv("LLMSPELL_BENCH_OPENAI_URL");
    if (url != NULL) {
        char mcfg[4300];
        snprintf(mcfg, sizeof mcfg,
                 "{\"providers\":{\"loop\":{\"type\":\"openai\",\"base_url\":\"%s\",\"default_model\":\"bench\",\"max_retries\":-1}}}",
                 url);
        st = llmspell_engine_new(mcfg, strlen(mcfg), &g_model_engine, &err);
        if (st != LLMSPELL_OK) die("llmspell_engine_new (loopback provider)", st, err);
        const char *conf = "{\"name\":\"looper\",\"model\":\"loop/bench\",\"memory\":-1}";
        st = llmspell_agent_create(g_model_engine, conf, strlen(conf), NULL, NULL, &err);
        if (st != LLMSPELL_OK) die("llmspell_agent_create (loopback)", st, err);
        stream_cb = per_call_ns(body_agent_stream_loop, N(3000)) / 1e3;
        stream_pull = per_call_ns(body_agent_pull_loop, N(3000)) / 1e3;
        llmspell_engine_free(g_model_engine);
    }

    double new_free = per_call_ns(body_engine_new_free, N(300)) / 1e3;
    llmspell_engine_free(g_engine);

    printf("{\"version\":\"%s\",\"first_call_us\":%.1f,"
           "\"rss_loaded_kb\":%ld,\"rss_loaded_anon_kb\":%ld,\"rss_loaded_file_kb\":%ld,"
           "\"rss_engine_kb\":%ld,\"rss_engine_anon_kb\":%ld,\"rss_engine_file_kb\":%ld,"
           "\"rss_warm_kb\":%ld,\"rss_warm_anon_kb\":%ld,\"rss_warm_file_kb\":%ld,"
           "\"rss_peak_kb\":%ld,\"engine_new_first_us\":%.1f,\"engine_new_free_us\":%.1f,"
           "\"version_ns\":%.1f,\"ping_ns\":%.1f,\"ping_err_ns\":%.1f,"
           "\"run_lua_empty_us\":%.2f,\"run_js_empty_us\":%.2f,"
           "\"run_lua_return1_us\":%.2f,\"run_js_return1_us\":%.2f,"
           "\"event_pull_us\":%.2f,\"event_callback_us\":%.3f,\"tool_invoke_us\":%.2f,"
           "\"workflow_seq10_us\":%.2f,"
           "\"agent_basic_us\":%.2f,\"agent_stream_loopback_callback_us\":%.2f,\"agent_stream_loopback_pull_us\":%.2f}\n",
           llmspell_version(), first_call_us, rss_loaded, rss_loaded_anon, rss_loaded_file,
           rss_engine, rss_engine_anon, rss_engine_file, rss_warm, rss_warm_anon, rss_warm_file,
           status_kb("VmHWM"), first_us,
           new_free, version_ns, ping_ns, ping_err_ns, lua_empty, js_empty, lua_ret, js_ret,
           event_pull, event_cb, tool_invoke, workflow_seq10, agent_basic, stream_cb, stream_pull);
    return 0;
}
