package wire

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server/ingest"
	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/oracle"
)

// senderItemKind says what a sender does with an item.
type senderItemKind uint8

const (
	itemEvent     senderItemKind = iota // a behaviour-model event
	itemDirectory                       // create the user (directory entry, lines)
	itemSession                         // model only: the server logged the user's watcher connection in
	itemBarrier                         // flush and wait until every batch is acknowledged, then close done
	itemEndDay                          // withdraw the calendars that still have boundaries to run (Quiesce)
)

type senderItem struct {
	kind     senderItemKind
	ev       model.Event
	user     int32
	intended int64 // wall ns
	measured bool
	done     chan struct{}
}

// sentBatch is a batch waiting for its acknowledgement.
type sentBatch struct {
	seq      uint64
	intended []int64 // of its measured events
	sent     time.Time
	events   []pendingEvent // every event of the batch, in order, for the models
}

// pendingEvent is an event sent to the server and not yet applied to its
// user's model: the model applies it when the server's answer says at
// which engine time the server applied it.
type pendingEvent struct {
	user     int32
	ev       ingest.Event
	intended int64
	measured bool
}

// ackedBatch is a batch's answer, handed from the ack reader (or the HTTP
// poster) to the sender's loop, which owns the models.
type ackedBatch struct {
	batch  sentBatch
	times  []int64 // engine time of each event (answer "times"), 0: failed
	failed bool    // no answer: nothing is known of the batch
}

// sender owns a partition of the users (user mod Senders): it keeps their
// presence models and change logs, maps their events, and sends them to
// the ingest API in batches over one connection, so that one user's events
// reach the server in order.
//
// The models follow the server's order exactly (docs/SCENARIOS.md, "The
// oracle over the wire"). The engine runs a contact's calendar boundaries
// at their own instants and before any input it applies at or after them
// (engine catchUp), so a contact's history is fixed by its events and the
// engine times at which they were applied. The ingest answer reports those
// times (times=1): the loop applies an event to its model when the answer
// arrives, after the user's boundaries up to the event's time; a boundary
// with no event after it is applied once no batch sent before it is still
// unanswered (an event sent later is applied later). final says up to
// which time the logs are complete; the clients' resolvers wait for it.
type sender struct {
	w     *wire
	in    chan senderItem
	rec   *oracle.Recorder
	ops   []ingest.Event
	batch []byte
	times []int64 // intended times of the batch's measured events
	count int
	first time.Time // when the batch's first event was added

	stream *websocket.Conn // nil over HTTP
	http   *http.Client
	node   int          // index into Wire.Ingests of the node it sends to; poster only after connect
	urls   []string     // HTTP: the batch URL of every node, for failover
	posts  chan postJob // HTTP: batches for the poster goroutine, in order
	seq    uint64
	acks   chan sentBatch // sent batches in order, for the ack reader
	acked  chan ackedBatch
	broken chan struct{} // closed when the ack reader stopped

	pending []pendingEvent // the unsent batch's events
	unacked []int64        // send times (wall ns) of the batches not yet applied to the models, oldest first
	poke    chan struct{}  // a resolver waits for final: advance now

	bounds     oracle.BoundaryHeap // calendar instants of its users, for the timer (stale entries are harmless)
	userBounds map[int32][]int64   // per user, the engine's calendar instants (Unix ns) not yet applied to the model, ascending
	prints     map[int32]*[oracle.NumClasses]oracle.ViewPrint

	finalMu sync.Mutex    // guards final and finalCh
	final   int64         // the logs hold every change the server made at or before this wall time
	finalCh chan struct{} // closed (and replaced) when final moves
}

// newSender returns an unconnected sender.
func newSender(w *wire) *sender {
	return &sender{w: w, in: make(chan senderItem, 4096), rec: w.run.Recorders.Add(),
		prints: map[int32]*[oracle.NumClasses]oracle.ViewPrint{}, userBounds: map[int32][]int64{},
		acked: make(chan ackedBatch, 1024), broken: make(chan struct{}), poke: make(chan struct{}, 1),
		finalCh: make(chan struct{})}
}

