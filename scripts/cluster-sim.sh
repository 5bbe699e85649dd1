#!/usr/bin/env bash
# cluster-sim.sh: presencesim over the wire against presenced as a 3-node
# cluster on NATS (docs/CLUSTER.md), and against one presenced at the same
# load, back to back on this machine (docs/CAPACITY.md section "A cluster of
# three nodes"). NATS is the nats-server of go.mod's version, built from the
# module cache; every process listens on 127.0.0.1 only. The script starts
# and stops its own processes by PID.
#
# Usage: scripts/cluster-sim.sh [OUTDIR]        (default /tmp/cluster-sim)
#   SCENARIO (scenarios/office-1k.yaml), DURATION (the file's wall time),
#   STOP_AFTER (4m: 06:30-10:30 of office-1k at its 60x), MODE (both|cluster|single),
#   KILL_AFTER (empty: no kill; e.g. 25s: SIGKILL node 3 that long into the run)
# Heavy: run it under `flock /tmp/presence-heavy.lock`.
set -u
cd "$(dirname "$0")/.."
out=${1:-/tmp/cluster-sim}
scenario=${SCENARIO:-scenarios/office-1k.yaml}
duration=${DURATION:-}
stop_after=${STOP_AFTER:-4m}
mode=${MODE:-both}
kill_after=${KILL_AFTER:-}
mkdir -p "$out"
bin="$out/bin"
mkdir -p "$bin"
go build -o "$bin/" ./cmd/presenced ./cmd/presencesim || exit 2
go build -o "$bin/nats-server" github.com/nats-io/nats-server/v2 || exit 2
"$bin/presencesim" directory "$scenario" --password pw > "$out/users.yaml" || exit 2

pids=()
stop_all() { # the nodes first (they leave the cluster), NATS last
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[$i]}" 2>/dev/null
		wait "${pids[$i]}" 2>/dev/null
	done
	pids=()
}
trap stop_all EXIT

wait_http() { # url
	for _ in $(seq 1 200); do
		curl -fsS "$1" > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "no answer from $1" >&2
	return 1
}

common=(-directory "$out/users.yaml" -ingest-token secret -jwt-key cluster-sim-signing-key-of-32-bytes-or-more -invoke-rate 5000 -pprof= -tcp= -log-level warn)

# metrics PORT...: the cluster link counters summed over the nodes, and each
# node's CPU seconds (user+system) from /proc.
cluster_metrics() {
	for port in "$@"; do curl -fsS "http://127.0.0.1:$port/metrics"; done |
		awk '/^presence_cluster_(published|received|forwarded|served|interest_requests)(_bytes)?_total / {s[$1]+=$2}
		     END {for (k in s) printf "%s %d\n", k, s[k]}' | sort
}
cpu_seconds() { # pid
	awk '{printf "%.2f\n", ($14+$15)/100}' "/proc/$1/stat"
}

run_sim() { # name targets
	local name=$1 targets=$2
	local timing=()
	[ -n "$duration" ] && timing+=(--duration "$duration")
	[ -n "$stop_after" ] && timing+=(--stop-after "$stop_after")
	"$bin/presencesim" run "$scenario" "${timing[@]}" --target "$targets" --ingest "$3" \
		--token secret --auth basic --password pw --progress off --out "$out/$name" > "$out/$name.log" 2>&1
	echo "exit $? ($name)" >> "$out/$name.log"
}

if [ "$mode" = both ] || [ "$mode" = single ]; then
	"$bin/presenced" "${common[@]}" -http 127.0.0.1:7301 -data "$out/single-data" 2> "$out/single-server.log" &
	pids+=($!)
	single_pid=$!
	wait_http http://127.0.0.1:7301/healthz || exit 2
	cpu0=$(cpu_seconds "$single_pid")
	start=$(date +%s.%N)
	run_sim single ws://127.0.0.1:7301 http://127.0.0.1:7301
	end=$(date +%s.%N)
	cpu1=$(cpu_seconds "$single_pid")
	echo "single: server CPU $(echo "$cpu1 - $cpu0" | bc) s over $(echo "$end - $start" | bc) s" | tee "$out/single.cpu"
	stop_all
fi

if [ "$mode" = both ] || [ "$mode" = cluster ]; then
	rm -rf "$out/nats"
	"$bin/nats-server" -a 127.0.0.1 -p 7320 -js -sd "$out/nats" 2> "$out/nats.log" &
	pids+=($!)
	nats_pid=$!
	sleep 0.5
	node_pids=()
	for i in 1 2 3; do
		extra=()
		[ -n "${PROFILE:-}" ] && [ "$i" = 1 ] && extra=(-pprof 127.0.0.1:7331 -admin-token profile-token -data "$out/node-1-data")
		"$bin/presenced" "${common[@]}" "${extra[@]}" -http 127.0.0.1:731$i -cluster nats://127.0.0.1:7320 -node-id node-$i \
			2> "$out/node-$i.log" &
		pids+=($!)
		node_pids+=($!)
	done
	for i in 1 2 3; do wait_http http://127.0.0.1:731$i/healthz || exit 2; done
	for _ in $(seq 1 100); do
		curl -fsS http://127.0.0.1:7311/healthz | grep -q '"node-1","node-2","node-3"' && break
		sleep 0.1
	done
	cluster_metrics 7311 7312 7313 > "$out/link-before.txt"
	cpus0=(); for p in "${node_pids[@]}" "$nats_pid"; do cpus0+=("$(cpu_seconds "$p")"); done
	if [ -n "$kill_after" ]; then
		(sleep "${kill_after%s}"; kill -KILL "${node_pids[2]}"; echo "killed node-3 at $(date -u +%T.%N)" >> "$out/kill.log") &
	fi
	if [ -n "${PROFILE:-}" ]; then
		(sleep 10; curl -fsS -H "Authorization: Bearer profile-token" -o "$out/node-1.cpu.pprof" "http://127.0.0.1:7331/debug/pprof/profile?seconds=15") &
	fi
	start=$(date +%s.%N)
	run_sim cluster ws://127.0.0.1:7311,ws://127.0.0.1:7312,ws://127.0.0.1:7313 http://127.0.0.1:7311,http://127.0.0.1:7312,http://127.0.0.1:7313
	end=$(date +%s.%N)
	ports=(7311 7312 7313)
	[ -n "$kill_after" ] && ports=(7311 7312)
	cluster_metrics "${ports[@]}" > "$out/link-after.txt"
	{
		echo "cluster: wall $(echo "$end - $start" | bc) s"
		names=(node-1 node-2 node-3 nats)
		k=0
		for p in "${node_pids[@]}" "$nats_pid"; do
			if [ -r "/proc/$p/stat" ]; then
				echo "  ${names[$k]} CPU $(echo "$(cpu_seconds "$p") - ${cpus0[$k]}" | bc) s"
			fi
			k=$((k + 1))
		done
		echo "link counters (after - before, summed over the nodes):"
		join -a1 "$out/link-after.txt" "$out/link-before.txt" | awk '{printf "  %s %d\n", $1, $2 - ($3 == "" ? 0 : $3)}'
	} | tee "$out/cluster.cpu"
	stop_all
fi
for name in single cluster; do
	[ -f "$out/$name.log" ] && { echo "== $name"; grep -E '^(oracle|verdict|  *delivery |deliveries|events|SLO|PASS|FAIL|exit)' "$out/$name.log" | head -20; }
done
