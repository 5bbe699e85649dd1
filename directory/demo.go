package directory

import (
	_ "embed" // the demo directory
)

// demoDirectoryYAML is demo_directory.yaml: ten users in three groups, every
// password "demo".
//
//go:embed demo_directory.yaml
var demoDirectoryYAML []byte

// DemoPassword is the password of every user of the demo directory.
const DemoPassword = "demo"

// Demo returns the embedded demo directory (demo_directory.yaml):
// ten users of example.com (alice ... judy, login = first name in lower
// case, password DemoPassword) in the groups management, sales and support,
// alice the administrator, everyone at Company level to everyone. It lets
// the server start without arguments.
func Demo() (*Directory, error) {
	return Parse("demo_directory.yaml (embedded)", demoDirectoryYAML)
}

// DemoYAML returns a copy of the demo directory file, a starting
// point for a real one.
func DemoYAML() []byte { return append([]byte(nil), demoDirectoryYAML...) }
