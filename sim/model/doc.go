// Package model holds the deterministic behaviour models of the presence
// load simulator. Given a validated scenario (package sim/scenario) it
// builds:
//
//   - the population: NewPopulation assigns personas, teams, departments,
//     domains, contact IDs and numbers;
//   - the subscription graph and rights: NewGraph; Graph.Watching lists whom
//     a user watches with which event flags and the rights level each owner
//     granted, Graph.Build materialises both directions;
//   - the event stream: NewStream merges one generator per user into a
//     single sequence of Events in intended-time order (calls, forwards,
//     calendar, client sessions, idle, manual states, notes, agent states);
//   - the offered load: Offered computes the telephony Erlangs the scenario
//     offers, LoadMeter measures what a stream produced.
//
// Every random draw comes from a PCG stream seeded by (seed, user,
// process), so one scenario and seed give the same events, and adding
// users does not change what existing users do. docs/SCENARIOS.md
// describes the models and their math.
//
// This package does not import the engine: events are plain values that
// drivers map onto it.
package model
