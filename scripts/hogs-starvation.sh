#!/bin/bash
# hogs-starvation.sh [RUNS] [OUT]: scenarios/smoke.yaml in process, each run
# under two CPU hogs (`yes > /dev/null`, started and killed by PID), with
# the evidence of where the latency went: delivery p99, the simulator's
# goroutine scheduling p99 (Go runtime) and its threads' run-queue wait per
# second (Linux schedstat, both from the report's `simulator:` line).
# docs/RESULTS.md, "Latency under CPU hogs". Run it under the heavy lock.
set -u
cd "$(dirname "$0")/.."
n=${1:-10}
out=${2:-/tmp/hogs-starvation}
mkdir -p "$out"
go build -o "$out/presencesim" ./cmd/presencesim || exit 2
for i in $(seq 1 "$n"); do
	yes > /dev/null & h1=$!
	yes > /dev/null & h2=$!
	"$out/presencesim" run scenarios/smoke.yaml --out "$out/run$i" --progress off > "$out/run$i.log" 2>&1
	kill "$h1" "$h2"
	wait "$h1" "$h2" 2>/dev/null
	p99=$(grep -m1 -E '^ +delivery ' "$out/run$i.log" | awk '{print $6}')
	sim=$(grep -m1 '^simulator:' "$out/run$i.log" | sed 's/.*cores, //')
	echo "run $i: delivery p99 $p99 ms, SLO failures $(grep -c FAIL "$out/run$i.log"); $sim; $(grep -m1 '^oracle' "$out/run$i.log" | cut -d';' -f1)"
done
