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

.PHONY: lint all lib cli demo test test-go test-c test-python test-node test-rust test-spells bench install clean

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

# demo runs the sample spell on the embedded defaults: a pebble store in a
# local data folder, no API key.
demo: cli
	$(BUILD)/bin/llmspell --data-dir .llmspell-data run examples/hello.lua -- --name world

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
	sh tests/spells/run.sh $(BUILD)/bin/llmspell

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
