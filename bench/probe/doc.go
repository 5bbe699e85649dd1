// Package probe reads what a capacity run needs to know about the
// processes involved, without instrumenting them: CPU time, resident
// memory, threads and system calls from /proc/<pid>/{stat,status,io}; the
// server's counters from its Prometheus /metrics page; the server's heap
// from its /debug/pprof/heap?debug=1 page; its garbage collections from
// GODEBUG=gctrace=1 lines on its standard error; and the calling
// process's own heap and collections from runtime/metrics.
//
// A Sampler takes all of it once per interval. Counters in a sample are
// cumulative; the caller subtracts two samples for a rate.
package probe
