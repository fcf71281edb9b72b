#!/usr/bin/env bash
# Scan benchmark: generates a >= 256 MiB Elasticsearch log of each layout
# (plain, ECS JSON, 7.x JSON) with injected symptoms, then compares the built
# `esdoctor-agent scan` with ripgrep on the same literal anchors.
# Usage: scripts/bench-scan.sh [SIZE_MIB] (default 256). Keeps nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-${BENCH_SCAN_MIB:-256}}
if ! command -v rg >/dev/null 2>&1; then
  echo "bench-scan: installing ripgrep" >&2
  apt-get install -y ripgrep >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y ripgrep >/dev/null 2>&1; }
fi
test -x bin/esdoctor-agent || { mkdir -p bin && go build -o bin/ ./cmd/esdoctor-agent; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-scan.XXXXXX")
trap 'rm -rf "$dir"' EXIT
go run ./bench/scan/gen -dir "$dir" -size "$size"
# Warm the page cache so that both tools read from memory.
cat "$dir"/*.log "$dir"/*.json >/dev/null
go run ./bench/scan/run -dir "$dir" -bin bin/esdoctor-agent -runs "${BENCH_SCAN_RUNS:-3}"
