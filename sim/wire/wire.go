package wire

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ucpresence/presence/protocol"
	"github.com/ucpresence/presence/sim/driver"
	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/oracle"
)

// wire is the wire driver: presenced over the network. Source events go
// through the ingest API (senders), watchers are real client connections.
// Appointment times are wall times of the compressed day (the server's
// engine runs its calendar on its own clock; the senders' models follow
// it exactly, see sender).
type wire struct {
	cfg    *driver.Config
	run    *driver.State
	plan   *driver.Plan
	mapper *driver.Mapper

	senders   []*sender
	clientsMu sync.Mutex         // guards the elements of clients (a failover replaces one)
	clients   []*wireClient      // parallel to plan.watchers
	failovers atomic.Int64       // clients that reconnected to another node
	pool      []*oracle.Recorder // shared by the client readers

	decodeMismatch  atomic.Bool     // the fast event decoder's cross-check failed (logged once)
	anomaliesLogged [4]atomic.Int64 // anomalous updates logged per kind (the first ten are)
	readFailed      atomic.Bool     // a client's connection failed (logged once)

	liveMu        sync.Mutex    // guards live
	live          []*wireClient // logged-in connections, for the keepalives
	stopKeepAlive chan struct{}

	failMu sync.Mutex // guards failure
	failed error

	stormLine string // the reconnect storm's summary (Quiesce writes, Check prints)
}

// New returns the wire driver of the run whose shared state is r.
func New(r *driver.State) (driver.Driver, error) {
	w := &wire{cfg: &r.Config, run: r, plan: r.Plan}
	// The mapper's clock is the server's wall clock: offset → start + offset/speed.
	w.mapper = driver.NewMapper(r.Plan.Population, func(offset time.Duration) time.Time {
		return w.run.Start.Add(w.plan.WallOffset(offset))
	})
	w.stopKeepAlive = make(chan struct{})
	go w.keepAlive()
	for range 2 * runtime.GOMAXPROCS(0) {
		w.pool = append(w.pool, r.Recorders.Add())
	}
	return w, nil
}

// clientRecorder returns the shared recorder of a client (histograms are
// large; thousands of connections share a few).
func (w *wire) clientRecorder(user int32) *oracle.Recorder { return w.pool[int(user)%len(w.pool)] }

// fail records the first transport failure; the run reports it.
func (w *wire) fail(err error) {
	w.failMu.Lock()
	defer w.failMu.Unlock()
	if w.failed == nil {
		w.failed = err
		w.cfg.Logger.Error("presencesim: " + err.Error())
	}
}

func (w *wire) failure() error {
	w.failMu.Lock()
	defer w.failMu.Unlock()
	return w.failed
}

// senderOf returns the sender that owns user.
func (w *wire) senderOf(user int32) *sender { return w.senders[int(user)%len(w.senders)] }

// barrier waits until every sender has sent and the server acknowledged
// everything queued so far.
func (w *wire) barrier() {
	var dones []chan struct{}
	for _, s := range w.senders {
		done := make(chan struct{})
		s.in <- senderItem{kind: itemBarrier, done: done}
		dones = append(dones, done)
	}
	for _, done := range dones {
		<-done
	}
}

// Setup creates the users through the ingest API, connects the watchers,
// sets the rights, subscribes, and applies the warm-up events last (the
// watchers receive them, unmeasured). Appointment times are wall times, so
// the day's start is fixed here, before the warm-up publishes calendars.
func (w *wire) Setup(ctx context.Context) error {
	p := w.plan
	for u := range p.Logs {
		p.Logs[u].State = oracle.NewExpected()
	}
	for i := range w.cfg.Wire.Senders {
		s := newSender(w)
		s.node = i // its ingest node: Wire.Ingests[i mod N]
		if err := s.connect(ctx); err != nil {
			return err
		}
		w.senders = append(w.senders, s)
		go s.loop()
	}
	for u := range p.Population.Users {
		w.senderOf(int32(u)).in <- senderItem{kind: itemDirectory, user: int32(u)}
	}
	w.barrier()
	if err := w.failure(); err != nil {
		return err
	}
	if err := w.connect(ctx); err != nil {
		return err
	}
	if w.cfg.Wire.SetRights {
		if err := w.setRights(ctx); err != nil {
			return err
		}
	}
	if err := w.subscribe(ctx); err != nil {
		return err
	}
	var warmup []model.Event
	if err := w.run.OpenStreams(func(ev *model.Event) { warmup = append(warmup, *ev) }); err != nil {
		return err
	}
	// The day starts once the warm-up is through: about 20 µs per event
	// plus a margin.
	w.run.Start = time.Now().Add(300*time.Millisecond + time.Duration(len(warmup))*20*time.Microsecond)
	w.run.FixedStart = true
	for _, ev := range warmup {
		w.senderOf(ev.User).in <- senderItem{kind: itemEvent, ev: ev}
	}
	w.barrier()
	return w.failure()
}

