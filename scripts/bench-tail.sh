#!/usr/bin/env bash
# Rotation stress for the log follower (make bench-tail): runs bench/tail
# against the built agent. Extra arguments go to bench/tail (see -help).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
[ -x bin/esdoctor-agent ] || "$GO" build -o bin/ ./cmd/esdoctor-agent
exec "$GO" run ./bench/tail -agent bin/esdoctor-agent "$@"
