package run

import "github.com/ucpresence/presence/sim/driver"

// The run's configuration lives in package sim/driver, which the drivers
// share; these names keep Run's API in one place.
type (
	// Config configures a run (driver.Config).
	Config = driver.Config
	// WireConfig configures the wire driver (driver.WireConfig).
	WireConfig = driver.WireConfig
	// Fault injects faults into the in-process delivery path (driver.Fault).
	Fault = driver.Fault
	// Driver selects how the simulator reaches the engine (driver.Kind).
	Driver = driver.Kind
)

// The drivers.
const (
	// DriverInProcess embeds the engine with a virtual clock.
	DriverInProcess = driver.InProcess
	// DriverWire talks to a presenced server over the network.
	DriverWire = driver.Wire
)

// ErrConfig is returned for an invalid Config (driver.ErrConfig).
var ErrConfig = driver.ErrConfig
