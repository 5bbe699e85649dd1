// Package oracle is the presence simulator's correctness and measurement
// bookkeeping, shared by its drivers (package sim/run in-process,
// package sim/wire over the network):
//
//   - Expected (expect.go): the simulator's own model of one contact's
//     presence, applying the same ingest events with the engine's exported
//     rule functions and its next-appointments defaults
//     (engine.DefaultNextAppointmentsWindow, engine.DefaultNextAppointmentsLimit);
//   - ContactLog and Change (change.go): per contact, the log of the
//     changes the simulator caused, with per-class expected views;
//   - Boundaries (boundary.go): the calendar boundaries the engine's clock
//     will pass, so that the changes they cause carry an intended time;
//   - WatcherView and SubView (track.go): what each watcher has built from
//     the deltas it received, matched against the log (ResolveKeyed,
//     ResolveMatched, Settle) and measured into a Recorder;
//   - ViewPrint (print.go): a view reduced to one hash per section;
//   - Recorder (recorder.go): per-goroutine HdrHistograms and counters;
//   - Report: the verdict of a run.
//
// docs/SCENARIOS.md, section "Running", describes the method and its limits.
package oracle
