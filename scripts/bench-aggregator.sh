#!/usr/bin/env bash
# Aggregator benchmark: N simulated agents x M events/s through the real
# embedded NATS JetStream into the real bin/esdoctor-aggregator (its own
# process), with injected faults timed from publish to diagnosis.
# Prints events/s, p50/p99 latency, the aggregator's peak RSS and CPU.
# Usage: scripts/bench-aggregator.sh [flags]   (see --help; e.g. --quick,
# --agents 1000 --rate 10 --duration 60s, --cpuprofile FILE).
# Flags may also come from BENCH_AGGREGATOR_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."
test -x bin/esdoctor-aggregator || { mkdir -p bin && go build -o bin/ ./cmd/esdoctor-aggregator; }
tool=$(mktemp -d "${TMPDIR:-/tmp}/bench-aggregator-bin.XXXXXX")
trap 'rm -rf "$tool"' EXIT
go build -o "$tool/bench-aggregator" ./bench/aggregator
# shellcheck disable=SC2086
"$tool/bench-aggregator" --bin bin/esdoctor-aggregator ${BENCH_AGGREGATOR_FLAGS:-} "$@"
