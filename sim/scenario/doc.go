// Package scenario defines the scenario file format of the presence load
// simulator: the population and its personas, the subscription graph and the
// rights, the behaviour models' parameters, the virtual day and the SLO
// thresholds.
//
// Scenario files are YAML, decoded strictly: an unknown or duplicate key, a
// value of the wrong type and every semantic error (a range, a sum of shares,
// a reference to an unknown persona or curve, an SLO expression that does not
// parse) is reported with the file, the line and the key, for example
//
//	scenarios/x.yaml:12: unknown key "persona" in population (did you mean "personas"?)
//
// Load and Parse apply the documented defaults for absent keys and validate
// the result; a *Scenario they return is ready for the behaviour models in
// package sim/model. docs/SCENARIOS.md is the format reference and
// scenarios/scenario.schema.json the JSON Schema for editors; a test keeps
// the schema and the Go structs in step.
//
// Values of this package are plain data: a *Scenario is not modified after
// Parse returns and may be read from many goroutines.
package scenario
