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
go build -o "$dir/presenced" ./cmd/presenced
go build -o "$dir/presencesim" ./cmd/presencesim
scenario=scenarios/login-storm-5k.yaml
"$dir/presencesim" directory "$scenario" --password pw --iterations 1000 >"$dir/users.yaml"
admin=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$dir/presenced" -http "127.0.0.1:$port" -tcp "" -pprof "127.0.0.1:$admin" -data "$dir/data" -directory "$dir/users.yaml" \
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
"$dir/presencesim" run "$scenario" --target "ws://127.0.0.1:$port" --token secret --auth basic \
	--password pw --reconnect-storm "$window" --progress lines --out "$dir/out" "$@" 2>&1 | tee "$dir/sim.log"
echo "output in $dir"
