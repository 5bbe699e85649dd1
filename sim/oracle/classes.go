package oracle

import (
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/sim/scenario"
)

// A visibility class is the rights level an owner granted a watcher
// (scenario.Level, blocked..personal): every watcher of one class sees the
// same filtered view of the owner, so the oracle keeps one expected print
// per class and change rather than one per watcher.
const NumClasses = int(scenario.LevelPersonal) + 1

// EngineLevels maps scenario levels to the engine's asnSetDynamicRights
// levels.
var EngineLevels = [NumClasses]engine.Level{
	scenario.LevelBlocked:  engine.LevelBlocked,
	scenario.LevelPublic:   engine.LevelPublic,
	scenario.LevelCompany:  engine.LevelCompany,
	scenario.LevelTeam:     engine.LevelTeam,
	scenario.LevelPersonal: engine.LevelPersonal,
}

// ClassVisibility is the engine visibility of each class, and
// ClassSections the sections a watcher of the class can receive at all.
var (
	ClassVisibility [NumClasses]engine.Visibility
	ClassSections   [NumClasses]engine.Section
)

func init() {
	for c, level := range EngineLevels {
		rights, ok := level.Rights()
		if !ok {
			panic("BUG: unknown engine level")
		}
		ClassVisibility[c] = rights.Visibility()
		ClassSections[c] = ClassVisibility[c].Sections()
	}
}

// compared returns the sections the oracle compares for a watcher of
// class c subscribed to flags.
func compared(c uint8, flags engine.Section) engine.Section {
	return flags & ClassSections[c] & PrintSections
}