// connect opens the sender's ingest connection.
func (s *sender) connect(ctx context.Context) error {
	cfg := &s.w.cfg.Wire
	base, _ := url.Parse(cfg.Ingests[s.node%len(cfg.Ingests)])
	header := http.Header{}
	if cfg.Token != "" {
		header.Set("Authorization", "Bearer "+cfg.Token)
	}
	base.RawQuery = "times=1" // the engine time of every event: the models follow the server's order
	switch base.Scheme {
	case "ws", "wss":
		base.Path = "/ingest/v1/stream"
		conn, resp, err := websocket.DefaultDialer.DialContext(ctx, base.String(), header)
		if err != nil {
			status := ""
			if resp != nil {
				status = " (HTTP " + resp.Status + ")"
			}
			return fmt.Errorf("%w: ingest stream %s: %v%s", ErrWire, base, err, status)
		}
		s.stream = conn
		s.acks = make(chan sentBatch, 1024)
		go s.readAcks()
	default:
		for _, b := range cfg.Ingests {
			u, _ := url.Parse(b)
			u.Path = "/ingest/v1/events"
			u.RawQuery = base.RawQuery
			s.urls = append(s.urls, u.String())
		}
		s.http = &http.Client{Timeout: 30 * time.Second}
		s.posts = make(chan postJob, 64)
		go s.poster()
	}
	return nil
}

// postJob is one HTTP batch for the poster.
type postJob struct {
	body  []byte
	batch sentBatch
}

// poster posts the batches one at a time, in order, so that the sender's
// loop (and its calendar boundaries) does not wait for the answers.
func (s *sender) poster() {
	for job := range s.posts {
		if err := s.post(job.body, job.batch); err != nil {
			s.rec.Mutex.Lock()
			s.rec.Count(oracle.CounterErrors, int64(len(job.batch.intended)))
			s.rec.Mutex.Unlock()
			s.w.fail(fmt.Errorf("%w: ingest: %v", ErrWire, err))
			s.acked <- ackedBatch{batch: job.batch, failed: true}
		}
	}
}

// loop serves items until in is closed.
func (s *sender) loop() {
	flush := time.NewTimer(time.Hour)
	tick := time.NewTimer(time.Hour)
	defer flush.Stop()
	defer tick.Stop()
	for {
		if s.count > 0 {
			flush.Reset(max(0, time.Until(s.first.Add(s.w.cfg.Wire.BatchDelay))))
		} else {
			flush.Reset(time.Hour)
		}
		tick.Reset(s.nextBoundary())
		select {
		case item, ok := <-s.in:
			if !ok {
				s.send()
				s.waitAcks()
				if s.stream != nil {
					_ = s.stream.Close()
				}
				if s.posts != nil {
					close(s.posts)
				}
				return
			}
			s.handle(&item)
		case a := <-s.acked:
			s.commit(&a)
		case <-s.poke:
			s.advance()
		case <-flush.C:
			s.send()
		case <-tick.C:
			s.advance()
		}
	}
}

// nextBoundary returns how long until the earliest pending calendar
// instant; an hour when there is none or when it is due but waits for an
// answer (the answer advances).
func (s *sender) nextBoundary() time.Duration {
	if len(s.bounds) == 0 {
		return time.Hour
	}
	d := time.Until(s.bounds[0].At)
	if d <= 0 && len(s.unacked) > 0 && s.unacked[0] < s.bounds[0].At.UnixNano() {
		return time.Hour
	}
	return max(d, 0)
}

