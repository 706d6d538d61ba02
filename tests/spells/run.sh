#!/bin/sh
# Runs every example spell through the CLI on a fresh data folder and checks
# that it succeeds and that each spell's Lua and JS twins print the same JSON.
set -eu
cli=${1:-build/bin/llmspell}
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
pass=0
fail=0
for spell in "$root"/examples/*.lua "$root"/examples/*.js; do
	[ -e "$spell" ] || continue
	name=$(basename "$spell")
	if out=$("$cli" --data-dir "$data/$name" --output json run "$spell" -- --name tester 2>"$data/err"); then
		pass=$((pass + 1))
		echo "ok   $name"
	else
		fail=$((fail + 1))
		echo "FAIL $name: $(cat "$data/err")"
		continue
	fi
	printf '%s\n' "$out" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["result"], sort_keys=True))' >"$data/$name.result"
done
# Twins: hello.lua and hello.js must return the same result.
for lua in "$data"/*.lua.result; do
	[ -e "$lua" ] || continue
	js=${lua%.lua.result}.js.result
	[ -e "$js" ] || continue
	if cmp -s "$lua" "$js"; then
		pass=$((pass + 1))
		echo "ok   same result: $(basename "${lua%.lua.result}")"
	else
		fail=$((fail + 1))
		echo "FAIL results differ: $(basename "${lua%.lua.result}")"
	fi
done
echo "spells: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
