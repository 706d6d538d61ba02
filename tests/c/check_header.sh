#!/bin/sh
# check_header.sh - checks that the public header and the built library agree
# and that the header documents every function (STYLE.md, "C header").
#
#   1. Every function declared in the header is preceded directly by a
#      comment that starts with the function's name and has the lines
#      "Params:", "Returns:", "Ownership:" and "Thread-safety:".
#   2. `nm -D --defined-only` of the library lists exactly the functions the
#      header declares: none missing, none extra (the version node symbol
#      LLMSPELL_0 aside), each bound to the version node LLMSPELL_0.
#   3. The library's SONAME is libllmspell.so.0.
#
# Usage: tests/c/check_header.sh [header] [library]
#   defaults: include/llmspell.h build/lib/libllmspell.so (from the repo root)
# Exit status 0 when every check passes, 1 otherwise.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
header=${1:-$root/include/llmspell.h}
library=${2:-$root/build/lib/libllmspell.so}
cc=${CC:-cc}
status=0

[ -f "$header" ] || { echo "check_header: no header at $header" >&2; exit 1; }
[ -f "$library" ] || { echo "check_header: no library at $library (run make lib)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/llmspell-abi-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- 1. documentation of each declaration ----------------------------------
# Walks the header keeping the last comment block; a line at column 0 that
# calls out llmspell_<name>( is a declaration and must follow that comment
# directly. Prints one "name" line per declaration to fd 3, problems to fd 1.
awk -v out="$tmp/documented" '
function fail(msg) { printf("%s:%d: %s\n", FILENAME, NR, msg); bad = 1 }
{
	line = $0
	if (in_comment) {
		comment = comment "\n" line
		if (index(line, "*/")) { in_comment = 0; comment_end = NR }
		if (line !~ /^[ \t]*$/) prev = NR
		next
	}
	if (line ~ /^[ \t]*\/\*/) {
		comment = line
		if (index(substr(line, index(line, "/*") + 2), "*/")) comment_end = NR
		else in_comment = 1
		prev = NR
		next
	}
	if (line ~ /^[A-Za-z_]/ && line !~ /^(typedef|extern|#)/ && match(line, /llmspell_[a-z0-9_]+[ \t]*\(/)) {
		name = substr(line, RSTART, RLENGTH)
		sub(/[ \t]*\($/, "", name)
		print name > out
		if (comment_end != prev || comment_end == 0) {
			fail(name ": no comment directly above the declaration")
		} else {
			# The first text line of the comment starts with the name.
			n = split(comment, cl, "\n")
			first = ""
			for (i = 1; i <= n && first == ""; i++) {
				t = cl[i]
				sub(/^[ \t]*\/?\*+[ \t]*/, "", t)
				if (t != "") first = t
			}
			if (index(first, name " ") != 1 && first != name)
				fail(name ": comment does not start with the function name (\"" first "\")")
			split("Params: Returns: Ownership: Thread-safety:", labels, " ")
			for (k = 1; k <= 4; k++) {
				found = 0
				for (i = 1; i <= n; i++) {
					t = cl[i]
					sub(/^[ \t]*\*?[ \t]*/, "", t)
					if (index(t, labels[k]) == 1) found = 1
				}
				if (!found) fail(name ": comment has no \"" labels[k] "\" line")
			}
		}
	}
	if (line !~ /^[ \t]*$/) prev = NR
}
END { exit bad }
' "$header" || status=1
sort -u "$tmp/documented" >"$tmp/documented.sorted"

# --- the declared functions, as the compiler sees them -----------------------
"$cc" -E -P -x c "$header" | tr '\n' ' ' | grep -o 'llmspell_[a-z0-9_]* *(' |
	sed 's/ *($//' | sort -u >"$tmp/declared"
[ -s "$tmp/declared" ] || { echo "check_header: found no declarations in $header" >&2; exit 1; }
if ! cmp -s "$tmp/declared" "$tmp/documented.sorted"; then
	echo "check_header: the doc walker and the preprocessor disagree on the declarations:"
	diff "$tmp/declared" "$tmp/documented.sorted" | sed 's/^/  /'
	status=1
fi

# --- 2. exported symbols ------------------------------------------------------
nm -D --defined-only "$library" | awk '{ print $NF }' >"$tmp/nm"
grep -v '^LLMSPELL_0$' "$tmp/nm" | sed 's/@.*//' | sort -u >"$tmp/exported"
missing=$(comm -23 "$tmp/declared" "$tmp/exported")
extra=$(comm -13 "$tmp/declared" "$tmp/exported")
if [ -n "$missing" ]; then
	echo "check_header: declared in the header but not exported by the library:"
	echo "$missing" | sed 's/^/  /'
	status=1
fi
if [ -n "$extra" ]; then
	echo "check_header: exported by the library but not declared in the header:"
	echo "$extra" | sed 's/^/  /'
	status=1
fi
unversioned=$(grep -v '^LLMSPELL_0$' "$tmp/nm" | grep -v '@@LLMSPELL_0$' || true)
if [ -n "$unversioned" ]; then
	echo "check_header: exported without the version node LLMSPELL_0:"
	echo "$unversioned" | sed 's/^/  /'
	status=1
fi

# --- 3. SONAME ------------------------------------------------------------------
soname=$(objdump -p "$library" | awk '$1 == "SONAME" { print $2 }')
if [ "$soname" != libllmspell.so.0 ]; then
	echo "check_header: SONAME is '$soname', want libllmspell.so.0"
	status=1
fi

if [ "$status" -eq 0 ]; then
	echo "check_header: ok: $(wc -l <"$tmp/declared") functions declared, documented and exported; SONAME $soname"
fi
exit "$status"