// handle maps one item, keeps its events for the models and adds them
// to the batch.
func (s *sender) handle(item *senderItem) {
	w := s.w
	switch item.kind {
	case itemBarrier:
		s.send()
		s.waitAcks()
		close(item.done)
		return
	case itemSession:
		// The server's own ClientLogin for the watcher connection, made
		// when the client logged in (setup, no batch in flight).
		ev := ingest.Event{Op: ingest.OpClientLogin, Contact: w.plan.Population.Users[item.user].ContactID, Client: "presencesim-watcher", Device: engine.DeviceDesktop}
		s.apply(item.user, &ev, time.Now().UnixNano(), item.intended, item.measured)
		return
	case itemEndDay:
		s.ops = s.ops[:0]
		for user := range s.userBounds {
			s.ops = append(s.ops, ingest.Event{Op: ingest.OpSetAppointments, Contact: w.plan.Population.Users[user].ContactID})
		}
		for i := range s.ops {
			s.add(w.plan.Index[s.ops[i].Contact], &s.ops[i], 0, false)
		}
		s.send()
		return
	case itemDirectory:
		s.ops = w.mapper.Directory(int(item.user), s.ops[:0])
	default:
		if item.measured {
			s.rec.Mutex.Lock()
			s.rec.Count(oracle.CounterEvents, 1)
			s.rec.Mutex.Unlock()
		}
		item.user = item.ev.User
		s.ops = w.mapper.Ops(&item.ev, s.ops[:0])
	}
	for i := range s.ops {
		s.add(item.user, &s.ops[i], item.intended, item.measured)
	}
}

// add puts one event into the batch and keeps it for the user's model.
func (s *sender) add(user int32, op *ingest.Event, intended int64, measured bool) {
	if s.count == 0 {
		s.first = time.Now()
	}
	s.batch = ingest.AppendEvent(s.batch, op)
	s.count++
	pe := pendingEvent{user: user, ev: *op, intended: intended, measured: measured}
	pe.ev.Appointments = slices.Clone(op.Appointments) // the mapper's calendar changes in place
	s.pending = append(s.pending, pe)
	if measured {
		s.times = append(s.times, intended)
	}
	if s.count >= s.w.cfg.Wire.BatchEvents {
		s.send()
	}
}

// commit applies an answered batch to the models: each event at the
// engine time the server applied it, after its user's calendar instants
// up to that time.
func (s *sender) commit(a *ackedBatch) {
	if len(s.unacked) > 0 {
		s.unacked = s.unacked[1:]
	}
	if !a.failed {
		for i := range a.batch.events {
			pe := &a.batch.events[i]
			if i >= len(a.times) || a.times[i] == 0 {
				continue // refused by the server (counted as an error): nothing changed
			}
			s.apply(pe.user, &pe.ev, a.times[i], pe.intended, pe.measured)
		}
	}
	s.advance()
}

// apply runs the user's calendar instants up to at, then applies ev to the
// model at engine time at and appends the change.
func (s *sender) apply(user int32, ev *ingest.Event, at, intended int64, measured bool) {
	s.tickUser(user, at)
	log := &s.w.plan.Logs[user]
	changed := log.State.Apply(ev, time.Unix(0, at))
	s.appendChange(user, changed, intended, at, measured)
	if ev.Op == ingest.OpSetAppointments {
		// The engine's wake-ups come from the new calendar only.
		instants := log.State.Boundaries(time.Unix(0, at), nil)
		list := make([]int64, 0, len(instants))
		for _, t := range instants {
			list = append(list, t.UnixNano())
		}
		slices.Sort(list)
		list = slices.Compact(list)
		if len(list) == 0 {
			delete(s.userBounds, user)
		} else {
			s.userBounds[user] = list
		}
		for _, t := range list {
			heap.Push(&s.bounds, oracle.Boundary{At: time.Unix(0, t), User: user})
		}
	}
}

// tickUser applies the user's calendar instants at or before upTo to the
// model, each at its own instant, as the engine runs them.
func (s *sender) tickUser(user int32, upTo int64) {
	list := s.userBounds[user]
	if len(list) == 0 || list[0] > upTo {
		return
	}
	log := &s.w.plan.Logs[user]
	for len(list) > 0 && list[0] <= upTo {
		at := list[0]
		list = list[1:]
		changed := log.State.Tick(time.Unix(0, at))
		s.appendChange(user, changed, at, at, true)
	}
	if len(list) == 0 {
		delete(s.userBounds, user)
	} else {
		s.userBounds[user] = list
	}
}

