/*
 * hello.c - the smallest complete use of libllmspell from C: create an
 * engine, run a Lua spell, print its result and output, free everything.
 *
 * Build against an installed tree:
 *   cc hello.c $(pkg-config --cflags --libs llmspell) -o hello
 * or with CMake: find_package(llmspell 0.1 REQUIRED) and
 * target_link_libraries(hello PRIVATE llmspell::llmspell).
 */
#include <llmspell.h>

#include <stdio.h>
#include <string.h>

/* report prints a failed call's error and frees it. */
static int report(const char *what, llmspell_status st, llmspell_error *err)
{
	fprintf(stderr, "%s failed: %s (%s)\n", what, llmspell_error_message(err),
	        llmspell_status_name(st));
	llmspell_error_free(err);
	return 1;
}

int main(void)
{
	if (llmspell_abi_version() != LLMSPELL_ABI_VERSION) {
		fprintf(stderr, "libllmspell ABI %u, header ABI %d\n", llmspell_abi_version(),
		        LLMSPELL_ABI_VERSION);
		return 1;
	}

	/* An in-memory engine with default settings. */
	llmspell_engine *engine = NULL;
	llmspell_error *err = NULL;
	llmspell_status st = llmspell_engine_new(NULL, 0, &engine, &err);
	if (st != LLMSPELL_OK)
		return report("llmspell_engine_new", st, err);

	const char *spell = "print('hello from ' .. _VERSION)\n"
	                    "return {greeting = 'hello, ' .. ARGS.name, answer = 6 * 7}";
	const char *args = "{\"name\":\"world\"}";
	char *result = NULL, *output = NULL;
	st = llmspell_engine_run(engine, "lua", spell, strlen(spell), args, strlen(args),
	                         NULL, 0,       /* default options */
	                         NULL,          /* no run token: not cancellable */
	                         &result, NULL, /* result JSON */
	                         &output, NULL, /* what the spell printed */
	                         &err);
	if (st != LLMSPELL_OK) {
		llmspell_free(output);
		llmspell_engine_free(engine);
		return report("llmspell_engine_run", st, err);
	}

	printf("llmspell %s\n", llmspell_version());
	printf("output: %s", output);
	printf("result: %s\n", result);

	/* Buffers go back to the library, never to free(). */
	llmspell_free(result);
	llmspell_free(output);
	llmspell_engine_free(engine);
	return 0;
}
