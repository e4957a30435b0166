#!/usr/bin/env bash
# guards.sh: the layout rules of docs/DECISIONS.md ("One room for each thing"), checked.
# Prints one line per guard, "ok" or "FAIL" with what broke it, and ends with
# "N passed, N failed" so scripts/check.sh can count each guard as a test.
#
#   libwebsockets.h only under src/net/
#   each folder includes only those below it: util < store < desk < mail, util < net;
#     api, app and cli above them all
#   the app global (g_app) never named in src/desk, src/store, src/mail, src/util, src/net
#   worker_submit only in src/store and src/api/async.c (every other caller goes through
#     api_read or api_submit, which answer a refused submit: no leak, no silent hang)
#   errors answered only through the error table: no http_error/ws_error in src/api or
#     src/app outside errors.c; the transport's own (src/net) use codes and statuses of
#     the table
#   every folder of src/ says in one of its headers what lives there ("What lives in src/X")
#   no file of src/ or web/ over 800 lines; no C function in src/ over 80 lines
#   clang-format clean on the C tree (src/, tests/unit/, bench/)
#   duplicated blocks: src/ plus web/ at most 73 pairs, tests/ at most 19 (today's counts: the
#     ceilings only go down)
#     (needs the `duplicates` command; where it is not installed this guard says so and
#     is skipped, not passed)
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0 skipped=0

result() { # name, violations (empty: ok)
	if [ -z "$2" ]; then
		printf 'guard %-34s ok\n' "$1"
		passed=$((passed + 1))
	else
		printf 'guard %-34s FAIL\n' "$1"
		printf '%s\n' "$2" | head -40 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
}

c_files() { git ls-files -co --exclude-standard -- "$@" | grep -E '\.[ch]$'; }

# 1. Only the transport names libwebsockets.
v=$(grep -lE '#include[[:space:]]*[<"]libwebsockets\.h[>"]' $(c_files src) | grep -v '^src/net/')
result "libwebsockets.h only in src/net" "$v"

# 2. The lower layers never reach for the app.
v=$(grep -nw 'g_app' $(c_files src/desk src/store src/mail src/util src/net) /dev/null)
result "no g_app in desk/store/mail/util/net" "$v"

# 2b. Each folder includes only the folders below it (api and app, the features and the
# loop that runs them, may include each other; cli and main.c may include anything).
allowed() {
	case "$1" in
	util) echo "util" ;;
	store) echo "store util" ;;
	desk) echo "desk store util" ;;
	mail) echo "mail desk store util" ;;
	net) echo "net util" ;;
	*) echo "*" ;;
	esac
}
v=$(for d in util store desk mail net; do
	ok=" $(allowed $d) "
	grep -Ho '#include "[a-z]*/' $(c_files src/$d) /dev/null | while IFS=: read -r f inc; do
		dep=${inc#\#include \"}
		dep=${dep%/}
		case "$ok" in *" $dep "*) ;; *) echo "$f includes $dep/ (src/$d may include: $(allowed $d))" ;; esac
	done
done)
result "includes follow the layers" "$v"

# 2c. A refused worker job is answered: only the async helper submits.
v=$(grep -nw 'worker_submit' $(c_files src) /dev/null | grep -vE '^src/store/|^src/api/async\.[ch]:')
result "worker_submit only in api/async.c" "$v"

# 2e. Each folder says what lives there and what it may include.
v=$(for d in src/*/; do d=${d%/}; grep -lq "What lives in $d" "$d"/*.h 2>/dev/null || echo "$d: no header says \"What lives in $d\""; done)
result "each folder describes itself" "$v"

# 2d. One error spine: features answer errors through the table (src/api/errors.c); the
# transport, which may not include it, uses only codes the table has, with its statuses.
v=$(grep -nE '\b(http_error|ws_error)\(' $(c_files src/api src/app) /dev/null | grep -v '^src/api/errors\.c:')
v2=$(grep -ohE 'http_error\([a-z>-]+, [0-9]+, "[a-z_]+"' $(c_files src/net) | sed -E 's/.*, ([0-9]+), "([a-z_]+)"/\2 \1/' | sort -u |
	while read -r code st; do
		grep -q "{\"$code\", $st," src/api/errors.c || echo "src/net answers $code with $st: not a row of src/api/errors.c"
	done)
v3=$(grep -ohE 'ws_error\([a-z>-]+, "[a-z_]+"' $(c_files src/net) | sed -E 's/.*"([a-z_]+)"/\1/' | sort -u |
	while read -r code; do
		grep -q "{\"$code\"," src/api/errors.c || echo "src/net sends $code: not a row of src/api/errors.c"
	done)
result "errors through the one table" "$(printf '%s\n%s\n%s' "$v" "$v2" "$v3" | sed '/^$/d')"

# 3. File length.
v=$(git ls-files -co --exclude-standard -- src web | grep -E '\.(c|h|js|mjs|css|html)$' |
	while read -r f; do
		n=$(wc -l <"$f")
		[ "$n" -gt 800 ] && echo "$f: $n lines"
	done)
result "files <= 800 lines (src, web)" "$v"

# 4. Function length: a function's body opens with "{" alone at column 0 and closes with
# "}" at column 0 (the house style, which clang-format keeps).
v=$(for f in $(c_files src); do
	awk -v f="$f" '
		/^[A-Za-z_].*\(/ { sig = $0 }
		/^\{$/ { start = NR; name = sig }
		/^\}/ && start { n = NR - start - 1
			if (n > 80) { sub(/\(.*/, "", name); printf "%s:%d %s: %d lines\n", f, start, name, n }
			start = 0 }' "$f"
done)
result "functions <= 80 lines (src)" "$v"

# 5. Format.
if command -v clang-format >/dev/null; then
	v=$(clang-format --dry-run --Werror $(c_files src tests/unit bench) 2>&1 | grep -E '^[^ ].*error' | head -20)
	result "clang-format clean" "$v"
else
	echo "guard clang-format clean                 skipped (clang-format not installed)"
	skipped=$((skipped + 1))
fi

# 6. Duplicated blocks.
pairs() { duplicates --repo "$1" --seconds 120 | head -1 | grep -oE '^[0-9]+' || echo 0; }
if command -v duplicates >/dev/null; then
	s=$(pairs src) w=$(pairs web) t=$(pairs tests)
	v=""
	[ $((s + w)) -gt 73 ] && v="src $s + web $w = $((s + w)) pairs (at most 73)"
	result "duplicates src+web <= 73 ($((s + w)))" "$v"
	v=""
	[ "$t" -gt 19 ] && v="tests $t pairs (at most 19)"
	result "duplicates tests <= 19 ($t)" "$v"
else
	echo "guard duplicates                         skipped (the duplicates command is not installed)"
	skipped=$((skipped + 2))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
