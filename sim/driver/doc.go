// Package driver holds what the presence simulator's orchestration
// (package sim/run) shares with its two drivers (the in-process driver in
// sim/run, the wire driver in sim/wire): the run's Config, the Plan built
// from the scenario (population, watcher views, change logs, time
// mapping), the Mapper from behaviour-model events to engine inputs, the
// Generator bookkeeping, the State of a run and the Driver interface.
package driver
