# llmspell-go build. `make` builds the shared library, the header and the CLI
# under build/; `make test` runs every suite; `make bench` prints the figures.
VERSION      := 0.1.0
SOVERSION    := 0
GO           ?= go
PREFIX       ?= /usr/local
BUILD        := build
LIBNAME      := libllmspell.so
LIBFILE      := $(BUILD)/lib/$(LIBNAME).$(VERSION)
GOFLAGS_TEST ?= -race -p 2
LDFLAGS_VER  := -X github.com/llmspell/llmspell-go/core/version.Version=$(VERSION)

.PHONY: lint all lib cli demo test test-go test-c test-python test-node test-rust test-spells bench install clean \
        check-abi test-install

all: lib cli

lib: $(LIBFILE)

$(LIBFILE): $(shell find core scripting capi include -name '*.go' -o -name '*.h' -o -name '*.map' 2>/dev/null) go.mod go.sum
	@mkdir -p $(BUILD)/lib $(BUILD)/include
	CGO_ENABLED=1 $(GO) build -buildmode=c-shared -trimpath \
	  -ldflags "$(LDFLAGS_VER) -extldflags '-Wl,-soname,$(LIBNAME).$(SOVERSION) -Wl,--version-script=$(CURDIR)/capi/llmspell.map'" \
	  -o $@ ./capi
	@rm -f $(BUILD)/lib/*.h
	ln -sf $(LIBNAME).$(VERSION) $(BUILD)/lib/$(LIBNAME).$(SOVERSION)
	ln -sf $(LIBNAME).$(SOVERSION) $(BUILD)/lib/$(LIBNAME)
	cp include/llmspell.h $(BUILD)/include/llmspell.h

# MODELS_DIR is where local models live (one folder per model); tests and
# the demo read stories260K from it.
MODELS_DIR ?= $(abspath ../shared/models)

# demo runs the sample spell on the embedded defaults: a pebble store in a
# local data folder, the in-process model (MODELS_DIR holds stories260K/),
# no API key, no network.
demo: cli
	LLMSPELL_MODELS_DIR=$${LLMSPELL_MODELS_DIR:-$(MODELS_DIR)} \
	  $(BUILD)/bin/llmspell --data-dir .llmspell-data run examples/storyteller.lua

cli:
	@mkdir -p $(BUILD)/bin
	$(GO) build -trimpath -ldflags "$(LDFLAGS_VER)" -o $(BUILD)/bin/llmspell ./cmd/llmspell

clean:
	rm -rf $(BUILD)

# ---- tests ---------------------------------------------------------------
# `make test` runs every suite: Go (race detector), C (ASan/UBSan), Python,
# Node, Rust, and the example spells through the CLI.
test: test-go test-c test-python test-node test-rust test-spells

test-go:
	$(GO) test $(GOFLAGS_TEST) ./...

test-python: lib
	cd bindings/python && python3 -m pytest -q tests

test-node: lib
	cd bindings/node && npm test

test-rust: lib
	cd bindings/rust && cargo test -j 2

test-spells: cli
	LLMSPELL_MODELS_DIR=$${LLMSPELL_MODELS_DIR:-$(MODELS_DIR)} sh tests/spells/run.sh $(BUILD)/bin/llmspell

# ---- C: ABI check, C tests, install ---------------------------------------
# check-abi: every declaration in the header documents Params/Returns/
# Ownership/Thread-safety, and the library exports exactly the header's
# functions (tests/c/check_header.sh).
check-abi: lib
	sh tests/c/check_header.sh include/llmspell.h $(LIBFILE)

# test-c builds tests/c/test_capi.c against build/include and build/lib only
# (rpath, no LD_LIBRARY_PATH) under AddressSanitizer and UBSan and runs it.
# Leak detection stays on: see the comment at the top of test_capi.c for the
# one allocation the test marks as not a leak. TEST_C_FILTER=<name> runs the
# test of that name only (or those whose name contains it).
TEST_C_FLAGS  := -std=c11 -Wall -Wextra -Wpedantic -Werror -g -O1 \
                 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TEST_C_BIN    := $(BUILD)/tests/c/test_capi
TEST_C_ENV    := LLMSPELL_MODELS_DIR=$${LLMSPELL_MODELS_DIR:-$(MODELS_DIR)} \
                 ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1 \
                 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

$(TEST_C_BIN): tests/c/test_capi.c $(LIBFILE)
	@mkdir -p $(@D)
	$(CC) $(TEST_C_FLAGS) -I$(BUILD)/include tests/c/test_capi.c -o $@ \
	  -L$(BUILD)/lib -lllmspell -Wl,-rpath,$(CURDIR)/$(BUILD)/lib -pthread

test-c: check-abi $(TEST_C_BIN)
	$(TEST_C_ENV) $(TEST_C_BIN) $(TEST_C_FILTER)

# install PREFIX=/opt/llmspell [DESTDIR=...]: the library with its SONAME
# links, the header, a CMake package (llmspell::llmspell) and a pkg-config
# file. Both package files find everything relative to themselves, so the
# installed tree can be moved.
VERSION_MAJOR := $(word 1,$(subst ., ,$(VERSION)))
INSTALL_ROOT   = $(DESTDIR)$(PREFIX)
install: lib
	install -d $(INSTALL_ROOT)/lib $(INSTALL_ROOT)/include \
	  $(INSTALL_ROOT)/lib/cmake/llmspell $(INSTALL_ROOT)/lib/pkgconfig
	install -m 0755 $(LIBFILE) $(INSTALL_ROOT)/lib/$(LIBNAME).$(VERSION)
	ln -sf $(LIBNAME).$(VERSION) $(INSTALL_ROOT)/lib/$(LIBNAME).$(SOVERSION)
	ln -sf $(LIBNAME).$(SOVERSION) $(INSTALL_ROOT)/lib/$(LIBNAME)
	install -m 0644 include/llmspell.h $(INSTALL_ROOT)/include/llmspell.h
	sed -e 's/@VERSION@/$(VERSION)/g' -e 's/@SOVERSION@/$(SOVERSION)/g' \
	  cmake/llmspellConfig.cmake.in > $(INSTALL_ROOT)/lib/cmake/llmspell/llmspellConfig.cmake
	sed -e 's/@VERSION@/$(VERSION)/g' -e 's/@VERSION_MAJOR@/$(VERSION_MAJOR)/g' \
	  cmake/llmspellConfigVersion.cmake.in > $(INSTALL_ROOT)/lib/cmake/llmspell/llmspellConfigVersion.cmake
	sed -e 's/@VERSION@/$(VERSION)/g' cmake/llmspell.pc.in > $(INSTALL_ROOT)/lib/pkgconfig/llmspell.pc
	chmod 0644 $(INSTALL_ROOT)/lib/cmake/llmspell/*.cmake $(INSTALL_ROOT)/lib/pkgconfig/llmspell.pc

# test-install: install into a temporary prefix, build and run
# examples/c/hello.c through the CMake package and through pkg-config, move
# the prefix, and do it again (tests/c/test_install.sh).
test-install: lib
	MAKE="$(MAKE)" CC="$(CC)" sh tests/c/test_install.sh

# lint: gofmt, go vet and staticcheck must all be clean.
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $(HOME)/go/bin/staticcheck)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

# ---- benchmarks ----------------------------------------------------------
# `make bench` runs the Go, C and binding benchmarks and prints one table
# (also written to bench/results/latest.md and .json); see docs/benchmarks.md.
# BENCHFLAGS passes flags to the runner, e.g. BENCHFLAGS='-skip rust,node'.
bench: lib cli
	$(GO) run ./bench/cmd/report $(BENCHFLAGS)
