// Package doccheck has no code, only tests that keep docs/ true to the
// code: the package table of docs/ARCHITECTURE.md must name every package
// of the module, no package that is gone, and, for each package, every
// module package it imports (its "depends on" column). `make test` runs
// them with the unit tests, so a new package without a row fails the build.
package doccheck
