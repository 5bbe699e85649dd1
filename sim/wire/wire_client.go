package wire

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
	"github.com/ucpresence/presence/sim/driver"
	"github.com/ucpresence/presence/sim/oracle"
)

// ErrWire is wrapped by the wire driver's protocol and transport errors.
var ErrWire = errors.New("run: wire")

// wireClient is one virtual client: a ROSE-over-WebSocket connection of
// one user (direct login), its reader goroutine and, for watchers, the
// user's watcher view. Invokes are written by the setup goroutine only;
// the reader owns the view once the day runs.
type wireClient struct {
	w    *wire
	user int32
	view *oracle.WatcherView // nil for a connection that only sets rights
	conn *websocket.Conn
	rec  *oracle.Recorder

	writeMu sync.Mutex // guards conn writes and nextID
	nextID  int64

	mu      sync.Mutex // guards waiters
	waiters map[int64]chan *protocol.Message

	seen        int64        // updates read (fault injection); reader only
	dec         eventDecoder // the reader's event decoder
	decoded     int64        // events the fast decoder read; reader only
	answers     int64        // results the fast decoder read; reader only
	lastMessage atomic.Int64 // wall ns of the last update received
	done        chan struct{}
	ready       atomic.Bool // views initialised: updates are accounted
	closing     atomic.Bool // close was called: a read error is expected

	// loginTook is dial to login result (dialClient); firstSubscribed the
	// moment the first subscribe result of the last subscribeAll arrived.
	// Written and read by the goroutine that logs in and subscribes.
	loginTook       time.Duration
	firstSubscribed time.Time
	// sessionToken is the JWT the login returned ("" if none): a
	// reconnect logs in with it.
	sessionToken string
	index        int // position in wire.clients (watchers), -1 otherwise
	node         int // index into Wire.Targets of the node it is connected to
	// resync holds the updates read while a client that replaced a failed
	// one subscribes again (wire_failover.go); nil otherwise.
	resync *resyncQueue

	// The reader merges an update into the view and hands it to the
	// resolver, which accounts it once the owner's sender has every
	// change the server made up to the update's arrival (awaitFinal):
	// the reader keeps reading meanwhile, so waiting for the ingest
	// answers does not delay the arrival times.
	resolve       chan resolveItem
	keys          []uint64     // the resolver's positions in the change logs, parallel to view.Subs
	unresolved    atomic.Int64 // updates handed to the resolver and not yet accounted
	resolveClosed atomic.Bool
}

// resolveItem is one update for the resolver.
type resolveItem struct {
	sub           int32 // index in view.Subs
	changed       engine.Section
	before, after oracle.ViewPrint
	recv          int64
}

// resolveQueue is the resolver's queue length per client: 64 updates
// (9 KB; a full queue makes the reader wait, which delays arrival times,
// so it must hold a burst: a console's 10:00 boundaries come in one
// write per batch).
const resolveQueue = 64

// resolveTimeout bounds the wait for a sender's answers; past it the
// update is accounted against an incomplete log and an error counted.
const resolveTimeout = 10 * time.Second

// dialClient connects, negotiates and logs in user, and starts the reader.
func (w *wire) dialClient(ctx context.Context, user int32, view *oracle.WatcherView) (*wireClient, error) {
	return w.dialClientAt(ctx, user, view, int(user)%len(w.cfg.Wire.Targets), nil)
}

// dialClientWith is dialClient logging in with jwt when it is not empty:
// a reconnecting client presents the token its previous login returned,
// as real clients do (a password login costs the server a PBKDF2 hash).
func (w *wire) dialClientWith(ctx context.Context, user int32, view *oracle.WatcherView, jwt string) (*wireClient, error) {
	return w.dialClientAtWith(ctx, user, view, int(user)%len(w.cfg.Wire.Targets), nil, jwt)
}

// dialClientAt is dialClient to node (an index into Wire.Targets); resync
// is set for a client that replaces a failed one.
func (w *wire) dialClientAt(ctx context.Context, user int32, view *oracle.WatcherView, node int, resync *resyncQueue) (*wireClient, error) {
	return w.dialClientAtWith(ctx, user, view, node, resync, "")
}

