// Package run is the runtime of the presence load simulator: it drives a
// scenario (package sim/scenario, behaviour models from sim/model) against
// the presence engine and measures what the watchers receive. This package
// is the orchestration (Run), the in-process driver and the reports; the
// wire driver is package sim/wire, the oracle (expectations, change logs,
// watcher tracking, recorders) package sim/oracle, and what the drivers
// share (configuration, plan, generators) package sim/driver.
//
// Two drivers feed the same measurement:
//
//   - in-process (DriverInProcess): the engine is embedded with a
//     VirtualClock that follows the scenario's compressed day; generator
//     goroutines apply each source event at its intended wall time, one
//     engine watcher per watching user is pulled by a pool of consumer
//     goroutines (a share of them slow readers that pull late);
//   - wire (DriverWire): source events go through the ingest API of a
//     presenced server (batched NDJSON over the WebSocket stream or HTTP),
//     watchers are real ROSE-over-WebSocket client connections that log in
//     and subscribe with asnGetAndSubscribePresenceV2.
//
// Measurement. Every source event has an intended time (wall time of its
// virtual offset). The simulator keeps, per contact, a log of the changes
// it caused (sim/oracle/change.go) and, per watcher and contact, the view
// the watcher has built from the deltas it received (sim/oracle/track.go).
// A delivery moves the watcher's position in the contact's log; every
// change it covers is measured from its own intended time ("delivery"), and the change's
// fan-out is complete when the last watcher that should see it has it
// ("fanout"). The generator's own delay is reported as "schedule_lag".
// Histograms are HdrHistograms, one per recording goroutine, merged every
// interval into an interval log (.hlog) and final distributions (.hgrm).
//
// Correctness. The watcher's merged view is compared with the expected view
// of the change it claims to reflect (stale), positions must not move back
// (out of order) or repeat (duplicated), and after the run quiesces every
// watcher's view is compared with the engine's (divergence) and changes no
// watcher caught up with are counted (lost). docs/SCENARIOS.md, section
// "Running", describes the method and its limits.
package run
