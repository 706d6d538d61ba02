#!/bin/sh
# test_install.sh - install libllmspell into a temporary prefix and build and
# run two consumers of examples/c/hello.c against the installed tree only:
# the CMake package (examples/c/cmake-consumer, llmspell::llmspell) and
# pkg-config (llmspell.pc). Then move the whole prefix somewhere else and
# build and run both again, to show that the install is relocatable.
#
# Usage: tests/c/test_install.sh        (from `make test-install`)
# Env:   MAKE (default make), CC (default cc), KEEP=1 keeps the temp folder.
set -eu

here=$(cd "$(dirname "$0")/../.." && pwd)
make_cmd=${MAKE:-make}
cc=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/llmspell-install-XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
	echo "test-install: keeping $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi
# Consumers must find the library through what the install gives them only.
unset LD_LIBRARY_PATH CMAKE_PREFIX_PATH PKG_CONFIG_PATH 2>/dev/null || true

fail() {
	echo "test-install: FAIL: $*" >&2
	exit 1
}

# check_run <binary> <prefix>: runs a consumer and checks its output and that
# the dynamic linker took libllmspell from <prefix>/lib.
check_run() {
	out=$("$1") || fail "$1 exited with $?"
	echo "$out" | sed 's/^/    /'
	echo "$out" | grep -q '^result: {"answer":42,"greeting":"hello, world"}$' ||
		fail "$1: unexpected output"
	lib=$(ldd "$1" | awk '$1 == "libllmspell.so.0" { print $3 }')
	real=$(readlink -f "$lib")
	[ "$real" = "$(readlink -f "$2/lib/libllmspell.so.0.1.0")" ] ||
		fail "$1 loads libllmspell from '$lib', not from $2/lib"
}

# build_consumers <prefix> <tag>: builds and runs both consumers.
build_consumers() {
	prefix=$1
	tag=$2
	echo "test-install: [$tag] CMake consumer against $prefix"
	cmake -S "$here/examples/c/cmake-consumer" -B "$tmp/cmake-$tag" \
		-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >"$tmp/cmake-$tag.log" 2>&1 ||
		{ cat "$tmp/cmake-$tag.log"; fail "cmake configure ($tag)"; }
	grep -q "llmspell 0.1.0 from $prefix/lib/cmake/llmspell" "$tmp/cmake-$tag.log" ||
		{ cat "$tmp/cmake-$tag.log"; fail "cmake did not find llmspell in $prefix"; }
	cmake --build "$tmp/cmake-$tag" >>"$tmp/cmake-$tag.log" 2>&1 ||
		{ cat "$tmp/cmake-$tag.log"; fail "cmake build ($tag)"; }
	check_run "$tmp/cmake-$tag/hello" "$prefix"

	echo "test-install: [$tag] pkg-config consumer against $prefix"
	export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
	[ "$(pkg-config --modversion llmspell)" = 0.1.0 ] || fail "pkg-config --modversion"
	libdir=$(pkg-config --variable=libdir llmspell)
	[ "$(readlink -f "$libdir")" = "$(readlink -f "$prefix/lib")" ] ||
		fail "pkg-config libdir $libdir is not $prefix/lib"
	mkdir -p "$tmp/pc-$tag"
	# pkg-config gives -I and -L/-l; the run-time path is the caller's choice.
	# shellcheck disable=SC2046
	$cc -std=c11 -Wall -Wextra -Werror "$here/examples/c/hello.c" \
		$(pkg-config --cflags --libs llmspell) -Wl,-rpath,"$libdir" -o "$tmp/pc-$tag/hello"
	unset PKG_CONFIG_PATH
	check_run "$tmp/pc-$tag/hello" "$prefix"
}

echo "test-install: make install PREFIX=$tmp/first"
$make_cmd --no-print-directory -C "$here" install PREFIX="$tmp/first" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "make install"; }
for f in lib/libllmspell.so.0.1.0 lib/libllmspell.so.0 lib/libllmspell.so include/llmspell.h \
	lib/cmake/llmspell/llmspellConfig.cmake lib/cmake/llmspell/llmspellConfigVersion.cmake \
	lib/pkgconfig/llmspell.pc; do
	[ -e "$tmp/first/$f" ] || fail "$f not installed"
done
[ "$(readlink "$tmp/first/lib/libllmspell.so.0")" = libllmspell.so.0.1.0 ] || fail "so.0 link"
[ "$(readlink "$tmp/first/lib/libllmspell.so")" = libllmspell.so.0 ] || fail "so link"
# Nothing in the installed text files names the prefix: that is what makes
# the tree movable.
if grep -rl "$tmp" "$tmp/first/lib/cmake" "$tmp/first/lib/pkgconfig" "$tmp/first/include"; then
	fail "installed files contain the absolute prefix"
fi

build_consumers "$tmp/first" first

# A version the install does not satisfy is refused.
mkdir -p "$tmp/toonew"
printf 'cmake_minimum_required(VERSION 3.16)\nproject(toonew LANGUAGES C)\nfind_package(llmspell 1.0 REQUIRED)\n' \
	>"$tmp/toonew/CMakeLists.txt"
if cmake -S "$tmp/toonew" -B "$tmp/toonew/b" -DCMAKE_PREFIX_PATH="$tmp/first" >"$tmp/toonew.log" 2>&1; then
	fail "find_package(llmspell 1.0) accepted version 0.1.0"
fi
grep -q "0.1.0" "$tmp/toonew.log" || fail "find_package(llmspell 1.0) failed for another reason"
echo "test-install: find_package(llmspell 1.0) refused, as it should be"

# Move the prefix (so nothing can still point at the old place) and again.
mkdir -p "$tmp/elsewhere"
mv "$tmp/first" "$tmp/elsewhere/moved"
build_consumers "$tmp/elsewhere/moved" moved

echo "test-install: ok (installed, consumed by CMake and pkg-config, moved, consumed again)"
