#!/usr/bin/env bash
# make demo: run esdoctor over the example clusters in examples/nodes
# (local-cluster seeds the remote's transport port instead of its remote
# cluster port). `make demo` builds bin/ first. A command that does not
# exist yet is reported in one line and the demo goes on.
set -u

cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
EX=examples/nodes
AGENT="$BIN/esdoctor-agent"
CLI="$BIN/esdoctor"

work=$(mktemp -d "${TMPDIR:-/tmp}/esdoctor-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

step() { printf '\n==> %s\n' "$*"; }

# available BINARY COMMAND: the binary exists and knows the command.
available() {
	[ -x "$1" ] || return 1
	"$1" "$2" --help >/dev/null 2>&1
}

skip() { echo "$1: not available yet, skipped"; }

# Plain-layout log timestamps have no zone; the examples are in UTC.
export TZ=UTC

if [ ! -d "$EX" ]; then
	echo "demo: $EX is missing" >&2
	exit 2
fi

step "esdoctor-agent inspect: one node of the local cluster"
if available "$AGENT" inspect; then
	"$AGENT" inspect --format text \
		--path-conf "$EX/local-cluster/local-1/config" \
		--path-logs "$EX/local-cluster/local-1/logs" \
		--cluster-settings "$EX/local-cluster/cluster-settings.json" ||
		echo "(inspect exited with $?)"
else
	skip "esdoctor-agent inspect"
fi

step "esdoctor-agent scan: every server log of both clusters"
if available "$AGENT" scan; then
	"$AGENT" scan --format text --tz UTC "$EX"/*/*/logs/*.log || echo "(scan exited with $?)"
else
	skip "esdoctor-agent scan"
fi

step "esdoctor-agent collect: one bundle per node"
bundles=()
if available "$AGENT" collect; then
	for node in "$EX"/*/*/; do
		node=${node%/}
		cluster=$(basename "$(dirname "$node")")
		name=$(basename "$node")
		out="$work/$cluster-$name.bundle"
		args=(--path-conf "$node/config" --path-logs "$node/logs" --tz UTC -o "$out" --format text)
		if [ -f "$EX/$cluster/cluster-settings.json" ]; then
			args+=(--cluster-settings "$EX/$cluster/cluster-settings.json")
		fi
		if "$AGENT" collect "${args[@]}"; then
			bundles+=("$out")
		else
			echo "(collect of $cluster/$name exited with $?)"
		fi
	done
else
	skip "esdoctor-agent collect"
fi

step "esdoctor analyze: the diagnoses over all bundles"
if [ ${#bundles[@]} -eq 0 ]; then
	echo "esdoctor analyze: no bundles, skipped"
elif available "$CLI" analyze; then
	"$CLI" analyze --format text "${bundles[@]}"
	echo "(analyze exited with $?: 0 nothing found, 1 problems found)"
else
	skip "esdoctor analyze"
fi
exit 0
