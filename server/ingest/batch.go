package ingest

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/ucpresence/presence/engine"
)

// Limits bound one batch. The zero value of a field means its default.
type Limits struct {
	// MaxBatchBytes is the largest batch in bytes: an HTTP body or a
	// WebSocket message (header line included). Zero means 8 MiB.
	MaxBatchBytes int
	// MaxEvents is the largest number of events (non-blank lines) in a
	// batch. Zero means 10,000.
	MaxEvents int
	// MaxLineBytes is the longest line in bytes, newline excluded; it bounds
	// setImages events (base64 pictures). Zero means 1 MiB.
	MaxLineBytes int
	// MaxErrors is how many event errors an answer lists; Failed counts
	// them all. Zero means 100.
	MaxErrors int
	// MaxStringBytes bounds every string of an event (ids, names, texts;
	// not the base64 images). Zero means 4 KiB (the client protocol's limit).
	MaxStringBytes int
	// MaxNoteBytes bounds a note. Zero means 8 KiB.
	MaxNoteBytes int
}

// Default limits.
const (
	DefaultMaxBatchBytes = 8 << 20
	DefaultMaxEvents     = 10_000
	DefaultMaxLineBytes  = 1 << 20
	DefaultMaxErrors     = 100
)

func (l Limits) withDefaults() Limits {
	if l.MaxBatchBytes <= 0 {
		l.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if l.MaxEvents <= 0 {
		l.MaxEvents = DefaultMaxEvents
	}
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = DefaultMaxLineBytes
	}
	if l.MaxErrors <= 0 {
		l.MaxErrors = DefaultMaxErrors
	}
	l = l.sizeDefaults()
	return l
}

// EventError is the error of one event of a batch.
type EventError struct {
	Line int    // 1-based line of the batch (of the message, header included)
	ID   string // the event's "id", when the line was read that far
	Err  error
}

// Result is the outcome of a batch whose events were all handed to the
// engine: Applied events were accepted, Failed were not, and Errors lists
// the first Limits.MaxErrors failures in line order. A plain value.
type Result struct {
	Applied int
	Failed  int
	Errors  []EventError
	// Times, when the batch was applied with ReportTimes, has one entry
	// per event in batch order: the engine time (Unix ns) at which it was
	// applied (engine.InputTime), 0 for an event that failed or was routed
	// to another node one by one (Route); events routed as a batch
	// (RouteBatch) report the engine time their owner applied them at.
	Times []int64
}

// BatchApplier decodes NDJSON batches and applies their events to an
// engine, in order, one engine call per event. It reuses its decoder, its
// Event and its Result: not safe for concurrent use; the Handler keeps a
// pool of them.
type BatchApplier struct {
	engine *engine.Engine
	route  func(*Event) error // Config.Route; nil: Apply to engine
	// deferred applies the durable ops without an fsync wait each; their
	// Durables are waited by Apply (HTTP) or by the stream's ack writer.
	deferred *engine.Deferred
	waits    []engine.Durable
	limits   Limits
	dec      Decoder
	ev       Event
	res      Result
	// ReportTimes makes Apply fill Result.Times (the ingest URL's
	// query parameter times=1): a source that alone feeds its contacts
	// learns where each event fell among the contacts' calendar
	// boundaries (the simulator's exact wire oracle, docs/SCENARIOS.md).
	ReportTimes bool

	routeBatch func([]Event, []int64) []error // Config.RouteBatch
	times      []int64                        // routeBatch: the owners' engine times (ReportTimes)
	events     []Event                        // routeBatch: the batch's decoded events
	lines      []int                          // routeBatch: their line numbers
	slots      []int                          // routeBatch: per non-blank line, its index in events or -1
}

// NewBatchApplier returns an applier for e with these limits (zero fields
// take the defaults).
func NewBatchApplier(e *engine.Engine, limits Limits) *BatchApplier {
	return &BatchApplier{engine: e, deferred: e.NewDeferred(), limits: limits.withDefaults()}
}

// Apply applies a batch: one event per line, blank lines ignored, "\r\n"
// accepted. It first checks the whole batch against the limits and returns
// a *BatchError, with nothing applied, when one is exceeded. Otherwise it
// applies every event, in order, and returns when the engine has applied
// the last one; an event that fails (malformed, unknown op, engine error)
// is listed in the result and does not stop the others. The durable ops
// (notes, absent states, images) are group-committed together when the
// engine's persister is an engine.AsyncPersister; Apply returns after the
// last of them is durable, or with an error wrapping engine.ErrNotDurable
// (and the Result of what was applied in memory) when the store failed.
// The Result belongs to the applier and is valid until its next Apply.
func (a *BatchApplier) Apply(batch []byte) (*Result, error) {
	res, err := a.apply(batch, 0)
	if err != nil {
		return nil, err
	}
	if err := a.wait(); err != nil {
		return res, err
	}
	return res, nil
}

// wait waits for every durable change applied since the last wait or take
// and returns the first failure.
func (a *BatchApplier) wait() error {
	a.waits = a.deferred.Take(a.waits[:0])
	return waitAll(a.waits)
}

// waitAll waits for every Durable (each must be waited: a failed commit
// can be followed by a successful one) and returns the first failure.
func waitAll(waits []engine.Durable) error {
	var first error
	for i, d := range waits {
		if err := d.Wait(); err != nil && first == nil {
			first = fmt.Errorf("%w: %w", engine.ErrNotDurable, err)
		}
		waits[i] = nil
	}
	return first
}