// dialClientAtWith is dialClientAt with an optional JWT login.
func (w *wire) dialClientAtWith(ctx context.Context, user int32, view *oracle.WatcherView, node int, resync *resyncQueue, jwt string) (*wireClient, error) {
	started := time.Now()
	target := w.cfg.Wire.Targets[node]
	dialer := websocket.Dialer{ReadBufferSize: 16 << 10, WriteBufferSize: 4 << 10, HandshakeTimeout: 10 * time.Second}
	conn, _, err := dialer.DialContext(ctx, target, http.Header{})
	if err != nil {
		return nil, fmt.Errorf("%w: dial %s: %v", ErrWire, target, err)
	}
	c := &wireClient{w: w, user: user, view: view, conn: conn, rec: w.clientRecorder(user),
		waiters: map[int64]chan *protocol.Message{}, done: make(chan struct{}), index: -1, node: node, resync: resync}
	if view != nil {
		c.keys = make([]uint64, len(view.Subs))
		c.resolve = make(chan resolveItem, resolveQueue)
		go c.resolver()
	}
	go c.readLoop()
	if _, err := c.call(ctx, "asnNegotiateServerConnectionV2", &protocol.AsnNegotiateServerConnectionV2Argument{
		MinSupportedInterfaceVersion: "8", MaxSupportedInterfaceVersion: "8", ClientDeviceID: "presencesim-" + strconv.Itoa(int(user)),
		ClientVersion: driver.Version, ClientAppID: 1, ClientDeviceName: "presencesim", ClientCapabilities: 4,
	}); err != nil {
		c.close()
		return nil, err
	}
	login := &protocol.AsnLoginV2ChoiceArgument{}
	if jwt != "" {
		login.Bearer = &protocol.AsnAuthBearer{JWT: jwt}
	} else if w.cfg.Wire.Auth == "basic" {
		credential := w.expand(w.cfg.Wire.Login, user) + ":" + w.cfg.Wire.Password
		login.Basic = &protocol.AsnAuthBasicCredential{Credential: base64.StdEncoding.EncodeToString([]byte(credential))}
	} else {
		login.Bearer = &protocol.AsnAuthBearer{JWT: w.expand(w.cfg.Wire.ClientToken, user)}
	}
	res, err := c.call(ctx, "asnLoginV2", &protocol.AsnLoginV2Argument{Auth: login})
	if err != nil {
		c.close()
		return nil, err
	}
	var result protocol.AsnLoginV2Result
	if err := json.Unmarshal(res.Result.Value, &result); err != nil || result.Succeeded == nil {
		c.close()
		return nil, fmt.Errorf("%w: login of %s refused: %s", ErrWire, w.plan.Population.Users[user].ContactID, res.Result.Value)
	}
	c.loginTook = time.Since(started)
	if t := result.Succeeded.Token; t != nil {
		c.sessionToken = t.JWT.Value
	}
	w.liveMu.Lock()
	w.live = append(w.live, c)
	w.liveMu.Unlock()
	return c, nil
}

// sendRaw writes an encoded message unless the connection is closing; an
// error ends nothing here (the reader sees the connection fail).
func (c *wireClient) sendRaw(msg []byte) {
	if c.closing.Load() {
		return
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_ = c.conn.WriteMessage(websocket.TextMessage, msg)
	_ = c.conn.SetWriteDeadline(time.Time{})
}

// expand fills a credential template: {id} contact id, {name} its user
// part (sip:user000007@example.com: user000007), {index} user number,
// {login} the login name template's value.
func (w *wire) expand(template string, user int32) string {
	u := &w.plan.Population.Users[user]
	name := strings.TrimPrefix(u.ContactID, "sip:")
	if at := strings.IndexByte(name, '@'); at >= 0 {
		name = name[:at]
	}
	r := strings.NewReplacer("{id}", u.ContactID, "{name}", name, "{index}", strconv.Itoa(int(user)))
	s := r.Replace(template)
	if strings.Contains(s, "{login}") {
		s = strings.ReplaceAll(s, "{login}", r.Replace(w.cfg.Wire.Login))
	}
	return s
}

// send writes one invoke and returns a channel for its answer.
func (c *wireClient) send(op string, arg any) (chan *protocol.Message, error) {
	operation, ok := protocol.OperationByName(op)
	if !ok {
		return nil, fmt.Errorf("%w: unknown operation %s", ErrWire, op)
	}
	answer := make(chan *protocol.Message, 1)
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.nextID++
	id := c.nextID
	msg, err := protocol.AppendInvoke(nil, id, operation, arg, false)
	if err != nil {
		return nil, fmt.Errorf("%w: encode %s: %v", ErrWire, op, err)
	}
	c.mu.Lock()
	c.waiters[id] = answer
	c.mu.Unlock()
	if err := c.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
		return nil, fmt.Errorf("%w: write %s: %v", ErrWire, op, err)
	}
	return answer, nil
}

