// Package bench holds what spans the packages: the capacity tooling's
// benchmarks and their report table.
//
// The Go benchmarks in this package's tests cross package boundaries
// (engine and protocol encoding; engine, server writer path and a loopback
// socket; engine memory per subscription). Each runs next to a naive
// baseline in the same run (sub-benchmarks "engine"/"server" and "naive"),
// so the result is a ratio on the machine at hand, not an absolute claim.
// ParseBenchmarks and WriteTable turn `go test -bench` output into the
// short table `presencebench table` prints.
//
// The sub-packages are the capacity planner's tools: probe (what a process
// costs, read from /proc, /metrics, gctrace and runtime/metrics), sweep
// (step a scenario parameter to the knee of its SLO, the sizing table)
// and report (one self-contained HTML file and a text summary).
package bench
