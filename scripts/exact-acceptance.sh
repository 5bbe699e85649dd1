#!/usr/bin/env bash
# exact-acceptance.sh: issue 10's in-process acceptance run. Runs
# scenarios/smoke.yaml SMOKE_RUNS times (default 30) and
# scenarios/office-1k.yaml OFFICE_RUNS times (default 5, each compressed to
# OFFICE_DURATION, default 50s, as `make run` does) back to back while two
# CPU hogs (`yes > /dev/null`) occupy both cores. The hogs are started and
# stopped by this script, by PID. Every run must pass every SLO of its
# scenario file (presencesim exits 1 otherwise), which include
# duplicated == 0 and torn == 0. Not part of `make test` (about 10 minutes).
#
# Usage: scripts/exact-acceptance.sh [OUTDIR]   (default /tmp/exact-acceptance)
# Prints one line per run and a summary; exits 1 when any run failed.
set -u
cd "$(dirname "$0")/.."
out=${1:-/tmp/exact-acceptance}
smoke_runs=${SMOKE_RUNS:-30}
office_runs=${OFFICE_RUNS:-5}
office_duration=${OFFICE_DURATION:-50s}
mkdir -p "$out"
go build -o "$out/presencesim" ./cmd/presencesim || exit 2

hogs=()
stop_hogs() {
	for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null; done
	hogs=()
}
trap stop_hogs EXIT
for _ in 1 2; do
	yes > /dev/null &
	hogs+=($!)
done
echo "hogs: ${hogs[*]}; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"

failed=0
total=0
run() { # name index args...
	local name=$1 i=$2
	shift 2
	local dir="$out/$name-$i"
	total=$((total + 1))
	if "$out/presencesim" run "$@" --out "$dir" > "$dir.log" 2>&1; then
		verdict=PASS
	else
		verdict=FAIL
		failed=$((failed + 1))
	fi
	# The oracle line names every count: lost, duplicated, ..., torn.
	echo "$verdict $name #$i: $(grep -m1 '^oracle' "$dir.log") | $(grep -m1 -E '^ +delivery ' "$dir.log" | awk '{print "delivery p99 " $6 " ms, p99.9 " $7 " ms"}')"
}
for i in $(seq 1 "$smoke_runs"); do
	run smoke "$i" scenarios/smoke.yaml
done
for i in $(seq 1 "$office_runs"); do
	run office-1k "$i" scenarios/office-1k.yaml --duration "$office_duration"
done
stop_hogs
echo "$((total - failed)) of $total runs passed every SLO"
[ "$failed" -eq 0 ]
