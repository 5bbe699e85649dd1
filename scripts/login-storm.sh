#!/bin/sh
# Login storm over the wire (issue 12): presenced and presencesim as
# separate processes on this machine. presencesim sets up 5,000 users
# watching 50 contacts each (scenarios/login-storm-5k.yaml), runs the
# 40-second day, then drops every client connection and reconnects all
# 5,000 within WINDOW (default 1s); the "reconnect" row of the report and
# the "reconnect storm" line give logins/s and p50/p99 login latency
# (negotiate + login + first subscribe result, from the intended time).
#
#   flock /tmp/presence-heavy.lock scripts/login-storm.sh [WINDOW] [presencesim flags...]
#
# presenced runs with -invoke-rate 2000: the setup sets 240,000 rights from
# the owners' connections (a popular contact has 2,446 watchers).
# Setup logins use Basic with a cheap hash (1,000 PBKDF2 iterations, so
# that setting up 5,000 users does not take minutes); the storm's
# reconnects log in with the JWT of the first login, as real clients do.
set -eu
window=${1:-1s}
[ $# -gt 0 ] && shift
dir=$(mktemp -d /tmp/login-storm.XXXXXX)
profiler=
trap 'kill $server $profiler 2>/dev/null || true; wait 2>/dev/null || true' EXIT
# BIN=DIR runs the presenced and presencesim binaries in DIR instead of
# building them from this checkout (a before/after comparison in one
# session: build the baseline's binaries into DIR first).
if [ -n "${BIN:-}" ]; then
	cp "$BIN/presenced" "$BIN/presencesim" "$dir/"
else
	go build -o "$dir/presenced" ./cmd/presenced
	go build -o "$dir/presencesim" ./cmd/presencesim
fi
scenario=scenarios/login-storm-5k.yaml
"$dir/presencesim" directory "$scenario" --password pw --iterations 1000 >"$dir/users.yaml"
admin=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# PRESENCED_GOGC sets presenced's GOGC (default 100): the storm allocates
# fast against a large live heap (docs/OPERATIONS.md).
GOGC=${PRESENCED_GOGC:-${GOGC:-100}} "$dir/presenced" -http "127.0.0.1:$port" -tcp "" -pprof "127.0.0.1:$admin" -data "$dir/data" -directory "$dir/users.yaml" \
	-ingest-token secret -admin-token admin -log-level warn -invoke-rate 2000 2>"$dir/server.log" &
server=$!
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$port/metrics" -H 'Authorization: Bearer admin' >/dev/null 2>&1 && break
	sleep 0.1
done
# PROFILE_AFTER=D: a 10 s CPU profile of presenced starting D after the day
# began (the day's first status line), e.g. the --stop-after value plus a
# second to catch the storm; written to $dir/server-storm.pprof.
if [ -n "${PROFILE_AFTER:-}" ]; then
	(
		# gives up after 10 minutes (a run that failed in setup prints no status)
		n=0
		until grep -q '^ *[0-9.]*s ' "$dir/sim.log" 2>/dev/null; do
			n=$((n + 1)); [ $n -gt 6000 ] && exit 0; sleep 0.1
		done
		sleep "$PROFILE_AFTER"
		curl -s -H 'Authorization: Bearer admin' -o "$dir/server-storm.pprof" \
			"http://127.0.0.1:$admin/debug/pprof/profile?seconds=10"
	) &
	profiler=$!
fi
# SAMPLE=1: from the storm's start ("reconnect storm begins" in the
# simulator's output), every second for SAMPLE_SECONDS (default 25): CPU
# seconds used by presenced and by presencesim (utime+stime from
# /proc/PID/stat) and by the whole machine (/proc/stat: user+nice+system,
# and irq+softirq, where loopback TCP's receive side is counted), the kernel's
# listen-queue counters (nstat, machine-wide) and the listener's accept
# queue (ss -lnt: Recv-Q waiting, Send-Q the backlog), into
# $dir/samples.txt; goroutine dumps of both processes 2 s into the storm
# ($dir/server-goroutines.txt, $dir/sim-goroutines.txt) and block/mutex
# profiles of the simulator over the first 5 s.
simpprof=
if [ -n "${SAMPLE:-}" ]; then
	simpprof=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	(
		n=0
		until grep -q '^reconnect storm begins' "$dir/sim.log" 2>/dev/null; do
			n=$((n + 1)); [ $n -gt 12000 ] && exit 0; sleep 0.05
		done
		sim=$(pgrep -f "^$dir/presencesim run" | head -1)
		ticks=$(getconf CLK_TCK)
		cpu() { awk -v t="$ticks" '{printf "%.2f", ($14+$15)/t}' "/proc/$1/stat" 2>/dev/null || echo -; }
		(
			sleep 2
			curl -s -H 'Authorization: Bearer admin' "http://127.0.0.1:$admin/debug/pprof/goroutine?debug=1" >"$dir/server-goroutines.txt"
			curl -s "http://127.0.0.1:$simpprof/debug/pprof/goroutine?debug=1" >"$dir/sim-goroutines.txt"
		) &
		curl -s "http://127.0.0.1:$simpprof/debug/pprof/block?seconds=5" >"$dir/sim-block.pprof" &
		curl -s "http://127.0.0.1:$simpprof/debug/pprof/mutex?seconds=5" >"$dir/sim-mutex.pprof" &
		curl -s "http://127.0.0.1:$simpprof/debug/pprof/profile?seconds=10" >"$dir/sim-storm.pprof" &
		curl -s -H 'Authorization: Bearer admin' -o "$dir/server-storm.pprof" \
			"http://127.0.0.1:$admin/debug/pprof/profile?seconds=10" &
		start=$(date +%s.%N)
		(
			# Every 0.2 s, CPU only (one awk over /proc: cheap), for the
			# storm's CPU per login (printed at the end).
			end=$(echo "$start ${SAMPLE_SECONDS:-25}" | awk '{printf "%.3f", $1+$2}')
			while :; do
				now=$(date +%s.%N)
				awk -v now="$now" -v start="$start" -v end="$end" -v t="$ticks" '
					FNR==1 && FILENAME ~ /stat$/ && FILENAME !~ /^\/proc\/stat$/ {cpu[++n]=($14+$15)/t}
					FILENAME == "/proc/stat" && /^cpu / {machine=($2+$3+$4)/t}
					END {printf "%.3f %.2f %.2f %.2f\n", now-start, cpu[1], cpu[2], machine; exit (now > end)}' \
					"/proc/$server/stat" "/proc/$sim/stat" /proc/stat >>"$dir/cpu.txt" 2>/dev/null || break
				sleep 0.2
			done
		) &
		echo "# wall_s presenced_cpu_s presencesim_cpu_s machine_user_system_s machine_irq_softirq_s listen_overflows listen_drops accept_queue backlog logins deliveries writes bytes_out connections" >"$dir/samples.txt"
		i=0
		while [ $i -le "${SAMPLE_SECONDS:-25}" ]; do
			now=$(date +%s.%N)
			busy=$(awk -v t="$ticks" '/^cpu /{printf "%.2f %.2f", ($2+$3+$4)/t, ($7+$8)/t}' /proc/stat)
			counters=$(nstat -az TcpExtListenOverflows TcpExtListenDrops | awk '/^TcpExt/{printf "%s ", $2}')
			queue=$(ss -lnt "sport = :$port" | awk 'NR==2{print $2, $3}')
			metrics=$(curl -s "http://127.0.0.1:$port/metrics" -H 'Authorization: Bearer admin' |
				awk '$1=="presenced_logins_total"{l=$2} $1=="presenced_deliveries_total"{d=$2} $1=="presenced_writes_total"{w=$2} $1=="presenced_bytes_out_total"{b=$2} $1=="presenced_connections"{c=$2} END{print l, d, w, b, c}')
			echo "$(echo "$now $start" | awk '{printf "%.2f", $1-$2}') $(cpu "$server") $(cpu "$sim") $busy $counters$queue $metrics" >>"$dir/samples.txt"
			i=$((i + 1))
			sleep 1
		done
	) &
	profiler="$profiler $!"
fi
"$dir/presencesim" run "$scenario" ${simpprof:+--pprof "127.0.0.1:$simpprof"} --target "ws://127.0.0.1:$port" --token secret --auth basic \
	--password pw --reconnect-storm "$window" --progress lines --out "$dir/out" "$@" 2>&1 | tee "$dir/sim.log"
if [ -s "$dir/cpu.txt" ]; then
	# CPU from the storm's start to its last first subscribe result: per
	# process, per login, and what the rest of the machine used meanwhile.
	took=$(sed -n 's/.*the last subscribed after \([0-9.]*\)\(m*s\).*/\1 \2/p' "$dir/sim.log" | awk '{print ($2=="ms") ? $1/1000 : $1}')
	clients=$(sed -n 's/^reconnect storm begins: \([0-9]*\) clients.*/\1/p' "$dir/sim.log")
	[ -n "$took" ] && awk -v took="$took" -v n="$clients" '
		NR==1 {t0=$1; s0=$2; m0=$3; x0=$4}
		$1 >= took + 0.05 && !done {done=1; t=$1-t0; s=$2-s0; m=$3-m0; x=$4-x0
			printf "storm CPU over %.2f s: presenced %.2f s (%.0f µs/login, %.2f cores), presencesim %.2f s (%.0f µs/login, %.2f cores), other processes %.2f s of %.2f s of the machine\n", t, s, s/n*1e6, s/t, m, m/n*1e6, m/t, x-s-m, x}' "$dir/cpu.txt" | tee -a "$dir/sim.log"
fi
echo "output in $dir"
