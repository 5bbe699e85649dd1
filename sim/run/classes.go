package run

import (
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/sim/scenario"
)

// A visibility class is the rights level an owner granted a watcher
// (scenario.Level, blocked..personal): every watcher of one class sees the
// same filtered view of the owner, so the oracle keeps one expected print
// per class and change rather than one per watcher.
const numClasses = int(scenario.LevelPersonal) + 1

// engineLevels maps scenario levels to the engine's asnSetDynamicRights
// levels.
var engineLevels = [numClasses]engine.Level{
	scenario.LevelBlocked:  engine.LevelBlocked,
	scenario.LevelPublic:   engine.LevelPublic,
	scenario.LevelCompany:  engine.LevelCompany,
	scenario.LevelTeam:     engine.LevelTeam,
	scenario.LevelPersonal: engine.LevelPersonal,
}

// classVisibility is the engine visibility of each class, and
// classSections the sections a watcher of the class can receive at all.
var (
	classVisibility [numClasses]engine.Visibility
	classSections   [numClasses]engine.Section
)

func init() {
	for c, level := range engineLevels {
		rights, ok := level.Rights()
		if !ok {
			panic("BUG: unknown engine level")
		}
		classVisibility[c] = rights.Visibility()
		classSections[c] = classVisibility[c].Sections()
	}
}

// compared returns the sections the oracle compares for a watcher of
// class c subscribed to flags.
func compared(c uint8, flags engine.Section) engine.Section {
	return flags & classSections[c] & printSections
}
