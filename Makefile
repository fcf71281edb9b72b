# esdoctor — see README.md.
# A `go` at least as new as go.mod asks, fetched into .cache/go when the
# PATH has none (scripts/go-toolchain.sh); every recipe and script sees it first.
GOTOOLDIR := $(shell ./scripts/go-toolchain.sh)
ifeq ($(GOTOOLDIR),)
$(error no Go toolchain: scripts/go-toolchain.sh failed (see above))
endif
export PATH := $(GOTOOLDIR):$(PATH)
export GOTOOLCHAIN := local
GO      ?= go
BIN     := bin
PKGS    := ./...
FUZZTIME ?= 10s

.PHONY: all build test unit fuzz-smoke vet demo demo-offline package clean generate bench-scan bench-tail

all: build

# --version of every binary: version, commit and build date (outside git: devel/unknown, or the toolchain's build info).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT  ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
VPKG    := github.com/esdoctor/esdoctor/shared/version
LDFLAGS ?= -X $(VPKG).Version=$(VERSION) -X $(VPKG).Commit=$(COMMIT) -X $(VPKG).Date=$(DATE)

build:
	@mkdir -p $(BIN)
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/esdoctor-agent ./cmd/esdoctor-aggregator ./cmd/esdoctor

generate:
	cd shared/catalog && $(GO) generate .

vet:
	$(GO) vet $(PKGS)

unit:
	$(GO) test -count=1 -timeout 15m $(PKGS)

# Every fuzz target runs briefly (FUZZTIME each) on top of its seed corpus.
fuzz-smoke:
	@./scripts/fuzz-smoke.sh $(FUZZTIME)

test: vet build unit fuzz-smoke

# Live equals offline, every scenario: each world of the scenario kit (aggregator/rules, cmd/esdoctor, bench) and
# each site of aggregator/acceptance is also played through real agent daemons (in process, logs written over
# time) and the real aggregator with its embedded NATS, and the open diagnoses must equal esdoctor analyze over the
# same nodes' bundles (internal/testkit/live). make test plays a fixed one in 32 of them.
.PHONY: test-live
test-live:
	ESDOCTOR_LIVE=1 $(GO) test -count=1 -timeout 40m ./internal/testkit/live/ ./aggregator/rules/ ./aggregator/acceptance/ ./cmd/esdoctor/ ./bench/aggregator/

# Live: the aggregator (embedded NATS, authenticated, TLS) and one enrolled agent daemon per node of two simulated
# clusters (3 + 3 nodes), the console URL, then a script of faults diagnosed and fixed. Ctrl-C stops everything;
# DEMO_EXIT=1 stops at the end of the script. DEMO_FLAGS="-pause 0 -listen 127.0.0.1:9801" etc.
demo: build
	$(GO) run ./scripts/livedemo -bin $(BIN) -dir .demo $(DEMO_FLAGS)

# Offline: inspect, scan, collect and analyze the example clusters in examples/nodes.
demo-offline: build
	./scripts/demo.sh

# deb and rpm of esdoctor-agent and esdoctor-aggregator (+ the esdoctor CLI) in dist/, built with nfpm as a library
# (scripts/package): binaries, hardened units, /etc/esdoctor configs (0640), /var/lib/esdoctor, the esdoctor user.
PKG_VERSION ?= 0.1.0
package:
	@mkdir -p dist/bin
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w $(LDFLAGS) -X $(VPKG).Version=$(PKG_VERSION)" -o dist/bin/ ./cmd/esdoctor-agent ./cmd/esdoctor-aggregator ./cmd/esdoctor
	$(GO) run ./scripts/package -bin dist/bin -out dist -version $(PKG_VERSION)

clean:
	rm -rf $(BIN) dist

# Scan throughput vs ripgrep on generated 256 MiB logs of each layout (measured, printed, never asserted).
bench-scan: build
	./scripts/bench-scan.sh

# N simulated agents x M events/s through real NATS into the aggregator: events/s, p50/p99 log-line-to-diagnosis
# latency, peak RSS, CPU (measured, printed, never asserted). Flags: make bench-aggregator BENCH_AGGREGATOR_FLAGS="--quick".
.PHONY: bench-aggregator
bench-aggregator: build
	./scripts/bench-aggregator.sh

# Rotation stress for the log follower: a writer at full speed rotating as log4j, copytruncate and delete+recreate,
# the real agent (scan --follow, separate process) restarted mid-run: lost, duplicated, out-of-order, throughput,
# peak RSS, CPU. Fails on any loss or duplicate. Flags: make bench-tail BENCH_TAIL_FLAGS="-duration 60s -rate 20000".
bench-tail: build
	./scripts/bench-tail.sh $(BENCH_TAIL_FLAGS)

# One evaluation pass, in the benchmark's process (wall time of one goroutine; the model is the bench-aggregator
# fleet's): the full pass over 1 000 and 10 000 agents, and the incremental pass as the steady load dirties the model
# (2 000 events per 200 ms pass) or a quiet fleet (20). Measured, printed, never asserted.
.PHONY: bench-evaluate
bench-evaluate:
	$(GO) test -run - -bench 'Evaluate' -benchtime $(or $(BENCH_EVALUATE_N),10)x ./bench/aggregator

# Live latency: 20 real agent daemons (own node dirs and logs) + the real aggregator; a writer appends symptom lines,
# each timed from its write() to its evidence in GET /api/v1/diagnoses/{id}; p50/p99 without and with the
# bench-aggregator background load, and idle agent CPU (measured, printed, never asserted).
# Flags: make bench-live BENCH_LIVE_FLAGS="--lines 200 --load-agents 1000".
.PHONY: bench-live
bench-live: build
	./scripts/bench-live.sh $(BENCH_LIVE_FLAGS)

# Scale-out on NATS: 3 nats-server processes clustered on loopback (R3 streams), 2 aggregators, 100 simulated agents
# (the agent's spool and publisher); the stream leader SIGKILLed and restarted, one aggregator stopped and restarted:
# events, lost, duplicated, failover times (wall clock; measured, printed; fails on any loss or duplicate).
# Flags (environment): ESDOCTOR_BENCH_CLUSTER_AGENTS=100 ESDOCTOR_BENCH_CLUSTER_INTERVAL=100ms ESDOCTOR_BENCH_CLUSTER_DURATION=60s
.PHONY: bench-cluster
bench-cluster:
	$(GO) test -count=1 -timeout 20m -run '^$$' -bench BenchmarkScaleOutNATSCluster -benchtime 1x ./aggregator/e2e/

# esdoctor analyze over the example clusters' real bundles, one of them grown to 1 000 000 symptom events cycled from
# the real log excerpts: wall, CPU (user+sys) and peak RSS of the analyze process, per run and best of N (measured,
# printed, never asserted). Flags: make bench-analyze BENCH_ANALYZE_FLAGS="-symptoms 200000 -runs 5".
.PHONY: bench-analyze
bench-analyze: build
	$(GO) run ./bench/analyze -bin $(BIN) $(BENCH_ANALYZE_FLAGS)

# The console in headless chromium with 1 000 nodes and 500 open diagnoses: list render, live SSE update, burst of
# 100 updates, overview (measured, printed, never asserted). Needs chromium. Flags: BENCH_CONSOLE_FLAGS="-runs 5".
.PHONY: bench-console
bench-console:
	$(GO) run ./bench/console $(BENCH_CONSOLE_FLAGS)
