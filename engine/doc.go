// Package engine is the embeddable in-memory presence engine.
//
// It keeps the presence of every contact of a UC server (the sections of the
// Presence V2 model: contact data, lines, calls, forwards, appointments,
// manual absent state, note, client capabilities, agent state, ...), combines
// the services that drive it into the presence state word (see rules.go and
// docs/PRESENCE-RULES.md), and fans changes out to subscribed watchers.
//
// Data flow of one source event:
//
//	input API (SetLine, PutCall, ...)  -> contact lock: copy the immutable Snapshot,
//	                                      change sections, recompute the state word,
//	                                      publish the new Snapshot (atomic pointer)
//	                                   -> fan-out without locks: read the contact's
//	                                      subscriber array, OR the changed sections
//	                                      into each subscription's pending mask, push
//	                                      it on its watcher's dirty stack the first time
//	watcher.Pull (connection writer)   -> pop every dirty subscription at once and
//	                                      materialise one Update per contact from the
//	                                      latest Snapshot, filtered for the watcher.
//
// Pending work of a watcher is "these contacts changed since you last pulled",
// never a queue of events, so a slow watcher costs memory bounded by the number
// of contacts it watches. The package has no network code and no metrics
// library; it reports plain Stats.
package engine