// connect dials one client per watching user (DialConcurrency at a time)
// and tells each user's model about the session the login created.
func (w *wire) connect(ctx context.Context) error {
	p := w.plan
	w.clients = make([]*wireClient, len(p.Watchers))
	sem := make(chan struct{}, w.cfg.Wire.DialConcurrency)
	var wg sync.WaitGroup
	var firstErr atomic.Pointer[error]
	for i, view := range p.Watchers {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := w.dialClientAt(ctx, view.User, view, i%len(w.cfg.Wire.Targets), nil)
			if err != nil {
				firstErr.CompareAndSwap(nil, &err)
				return
			}
			c.index = i
			w.clientsMu.Lock()
			w.clients[i] = c
			w.clientsMu.Unlock()
		}()
	}
	wg.Wait()
	if err := firstErr.Load(); err != nil {
		return *err
	}
	for _, view := range p.Watchers {
		w.senderOf(view.User).in <- senderItem{kind: itemSession, user: view.User}
	}
	w.barrier()
	return nil
}

// Quiesce ends the day and waits until the server is still (quiesceDay).
// Then, when configured, it runs the reconnect storm (wire_storm.go) and
// waits for quiet again.
func (w *wire) Quiesce(ctx context.Context) bool {
	if !w.quiesceDay(ctx) {
		return false
	}
	if window := w.stormWindow(); window > 0 {
		if err := w.reconnectStorm(ctx, window); err != nil {
			w.fail(err)
			return false
		}
		return w.quiet(ctx)
	}
	return true
}

// quiesceDay ends the day on a still server and waits until it is still.
// The senders withdraw the calendars that still have boundaries to run
// (setAppointments with an empty list, unmeasured): meetings that end
// after the day would otherwise change the server while Check compares
// the watchers' views with fresh snapshots. Then it waits until every
// answer is applied to the models, no client received an update for
// 300 ms (plus the slow readers' delay) and every update is accounted.
func (w *wire) quiesceDay(ctx context.Context) bool {
	w.barrier()
	for _, s := range w.senders {
		s.in <- senderItem{kind: itemEndDay}
	}
	w.barrier()
	return w.quiet(ctx)
}

// quiet waits until no client received an update for 300 ms (plus the slow
// readers' delay) and every update is accounted, at most QuiesceTimeout.
func (w *wire) quiet(ctx context.Context) bool {
	deadline := time.Now().Add(w.cfg.QuiesceTimeout)
	quietFor := 300*time.Millisecond + w.cfg.SlowReaderDelay
	for {
		last := int64(0)
		for _, c := range w.clientList() {
			last = max(last, c.lastMessage.Load())
		}
		if time.Since(time.Unix(0, last)) >= quietFor {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range w.clients {
		if !c.drained(deadline) {
			return false
		}
	}
	return true
}

// clientKeepAlive is how often every connection sends asnTransportKeepAlive,
// as a real client does: presenced (like a UCServer) closes a connection
// that sent nothing for its idle timeout (60 s by default), and the
// watchers only read during the day.
const clientKeepAlive = 20 * time.Second

// keepAlive sends the keepalives until close.
func (w *wire) keepAlive() {
	t := time.NewTicker(clientKeepAlive)
	defer t.Stop()
	operation, _ := protocol.OperationByName("asnTransportKeepAlive")
	msg, err := protocol.AppendEvent(nil, operation, &protocol.AsnTransportKeepAliveArgument{}, false)
	if err != nil {
		panic(err) // a fixed message
	}
	for {
		select {
		case <-w.stopKeepAlive:
			return
		case <-t.C:
		}
		w.liveMu.Lock()
		live := slices.Clone(w.live)
		w.liveMu.Unlock()
		for _, c := range live {
			c.sendRaw(msg)
		}
	}
}

// Close ends the connections and the senders.
func (w *wire) Close() {
	select {
	case <-w.stopKeepAlive:
	default:
		close(w.stopKeepAlive)
	}
	var wg sync.WaitGroup
	for _, c := range w.clientList() {
		if c == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.close()
		}()
	}
	wg.Wait()
	for _, s := range w.senders {
		close(s.in)
	}
}
