package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ucpresence/presence/engine"
)

// EnginePersister makes the engine's user-set changes durable in the store:
// it implements engine.Persister. Concurrent Persist calls are group
// committed by Apply (one fsync per batch).
type EnginePersister struct {
	Store *Store
	// Timeout bounds one Persist; zero means 10 s.
	Timeout time.Duration
}

var scopes = map[engine.Scope]Scope{engine.ScopeGlobal: ScopeGlobal, engine.ScopeGroup: ScopeGroup, engine.ScopePersonal: ScopePersonal}

// Persist writes changes atomically and returns after the fsync.
func (p EnginePersister) Persist(changes ...engine.Change) error {
	mutations, err := mutationsOf(changes)
	if err != nil {
		return err
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return p.Store.Apply(ctx, mutations...)
}

// PersistAsync queues changes as one atomic call and returns at once; the
// Durable's Wait returns after the fsync (engine.AsyncPersister). Calls
// commit in the order they were queued.
func (p EnginePersister) PersistAsync(changes ...engine.Change) (engine.Durable, error) {
	mutations, err := mutationsOf(changes)
	if err != nil {
		return nil, err
	}
	pending, err := p.Store.ApplyAsync(mutations...)
	if err != nil {
		return nil, err
	}
	return pending, nil
}

// mutationsOf translates engine changes into store mutations.
func mutationsOf(changes []engine.Change) ([]Mutation, error) {
	mutations := make([]Mutation, 0, len(changes))
	for _, c := range changes {
		switch c.Kind {
		case engine.ChangeRights:
			scope, ok := scopes[c.Scope]
			if !ok {
				return nil, fmt.Errorf("store: unknown rights scope %d", c.Scope)
			}
			if c.Rights == nil {
				mutations = append(mutations, DeleteRights(scope, c.Key, c.Remote))
			} else {
				mutations = append(mutations, PutRights(scope, c.Key, RightsEntry{RemoteID: c.Remote, PresenceRights: c.Rights.Presence, PhonePrimary: c.Rights.PhonePrimary, PhoneSecondary: c.Rights.PhoneSecondary}))
			}
		case engine.ChangeAbsent:
			if c.Absent == nil {
				mutations = append(mutations, DeleteAbsentState(c.Contact))
			} else {
				a := c.Absent
				st := AbsentState{State: int(a.Kind), From: a.From, To: a.To, HasReachability: a.HasReachability, Reachability: int(a.Reachability), SetAt: a.SetAt}
				for _, x := range a.External {
					st.ExternalStates = append(st.ExternalStates, ExternalPresenceState{UserName: x.UserName, State: int(x.State), Type: int(x.Type)})
				}
				mutations = append(mutations, PutAbsentState(c.Contact, st))
			}
		case engine.ChangeNote:
			if c.Note == nil {
				mutations = append(mutations, DeleteNote(c.Contact))
			} else {
				mutations = append(mutations, PutNote(c.Contact, Note{Text: c.Note.Text, SetAt: c.Note.SetAt}))
			}
		case engine.ChangeChallenge:
			if c.Challenge == nil {
				mutations = append(mutations, DeleteChallenge(c.Key, c.Remote))
			} else {
				mutations = append(mutations, PutChallenge(Challenge{Owner: c.Key, Challenger: c.Challenge.Challenger, At: c.Challenge.At}))
			}
		case engine.ChangeImages:
			if c.Small == nil && c.Large == nil {
				mutations = append(mutations, DeleteImage(c.Contact))
				continue
			}
			img := Image{}
			if c.Small != nil {
				img.Small, img.Hash = c.Small.Data, c.Small.Hash
			}
			if c.Large != nil {
				img.Large = c.Large.Data
				if img.Hash == "" {
					img.Hash = c.Large.Hash
				}
			}
			mutations = append(mutations, PutImage(c.Contact, img))
		default:
			return nil, fmt.Errorf("store: unknown change kind %d", c.Kind)
		}
	}
	return mutations, nil
}

// RestoreStats counts what Restore put back.
type RestoreStats struct {
	Rights, AbsentStates, Notes, Challenges, Images int
	// Skipped counts records naming contacts the directory no longer has.
	Skipped int
}

// Restore loads every user-set record into the engine. Call it after the
// directory is applied and before engine.SetPersister (so nothing is
// written back). Records of contacts that left the directory are skipped
// (and counted), not errors.
func Restore(s *Store, e *engine.Engine) (RestoreStats, error) {
	var st RestoreStats
	skip := func(err error) error {
		if err == engine.ErrUnknownContact {
			st.Skipped++
			return nil
		}
		return err
	}
	err := s.Load(Loader{
		Rights: func(scope Scope, owner string, entry RightsEntry) error {
			r := engine.Rights{Presence: entry.PresenceRights, PhonePrimary: entry.PhonePrimary, PhoneSecondary: entry.PhoneSecondary}
			var err error
			switch scope {
			case ScopePersonal:
				_, err = e.SetDynamicRights("", owner, entry.RemoteID, 0, &r)
				if re, ok := err.(*engine.RightsError); ok && re.Detail == engine.RightsGeneral {
					st.Skipped++
					return nil
				}
			case ScopeGroup:
				err = e.SetListRights("", engine.ScopeGroup, owner, entry.RemoteID, r, false)
			case ScopeGlobal:
				err = e.SetListRights("", engine.ScopeGlobal, "", entry.RemoteID, r, false)
			}
			if err == nil {
				st.Rights++
			}
			return err
		},
		AbsentState: func(id string, a AbsentState) error {
			as := engine.AbsentState{Kind: engine.AbsentKind(a.State), From: a.From, To: a.To, HasReachability: a.HasReachability, Reachability: engine.Reachability(a.Reachability), SetAt: a.SetAt}
			for _, x := range a.ExternalStates {
				as.External = append(as.External, engine.ExternalPresence{UserName: x.UserName, State: int32(x.State), Type: int32(x.Type)})
			}
			err := e.SetAbsentState(id, as)
			if err == nil {
				st.AbsentStates++
			}
			return skip(err)
		},
		Note: func(id string, n Note) error {
			err := e.RestoreNote(id, engine.Note{Text: n.Text, SetAt: n.SetAt})
			if err == nil {
				st.Notes++
			}
			return skip(err)
		},
		Challenge: func(c Challenge) error {
			e.RestoreChallenge(c.Owner, engine.Challenge{Challenger: c.Challenger, At: c.At})
			st.Challenges++
			return nil
		},
		Image: func(id string, img Image) error {
			err := e.SetImages(id, img.Small, img.Large)
			if err == nil {
				st.Images++
			}
			return skip(err)
		},
	})
	return st, err
}