// await waits for an answer; errors and rejects become Go errors.
func (c *wireClient) await(ctx context.Context, op string, answer chan *protocol.Message) (*protocol.Message, error) {
	timer := time.NewTimer(30 * time.Second)
	defer timer.Stop()
	select {
	case m, ok := <-answer:
		if !ok || m == nil {
			return nil, fmt.Errorf("%w: connection closed during %s", ErrWire, op)
		}
		switch {
		case m.Result != nil:
			return m, nil
		case m.Error != nil:
			return nil, fmt.Errorf("%w: %s failed: %+v", ErrWire, op, m.Error)
		default:
			return nil, fmt.Errorf("%w: %s rejected: %+v", ErrWire, op, m.Reject)
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timer.C:
		return nil, fmt.Errorf("%w: no answer to %s in 30 s", ErrWire, op)
	}
}

// call is send + await.
func (c *wireClient) call(ctx context.Context, op string, arg any) (*protocol.Message, error) {
	answer, err := c.send(op, arg)
	if err != nil {
		return nil, err
	}
	return c.await(ctx, op, answer)
}

// readLoop reads until the connection ends: answers go to their waiters,
// asnUpdatePresenceV2 events into the view.
func (c *wireClient) readLoop() {
	defer close(c.done)
	defer c.failWaiters()
	var lastPause time.Time
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			if c.closing.Load() {
				return
			}
			if c.index >= 0 && c.ready.Load() && len(c.w.cfg.Wire.Targets) > 1 {
				// A cluster: reconnect to the next node and subscribe again.
				defer func() { go c.w.failover(c, err) }()
			} else if c.w.readFailed.CompareAndSwap(false, true) {
				c.w.cfg.Logger.Error("presencesim: a client connection failed", "user", c.w.plan.Population.Users[c.user].ContactID, "error", err)
			}
			return
		}
		recv := time.Now()
		if c.resync != nil && c.resync.hold(data, recv) {
			continue
		}
		if c.dec.decode(data) {
			if c.view != nil {
				c.decoded++
				if c.decoded%eventCrossCheck == 0 && !c.crossCheck(data) {
					c.countError()
				}
			}
			c.update(&c.dec.arg, recv.UnixNano())
			c.slowPause(recv, &lastPause)
			continue
		}
		var m *protocol.Message
		if r, ok := c.dec.answer(); ok {
			m = &protocol.Message{Result: r, ArrayWrapped: data[0] == '['}
			if c.answers++; c.answers%eventCrossCheck == 0 && !c.crossCheckAnswer(data, r) {
				c.countError()
			}
		} else if m, err = protocol.DecodeMessage(data); err != nil {
			c.countError()
			continue
		}
		switch {
		case m.Invoke != nil:
			if m.Invoke.Operation.ID == protocol.OperationUpdatePresenceV2 {
				var arg protocol.AsnUpdatePresenceV2Argument
				if err := json.Unmarshal(m.Invoke.Argument, &arg); err != nil {
					c.countError()
				} else {
					c.update(&arg, recv.UnixNano())
				}
			} else if m.Invoke.Operation.ID == protocol.OperationRemovePresence {
				c.countError()
			}
		default:
			id := int64(-1)
			switch {
			case m.Result != nil:
				id = m.Result.InvokeID
			case m.Error != nil:
				id = m.Error.InvokedID
			case m.Reject != nil && !m.Reject.InvokedNull:
				id = m.Reject.InvokedID
			}
			c.mu.Lock()
			answer := c.waiters[id]
			delete(c.waiters, id)
			c.mu.Unlock()
			if answer != nil {
				answer <- m
			}
		}
		c.slowPause(recv, &lastPause)
	}
}