// apply is Apply for a batch that starts after firstLine lines (the
// WebSocket header), so that line numbers count from the message start.
func (a *BatchApplier) apply(batch []byte, firstLine int) (*Result, error) {
	if err := a.check(batch, firstLine); err != nil {
		return nil, err
	}
	res := &a.res
	clear(res.Errors)
	*res = Result{Errors: res.Errors[:0], Times: res.Times[:0]}
	if a.routeBatch != nil {
		a.applyRouted(batch, firstLine)
		return res, nil
	}
	lineNo := firstLine
	for rest := batch; len(rest) > 0; {
		var line []byte
		line, rest = cutLine(rest)
		lineNo++
		if blank(line) {
			continue
		}
		err := a.dec.Decode(line, &a.ev)
		if err == nil {
			err = a.limits.checkSizes(line, &a.ev)
		}
		if err == nil && a.route != nil {
			err = a.route(&a.ev)
		} else if err == nil {
			err = applyDeferred(a.deferred, &a.ev)
		}
		if a.ReportTimes {
			at := int64(0)
			if err == nil && a.route == nil {
				at = a.engine.InputTime(a.ev.Contact).UnixNano()
			}
			res.Times = append(res.Times, at)
		}
		if err == nil {
			res.Applied++
			continue
		}
		res.Failed++
		if len(res.Errors) < a.limits.MaxErrors {
			res.Errors = append(res.Errors, EventError{Line: lineNo, ID: a.ev.ID, Err: err})
		}
	}
	return res, nil
}

// check enforces the limits before anything is applied: one IndexByte pass
// (memchr speed, under 1% of the decode cost).
func (a *BatchApplier) check(batch []byte, firstLine int) error {
	lim := &a.limits
	if len(batch) > lim.MaxBatchBytes {
		return &BatchError{Err: ErrBatchTooLarge, Limit: lim.MaxBatchBytes}
	}
	events, lineNo := 0, firstLine
	for rest := batch; len(rest) > 0; {
		var line []byte
		line, rest = cutLine(rest)
		lineNo++
		if len(line) > lim.MaxLineBytes {
			return &BatchError{Err: ErrLineTooLong, Line: lineNo, Limit: lim.MaxLineBytes}
		}
		if !blank(line) {
			if events++; events > lim.MaxEvents {
				return &BatchError{Err: ErrTooManyEvents, Line: lineNo, Limit: lim.MaxEvents}
			}
		}
	}
	return nil
}

// cutLine splits off the first line, without its "\n" or "\r\n".
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		line, rest = b, nil
	} else {
		line, rest = b[:i], b[i+1:]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

// blank reports whether a line holds only white space.
func blank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// applyRouted decodes every event of the batch, hands the valid ones to
// routeBatch at once and fills a.res from its answers, in line order.
func (a *BatchApplier) applyRouted(batch []byte, firstLine int) {
	res := &a.res
	fail := func(line int, id string, err error) {
		res.Failed++
		if len(res.Errors) < a.limits.MaxErrors {
			res.Errors = append(res.Errors, EventError{Line: line, ID: id, Err: err})
		}
	}
	a.events, a.lines, a.slots = a.events[:0], a.lines[:0], a.slots[:0]
	lineNo := firstLine
	for rest := batch; len(rest) > 0; {
		var line []byte
		line, rest = cutLine(rest)
		lineNo++
		if blank(line) {
			continue
		}
		if len(a.events) == cap(a.events) {
			a.events = append(a.events, Event{})
		} else {
			a.events = a.events[:len(a.events)+1]
		}
		ev := &a.events[len(a.events)-1]
		err := a.dec.Decode(line, ev)
		if err == nil {
			err = a.limits.checkSizes(line, ev)
		}
		if err != nil {
			fail(lineNo, ev.ID, err)
			a.events = a.events[:len(a.events)-1]
			a.slots = append(a.slots, -1)
			continue
		}
		a.slots = append(a.slots, len(a.lines))
		a.lines = append(a.lines, lineNo)
	}
	var times []int64
	if a.ReportTimes {
		times = slices.Grow(a.times[:0], len(a.events))[:len(a.events)]
		clear(times)
		a.times = times
	}
	errs := a.routeBatch(a.events, times)
	if a.ReportTimes {
		// Each applied event reports the engine time its owner applied it
		// at; one the router did not time (0: a directory change) reports
		// the time its batch returned here, after the owners applied it
		// (an upper bound).
		now := time.Now().UnixNano()
		for _, k := range a.slots {
			at := int64(0)
			if k >= 0 && (k >= len(errs) || errs[k] == nil) {
				at = now
				if k < len(times) && times[k] != 0 {
					at = times[k]
				}
			}
			res.Times = append(res.Times, at)
		}
	}
	for i := range a.events {
		if i < len(errs) && errs[i] != nil {
			fail(a.lines[i], a.events[i].ID, errs[i])
		} else {
			res.Applied++
		}
	}
	// Failures were listed as they came: decode errors first, then routing
	// errors; keep the answer in line order.
	slices.SortStableFunc(res.Errors, func(x, y EventError) int { return x.Line - y.Line })
}
