#!/usr/bin/env bash
# Live latency benchmark: real agent daemons (bin/esdoctor-agent run, one
# process per node directory) and the real aggregator (embedded NATS); a
# writer appends symptom lines and times each from its write() to its
# evidence in the HTTP API, without and with bench-aggregator's background
# load; plus the agents' idle CPU. Prints the figures, asserts nothing.
# Usage: scripts/bench-live.sh [flags]  (bench-aggregator live --help; e.g.
# --nodes 20 --lines 200 --load-agents 1000 --load-rate 10).
# Flags may also come from BENCH_LIVE_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
go build -o bin/ ./cmd/esdoctor-agent ./cmd/esdoctor-aggregator
tool=$(mktemp -d "${TMPDIR:-/tmp}/bench-live-bin.XXXXXX")
trap 'rm -rf "$tool"' EXIT
go build -o "$tool/bench-aggregator" ./bench/aggregator
# shellcheck disable=SC2086
"$tool/bench-aggregator" live --bin bin/esdoctor-aggregator --agent-bin bin/esdoctor-agent ${BENCH_LIVE_FLAGS:-} "$@"