// slowPause makes a slow reader stop reading for SlowReaderDelay once per
// SlowReaderDelay: what arrives meanwhile waits in the socket.
func (c *wireClient) slowPause(recv time.Time, lastPause *time.Time) {
	if c.view != nil && c.view.Slow && c.ready.Load() && recv.Sub(*lastPause) > c.w.cfg.SlowReaderDelay {
		time.Sleep(c.w.cfg.SlowReaderDelay)
		*lastPause = time.Now()
	}
}

// crossCheck decodes data with protocol.DecodeMessage and encoding/json
// and compares the result with the fast decoder's (c.dec.arg); a
// difference is logged once per run and counted as an error.
func (c *wireClient) crossCheck(data []byte) bool {
	var arg protocol.AsnUpdatePresenceV2Argument
	m, err := protocol.DecodeMessage(data)
	if err == nil && m.Invoke != nil {
		err = json.Unmarshal(m.Invoke.Argument, &arg)
	}
	if err == nil && sameDigest(&arg, &c.dec.arg) {
		return true
	}
	if c.w.decodeMismatch.CompareAndSwap(false, true) {
		c.w.cfg.Logger.Error("presencesim: the fast event decoder disagrees with encoding/json", "frame", string(data), "error", err)
	}
	return false
}

// crossCheckAnswer decodes a result frame with protocol.DecodeMessage and
// compares it with the fast decoder's r; a difference is logged once per
// run.
func (c *wireClient) crossCheckAnswer(data []byte, r *protocol.Result) bool {
	m, err := protocol.DecodeMessage(data)
	if err == nil && m.Result != nil && sameResult(m.Result, r) {
		return true
	}
	if c.w.decodeMismatch.CompareAndSwap(false, true) {
		c.w.cfg.Logger.Error("presencesim: the fast result decoder disagrees with encoding/json", "frame", string(data), "error", err)
	}
	return false
}

// sameResult compares two decoded ROSE results member by member.
func sameResult(a, b *protocol.Result) bool {
	return a.InvokeID == b.InvokeID && a.HasValue == b.HasValue && a.ResultValue == b.ResultValue &&
		a.SessionID == b.SessionID && bytes.Equal(a.Value, b.Value)
}

func (c *wireClient) failWaiters() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, answer := range c.waiters {
		close(answer)
		delete(c.waiters, id)
	}
}

func (c *wireClient) countError() {
	c.rec.Mutex.Lock()
	c.rec.Count(oracle.CounterErrors, 1)
	c.rec.Mutex.Unlock()
}

// update merges one asnUpdatePresenceV2 into the view and hands it to
// the resolver.
func (c *wireClient) update(arg *protocol.AsnUpdatePresenceV2Argument, recv int64) {
	c.lastMessage.Store(recv) // also unaccounted ones: Quiesce waits for the traffic to stop
	if c.view == nil || !c.ready.Load() {
		return
	}
	w := c.w
	owner, ok := w.plan.Index[arg.Presence.ContactID]
	i := -1
	if ok {
		i = c.view.SubIndex(owner)
	}
	c.rec.Mutex.Lock()
	c.rec.Count(oracle.CounterDeliveries, 1)
	if i < 0 {
		c.rec.Count(oracle.CounterErrors, 1)
		c.rec.Mutex.Unlock()
		return
	}
	c.seen++
	f := &w.cfg.Fault
	if f.DropEvery > 0 && c.seen%int64(f.DropEvery) == 0 {
		c.rec.Count(oracle.CounterDropped, 1)
		c.rec.Mutex.Unlock()
		return
	}
	sv := &c.view.Subs[i]
	item := resolveItem{sub: int32(i), changed: engine.Section(arg.ChangedFlags), before: sv.Print, recv: recv}
	MergePresence(sv, &arg.Presence, item.changed)
	if f.CorruptEvery > 0 && c.seen%int64(f.CorruptEvery) == 0 {
		sv.Print.Note ^= 0x5a5a
		c.rec.Count(oracle.CounterDropped, 1)
	}
	c.rec.Mutex.Unlock()
	item.after = sv.Print
	c.unresolved.Add(1)
	c.resolve <- item
}