// advance applies the calendar instants that no unanswered event can
// precede any more (those at or before the oldest unanswered batch's send
// time, and at or before now) and moves final there.
func (s *sender) advance() {
	horizon := time.Now().UnixNano()
	if len(s.unacked) > 0 && s.unacked[0] < horizon {
		horizon = s.unacked[0]
	}
	for len(s.bounds) > 0 && s.bounds[0].At.UnixNano() <= horizon {
		b := heap.Pop(&s.bounds).(oracle.Boundary)
		s.tickUser(b.User, horizon)
	}
	s.finalMu.Lock()
	if horizon > s.final {
		s.final = horizon
		close(s.finalCh)
		s.finalCh = make(chan struct{})
	}
	s.finalMu.Unlock()
}

// awaitFinal waits until the logs of the sender's users hold every change
// the server made at or before t (wall ns), or until timeout. It reports
// whether they do.
func (s *sender) awaitFinal(t int64, timeout time.Duration) bool {
	var timer *time.Timer
	for {
		s.finalMu.Lock()
		final, ch := s.final, s.finalCh
		s.finalMu.Unlock()
		if final >= t {
			if timer != nil {
				timer.Stop()
			}
			return true
		}
		select {
		case s.poke <- struct{}{}:
		default:
		}
		if timer == nil {
			timer = time.NewTimer(timeout)
		}
		select {
		case <-ch:
		case <-timer.C:
			return false
		}
	}
}

// appendChange turns a model change into a log entry.
func (s *sender) appendChange(user int32, changed engine.Section, intended, applied int64, measured bool) {
	if changed == 0 {
		return
	}
	log := &s.w.plan.Logs[user]
	prev := s.prints[user]
	if prev == nil {
		prev = &[oracle.NumClasses]oracle.ViewPrint{}
		for c := range oracle.NumClasses {
			prev[c] = oracle.NewExpected().Print(uint8(c))
		}
		s.prints[user] = prev
	}
	log.Seq++
	ch := &oracle.Change{Key: log.Seq, Intended: intended, Applied: applied, Measured: measured}
	for c := range oracle.NumClasses {
		ch.Prints[c] = log.State.Print(uint8(c))
		sections := changed & oracle.ClassSections[c]
		if sections&engine.SectionCalls != 0 && ch.Prints[c].Calls == prev[c].Calls {
			sections &^= engine.SectionCalls
		}
		ch.Changed[c] = sections
	}
	*prev = ch.Prints
	log.Append(ch)
	s.rec.Mutex.Lock()
	s.rec.Count(oracle.CounterChanges, 1)
	s.rec.Mutex.Unlock()
}

// send sends the batch.
func (s *sender) send() {
	if s.count == 0 {
		return
	}
	// The send time is read before the batch leaves: the server applies
	// every event of it later (advance relies on that).
	batch := sentBatch{intended: s.times, sent: time.Now(), events: s.pending}
	s.times, s.pending = nil, nil
	s.unacked = append(s.unacked, batch.sent.UnixNano())
	var err error
	if s.stream != nil {
		s.seq++
		batch.seq = s.seq
		msg := append([]byte(`{"seq":`+strconv.FormatUint(s.seq, 10)+"}\n"), s.batch...)
		s.acks <- batch
		err = s.stream.WriteMessage(websocket.TextMessage, msg)
	} else {
		s.posts <- postJob{body: append([]byte(nil), s.batch...), batch: batch}
	}
	if err != nil {
		s.rec.Mutex.Lock()
		s.rec.Count(oracle.CounterErrors, int64(s.count))
		s.rec.Mutex.Unlock()
		s.w.fail(fmt.Errorf("%w: ingest: %v", ErrWire, err))
	}
	s.batch = s.batch[:0]
	s.count = 0
}

