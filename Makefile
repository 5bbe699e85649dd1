# The two commands a newcomer needs: `make run` and `make test`.
GO ?= go
export PATH := $(PATH):/usr/local/go/bin

# Packages with concurrent code: their tests also run under the race detector.
RACE_PKGS = ./engine/... ./server/... ./store/... ./sim/... ./cmd/... ./cluster/...
BENCH_PKGS = ./engine/ ./protocol/ ./store/ ./server/auth/ ./sim/model/
BENCHTIME ?= 1s

.PHONY: all build test vet staticcheck race unit bench bench-wire run demo deps clean

all: build

deps:
	$(GO) mod download

build: deps
	$(GO) build ./...
	$(GO) build -o bin/ ./cmd/...

vet: deps
	$(GO) vet ./...

# staticcheck at a pinned version, fetched through the module proxy by go run
# (no install step; the first run downloads and builds it, about a minute).
STATICCHECK = honnef.co/go/tools/cmd/staticcheck@v0.8.2

staticcheck: deps
	$(GO) run $(STATICCHECK) ./...

unit: deps
	$(GO) test -short -count=1 ./...

race: deps
	$(GO) test -short -race -count=1 $(RACE_PKGS)

# make test: go vet, staticcheck, the unit and property tests, and -race on
# the concurrent packages.
test: vet staticcheck unit race

# make bench: the benchmarks with their naive baselines (figures: docs/RESULTS.md),
# then the cross-package ones (bench/) as a table of ratios (docs/CAPACITY.md §8).
bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(BENCH_PKGS)
	$(GO) run ./cmd/presencebench table -benchtime $(BENCHTIME)

# make bench-wire: presenced over loopback with 5,000 WebSocket clients (about a minute).
bench-wire: deps
	$(GO) test -run '^$$' -bench WebSocketFanout -benchtime 30000x ./server/

# make run: the main job on the embedded default: the office-1k scenario
# in-process (a business day in 50 s), its report and its SLO verdict.
run: deps
	$(GO) run ./cmd/presencesim run scenarios/office-1k.yaml --duration 50s

# make demo: presenced with the demo directory and a simulated office; prints
# the presence board's URL (docs/BOARD.md). Ctrl-C stops it.
demo: deps
	$(GO) run ./cmd/presenced demo

clean:
	rm -rf bin