// anomalyKinds index wire.anomaliesLogged.
var anomalyKinds = map[string]int{"torn": 0, "duplicated": 1, "out of order": 2, "stale": 3}

// resolver accounts the updates in arrival order, each once the log of
// its owner is complete up to its arrival (the sender's final): the
// update then reflects a change in the log or is an anomaly. Nothing is
// left to a time window.
func (c *wireClient) resolver() {
	for item := range c.resolve {
		sv := &c.view.Subs[item.sub]
		complete := c.w.senderOf(sv.Owner).awaitFinal(item.recv, resolveTimeout)
		view := oracle.SubView{Owner: sv.Owner, Class: sv.Class, Flags: sv.Flags, Key: c.keys[item.sub], Print: item.after}
		log := &c.w.plan.Logs[sv.Owner]
		c.rec.Mutex.Lock()
		if !complete {
			c.rec.Count(oracle.CounterErrors, 1)
		}
		torn, duplicated := c.rec.Counter(oracle.CounterTorn), c.rec.Counter(oracle.CounterDuplicated)
		anomaly := ""
		switch oracle.ResolveMatched(log, c.view, &view, item.changed, &item.before, item.recv, c.rec) {
		case oracle.Resolved:
			switch {
			case c.rec.Counter(oracle.CounterTorn) != torn:
				anomaly = "torn"
			case c.rec.Counter(oracle.CounterDuplicated) != duplicated:
				anomaly = "duplicated"
			}
		case oracle.OlderView:
			c.rec.Count(oracle.CounterOutOfOrder, 1)
			anomaly = "out of order"
		default:
			c.rec.Count(oracle.CounterStale, 1)
			anomaly = "stale"
		}
		c.rec.Mutex.Unlock()
		if anomaly != "" && c.w.anomaliesLogged[anomalyKinds[anomaly]].Add(1) <= 10 {
			c.w.cfg.Logger.Warn("presencesim: "+anomaly+" update", "watcher", c.w.plan.Population.Users[c.user].ContactID,
				"contact", c.w.plan.Population.Users[sv.Owner].ContactID, "class", sv.Class, "changed", item.changed.String(),
				"recv", item.recv, "view_differs_from_before", item.before.Differs(&item.after, sv.Compared()).String(),
				"log", oracle.Explain(log, &view))
		}
		c.keys[item.sub] = view.Key
		c.unresolved.Add(-1)
	}
}

// drained waits until the resolver accounted every update handed to it
// (or until deadline) and copies its positions into the view. The reader
// must have stopped handing updates (ready false, or the day over).
func (c *wireClient) drained(deadline time.Time) bool {
	if c.view == nil {
		return true
	}
	for c.unresolved.Load() > 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i := range c.view.Subs {
		c.view.Subs[i].Key = c.keys[i]
	}
	return true
}

// drop closes the connection abruptly, as a network failure or a server
// restart does (no logoff), and waits for the reader to end.
func (c *wireClient) drop() {
	c.closing.Store(true)
	c.ready.Store(false)
	_ = c.conn.Close()
	<-c.done
	if c.resolve != nil && c.resolveClosed.CompareAndSwap(false, true) {
		close(c.resolve) // the reader has stopped: nothing is handed any more
	}
}

// logoff ends the session politely and closes the connection.
func (c *wireClient) close() {
	c.closing.Store(true)
	c.writeMu.Lock()
	if operation, ok := protocol.OperationByName("asnLogoff"); ok {
		if msg, err := protocol.AppendEvent(nil, operation, &protocol.AsnLogoffArgument{}, false); err == nil {
			_ = c.conn.SetWriteDeadline(time.Now().Add(time.Second))
			_ = c.conn.WriteMessage(websocket.TextMessage, msg)
		}
	}
	_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
	c.writeMu.Unlock()
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
	}
	_ = c.conn.Close()
	<-c.done
	if c.resolve != nil && c.resolveClosed.CompareAndSwap(false, true) {
		close(c.resolve) // the reader has stopped: nothing is handed any more
	}
}
