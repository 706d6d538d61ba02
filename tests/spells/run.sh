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
# An agent's memory outlives its process: a second CLI run of the
# storyteller on the same data folder loads what the first one saved.
mem() {
	"$cli" --data-dir "$data/memory" --output json run "$root/examples/$1" 2>"$data/err" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["remembered_messages"])'
}
first=$(mem storyteller.lua || echo 0)
second=$(mem storyteller.js || echo 0)
if [ "$first" -gt 0 ] && [ "$second" -gt "$first" ]; then
	pass=$((pass + 1))
	echo "ok   agent memory reloaded in a new process ($first then $second messages)"
else
	fail=$((fail + 1))
	echo "FAIL agent memory across processes: $first then $second messages: $(cat "$data/err")"
fi
echo "spells: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
