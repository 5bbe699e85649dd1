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
	"strconv"
	"sync/atomic"
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
}

// sender owns a partition of the users (user mod Senders): it keeps their
// presence models and change logs, maps their events, and sends them to
// the ingest API in batches over one connection, so that one user's events
// reach the server in order. It also runs its users' calendar boundaries
// on the model at their wall times (the server's engine runs them on its
// own clock).
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
	acks   chan sentBatch
	open   atomic.Int64 // batches not yet acknowledged

	bounds oracle.BoundaryHeap // calendar boundaries of its users (wall times)
	prints map[int32]*[oracle.NumClasses]oracle.ViewPrint
}

// connect opens the sender's ingest connection.
func (s *sender) connect(ctx context.Context) error {
	cfg := &s.w.cfg.Wire
	base, _ := url.Parse(cfg.Ingests[s.node%len(cfg.Ingests)])
	header := http.Header{}
	if cfg.Token != "" {
		header.Set("Authorization", "Bearer "+cfg.Token)
	}
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
		}
		s.open.Add(-1)
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
		if len(s.bounds) > 0 {
			tick.Reset(max(0, time.Until(s.bounds[0].At)))
		} else {
			tick.Reset(time.Hour)
		}
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
		case <-flush.C:
			s.send()
		case <-tick.C:
			s.boundaries()
		}
	}
}

// handle maps one item, updates the model and the change log, and adds the
// engine inputs to the batch.
func (s *sender) handle(item *senderItem) {
	w := s.w
	switch item.kind {
	case itemBarrier:
		s.send()
		s.waitAcks()
		close(item.done)
		return
	case itemSession:
		// The server's own ClientLogin for the watcher connection.
		ev := ingest.Event{Op: ingest.OpClientLogin, Contact: w.plan.Population.Users[item.user].ContactID, Client: "presencesim-watcher", Device: engine.DeviceDesktop}
		s.record(item.user, &ev, item.intended, item.measured)
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
		op := &s.ops[i]
		s.record(item.user, op, item.intended, item.measured)
		if s.count == 0 {
			s.first = time.Now()
		}
		s.batch = ingest.AppendEvent(s.batch, op)
		s.count++
		if item.measured {
			s.times = append(s.times, item.intended)
		}
		if op.Op == ingest.OpSetAppointments {
			times := w.plan.Logs[item.user].State.Boundaries(time.Now(), nil)
			wall := make([]int64, len(times))
			for k, t := range times {
				heap.Push(&s.bounds, oracle.Boundary{At: t, User: item.user})
				wall[k] = t.UnixNano()
			}
			w.calendars[item.user].Store(&wall)
		}
	}
	if s.count >= w.cfg.Wire.BatchEvents {
		s.send()
	}
}

// record applies one input to the user's model and, if the model changed,
// appends the change (keyed by the contact's change counter).
func (s *sender) record(user int32, op *ingest.Event, intended int64, measured bool) {
	log := &s.w.plan.Logs[user]
	now := time.Now()
	changed := log.State.Apply(op, now)
	s.appendChange(user, changed, intended, now.UnixNano(), measured)
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

// boundaries runs the calendar boundaries that are due on the models.
func (s *sender) boundaries() {
	now := time.Now()
	due := map[int32]time.Time{}
	for len(s.bounds) > 0 && !s.bounds[0].At.After(now) {
		b := heap.Pop(&s.bounds).(oracle.Boundary)
		if t, ok := due[b.User]; !ok || b.At.Before(t) {
			due[b.User] = b.At
		}
	}
	for user, at := range due {
		log := &s.w.plan.Logs[user]
		changed := log.State.Tick(now)
		s.appendChange(user, changed, at.UnixNano(), now.UnixNano(), true)
	}
}

// send sends the batch.
func (s *sender) send() {
	if s.count == 0 {
		return
	}
	batch := sentBatch{intended: s.times, sent: time.Now()}
	s.times = nil
	var err error
	if s.stream != nil {
		s.seq++
		batch.seq = s.seq
		msg := append([]byte(`{"seq":`+strconv.FormatUint(s.seq, 10)+"}\n"), s.batch...)
		s.open.Add(1)
		s.acks <- batch
		err = s.stream.WriteMessage(websocket.TextMessage, msg)
	} else {
		s.open.Add(1)
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
	Seq     uint64 `json:"seq"`
	Applied int    `json:"applied"`
	Failed  int    `json:"failed"`
	Error   string `json:"error"`
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
	return nil
}

// readAcks reads the stream's acknowledgements (in batch order).
func (s *sender) readAcks() {
	for {
		_, data, err := s.stream.ReadMessage()
		if err != nil {
			for s.open.Load() > 0 {
				<-s.acks
				s.open.Add(-1)
			}
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
		s.open.Add(-1)
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

// waitAcks waits until every sent batch is acknowledged (30 s at most).
func (s *sender) waitAcks() {
	deadline := time.Now().Add(30 * time.Second)
	for s.open.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}