// ingestAnswer is the answer to a batch (HTTP body or WebSocket ack).
type ingestAnswer struct {
	Seq     uint64  `json:"seq"`
	Applied int     `json:"applied"`
	Failed  int     `json:"failed"`
	Error   string  `json:"error"`
	Times   []int64 `json:"times"`
}

// post sends a batch over HTTP and accounts its answer.
func (s *sender) post(body []byte, batch sentBatch) error {
	// A node that fails (connection refused or reset, or an answer of 502-504
	// while its cluster moves ownership) gets the batch re-sent to the next
	// node for up to failoverTimeout: the sources' re-send contract of
	// docs/CLUSTER.md. Events are state assignments, so a batch the failed
	// node had applied in part is applied again without harm.
	deadline := time.Now().Add(failoverTimeout)
	for {
		err := s.postOnce(s.urls[s.node%len(s.urls)], body, batch)
		if err == nil || len(s.urls) == 1 || time.Now().After(deadline) {
			return err
		}
		var status httpStatusError
		if errors.As(err, &status) && (status < 502 || status > 504) {
			return err
		}
		s.w.cfg.Logger.Warn("presencesim: ingest node failed, re-sending the batch to the next one", "node", s.urls[s.node%len(s.urls)], "error", err)
		s.node++
		time.Sleep(50 * time.Millisecond)
	}
}

// httpStatusError is an ingest answer other than 200.
type httpStatusError int

func (e httpStatusError) Error() string { return "HTTP " + strconv.Itoa(int(e)) }

func (s *sender) postOnce(url string, body []byte, batch sentBatch) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	if t := s.w.cfg.Wire.Token; t != "" {
		req.Header.Set("Authorization", "Bearer "+t)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	answerBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var answer ingestAnswer
	_ = json.Unmarshal(answerBody, &answer)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s", httpStatusError(resp.StatusCode), bytes.TrimSpace(answerBody))
	}
	s.acknowledged(batch, &answer, time.Now())
	s.acked <- ackedBatch{batch: batch, times: answer.Times}
	return nil
}

// readAcks reads the stream's acknowledgements (in batch order) and hands
// them to the loop.
func (s *sender) readAcks() {
	defer close(s.broken)
	for {
		_, data, err := s.stream.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now()
		var answer ingestAnswer
		if err := json.Unmarshal(data, &answer); err != nil {
			s.w.fail(fmt.Errorf("%w: ingest ack %q: %v", ErrWire, data, err))
			continue
		}
		batch := <-s.acks
		if batch.seq != answer.Seq {
			s.w.fail(fmt.Errorf("%w: ingest ack %d for batch %d", ErrWire, answer.Seq, batch.seq))
		}
		s.acknowledged(batch, &answer, now)
		s.acked <- ackedBatch{batch: batch, times: answer.Times}
	}
}

// acknowledged records the ingest latency of a batch's events and its
// failures.
func (s *sender) acknowledged(batch sentBatch, answer *ingestAnswer, at time.Time) {
	s.rec.Mutex.Lock()
	defer s.rec.Mutex.Unlock()
	for _, intended := range batch.intended {
		s.rec.Record(oracle.MetricIngest, at.UnixNano()-intended)
	}
	if answer.Failed > 0 || answer.Error != "" {
		s.rec.Count(oracle.CounterErrors, int64(max(answer.Failed, 1)))
		if answer.Error != "" {
			s.w.fail(fmt.Errorf("%w: ingest refused a batch: %s", ErrWire, answer.Error))
		}
	}
}

// waitAcks waits until every sent batch is answered and applied to the
// models (30 s at most, or until the ack stream broke).
func (s *sender) waitAcks() {
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for len(s.unacked) > 0 {
		select {
		case a := <-s.acked:
			s.commit(&a)
		case <-s.broken:
			return
		case <-deadline.C:
			return
		}
	}
}
