package oracle

import (
	"testing"
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server/ingest"
	"github.com/ucpresence/presence/sim/scenario"
)

// orderFixture is one contact fed to an engine on a virtual clock without
// its scheduler goroutine (ManualTick) and to the simulator's model: the
// test decides when the engine's scheduler "fires" and when an event
// "arrives", i.e. the interleaving the wire leaves to chance.
type orderFixture struct {
	t     *testing.T
	clock *engine.VirtualClock
	e     *engine.Engine
	model *Expected
}

const orderContact = "sip:a@example.com"

// orderClass is the class whose views the tests compare: personal, which
// sees everything.
const orderClass = uint8(scenario.LevelPersonal)

var orderDay = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newOrderFixture(t *testing.T, appointments ...engine.Appointment) *orderFixture {
	t.Helper()
	f := &orderFixture{t: t, clock: engine.NewVirtualClock(orderDay), model: NewExpected()}
	e, err := engine.New(engine.Config{Clock: f.clock, ManualTick: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	f.e = e
	f.both(&ingest.Event{Op: ingest.OpPutContact, Contact: orderContact})
	f.both(&ingest.Event{Op: ingest.OpClientLogin, Contact: orderContact, Client: "desk", Device: engine.DeviceDesktop})
	f.both(&ingest.Event{Op: ingest.OpSetAppointments, Contact: orderContact, Appointments: appointments})
	return f
}

// both applies ev to the engine and to the model at the clock's reading.
func (f *orderFixture) both(ev *ingest.Event) {
	f.t.Helper()
	if err := ingest.Apply(f.e, ev); err != nil {
		f.t.Fatal(err)
	}
	f.model.Apply(ev, f.clock.Now())
}

// engineApply applies ev to the engine only ("it arrives now").
func (f *orderFixture) engineApply(ev *ingest.Event) {
	f.t.Helper()
	if err := ingest.Apply(f.e, ev); err != nil {
		f.t.Fatal(err)
	}
}

func (f *orderFixture) snapshot() *engine.Snapshot {
	s, ok := f.e.Snapshot(orderContact)
	if !ok {
		f.t.Fatal("no snapshot")
	}
	return s
}

func enginePrint(s *engine.Snapshot) ViewPrint {
	p := NewExpected().Print(orderClass)
	p.FromSnapshot(s.View(ClassVisibility[orderClass]), PrintSections)
	return p
}

func connectedCall() *ingest.Event {
	return &ingest.Event{Op: ingest.OpPutCall, Contact: orderContact, Call: engine.Call{ConnectionID: "c1", State: engine.CallConnected}}
}

func meeting(id string, start, end time.Time) engine.Appointment {
	return engine.Appointment{EntryID: id, Start: start, End: end, Status: engine.AppointmentBusy}
}

// TestSenderOrderIsNotServerOrder is the deterministic reproduction of the
// wire oracle's stale views (docs/SCENARIOS.md, "The oracle over the
// wire"): round 1's sender applied an event to its model when it recorded
// it (09:59:59.990) and the 10:00 boundary when its own loop reached it;
// the server applied the 10:00 boundary when its scheduler fired and the
// event when its batch arrived 20 ms later. The server then published a
// view (meeting, no call) that the model never had: the wire oracle finds
// no change in the log explaining it and counts it stale.
func TestSenderOrderIsNotServerOrder(t *testing.T) {
	ten := orderDay.Add(time.Hour)
	f := newOrderFixture(t, meeting("m", ten, ten.Add(time.Hour)))

	// The sender's model: the event when recorded, the boundary at 10:00.
	var modelViews []ViewPrint
	f.model.Apply(connectedCall(), ten.Add(-10*time.Millisecond))
	modelViews = append(modelViews, f.model.Print(orderClass))
	f.model.Tick(ten)
	modelViews = append(modelViews, f.model.Print(orderClass))

	// The server: the scheduler fires at 10:00, the batch arrives at 10:00:00.010.
	var serverViews []ViewPrint
	f.clock.Set(ten)
	f.e.Tick()
	serverViews = append(serverViews, enginePrint(f.snapshot()))
	f.clock.Set(ten.Add(10 * time.Millisecond))
	f.engineApply(connectedCall())
	serverViews = append(serverViews, enginePrint(f.snapshot()))

	if d := serverViews[1].Differs(&modelViews[1], PrintSections); d != 0 {
		t.Fatalf("final views differ in %v", d)
	}
	explained := false
	for i := range modelViews {
		if serverViews[0].Differs(&modelViews[i], PrintSections) == 0 {
			explained = true
		}
	}
	if explained {
		t.Fatal("the server's intermediate view (meeting, no call) is one of the model's: the interleaving would not matter")
	}

	// The fix: the order the server reports. The ingest answer says the
	// call was applied at 10:00:00.010 (engine.InputTime), after the 10:00
	// boundary: the model runs the boundary first, then the event.
	at := f.e.InputTime(orderContact)
	if !at.Equal(ten.Add(10 * time.Millisecond)) {
		t.Fatalf("InputTime = %v, want 10:00:00.010", at)
	}
	exact := newOrderFixture(t, meeting("m", ten, ten.Add(time.Hour)))
	exact.model.Tick(ten)
	first := exact.model.Print(orderClass)
	exact.model.Apply(connectedCall(), at)
	second := exact.model.Print(orderClass)
	if serverViews[0].Differs(&first, PrintSections) != 0 || serverViews[1].Differs(&second, PrintSections) != 0 {
		t.Fatal("the model ordered by the reported input time does not follow the server's views")
	}
}

// TestLateSchedulerCatchesUp: an event applied after a boundary the
// scheduler has not run yet (a loaded machine) runs the boundary first, at
// its own instant and as its own version, so the engine's history does not
// depend on the scheduler's lag. Before, the event was applied with the
// calendar of 09:59 and the boundary followed: a view (call, no meeting)
// at 10:00:00.010 that no on-time server shows.
func TestLateSchedulerCatchesUp(t *testing.T) {
	ten := orderDay.Add(time.Hour)
	f := newOrderFixture(t, meeting("m", ten, ten.Add(time.Hour)))
	before := f.snapshot().Version
	f.clock.Set(ten.Add(10 * time.Millisecond)) // the scheduler has not fired
	f.engineApply(connectedCall())
	after := f.snapshot()
	if after.Version != before+2 {
		t.Fatalf("versions published: %d, want 2 (the 10:00 boundary, then the call)", after.Version-before)
	}
	if len(after.ActiveAppointments) != 1 {
		t.Fatalf("active appointments after the call: %d, want 1", len(after.ActiveAppointments))
	}
	f.model.Tick(ten)
	f.model.Apply(connectedCall(), f.e.InputTime(orderContact))
	want := f.model.Print(orderClass)
	if got := enginePrint(after); got.Differs(&want, PrintSections) != 0 {
		t.Fatalf("engine and model differ in %v", got.Differs(&want, PrintSections))
	}
	if n := f.e.Tick(); n != 0 {
		t.Fatalf("the scheduler ran %d boundaries the catch-up already ran", n)
	}
	if v := f.snapshot().Version; v != after.Version {
		t.Fatalf("the late scheduler published version %d", v)
	}
}

// TestOverdueBoundariesRunOneByOne: a scheduler that wakes late over two
// boundaries (10:00 and 10:30) runs each at its instant, as the model
// does: the override rule sees every step.
func TestOverdueBoundariesRunOneByOne(t *testing.T) {
	ten := orderDay.Add(time.Hour)
	half := ten.Add(30 * time.Minute)
	f := newOrderFixture(t, meeting("x", ten, half), meeting("y", half, ten.Add(time.Hour)))
	before := f.snapshot().Version
	f.clock.Set(ten.Add(45 * time.Minute))
	f.e.Tick()
	after := f.snapshot()
	if after.Version != before+2 {
		t.Fatalf("versions published: %d, want 2 (10:00 and 10:30)", after.Version-before)
	}
	f.model.Tick(ten)
	f.model.Tick(half)
	want := f.model.Print(orderClass)
	if got := enginePrint(after); got.Differs(&want, PrintSections) != 0 {
		t.Fatalf("engine and model differ in %v", got.Differs(&want, PrintSections))
	}
}
