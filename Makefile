# esdoctor — see README.md.
GO      ?= go
BIN     := bin
PKGS    := ./...
FUZZTIME ?= 10s

.PHONY: all build test unit fuzz-smoke vet demo clean generate bench-scan bench-tail

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/esdoctor-agent ./cmd/esdoctor-aggregator ./cmd/esdoctor

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

demo: build
	./scripts/demo.sh

clean:
	rm -rf $(BIN)

# Scan throughput vs ripgrep on generated 256 MiB logs of each layout (measured, printed, never asserted).
bench-scan: build
	./scripts/bench-scan.sh
