package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/ucpresence/presence/cluster"
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
	"github.com/ucpresence/presence/server/ingest"
)

// The SIGKILL failover test: an embedded NATS server with JetStream in this
// process and three presenced nodes as child processes (this test binary
// re-executed, TestMain in crash_test.go). The demo directory's ten users
// write their notes and absent states (each write waits for its
// acknowledgement) through connections spread over the nodes, a source
// sends line events to any node, and alice watches everybody from one
// connection per node. One node is killed with SIGKILL mid-stream.

const (
	failoverLease  = 1500 * time.Millisecond
	failoverIngest = "failover-ingest"
	watcherID      = "sip:alice@example.com"
)

var failoverUsers = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"}

func failoverContact(login string) string { return "sip:" + login + "@example.com" }

// failoverLine is the line URI the source sets for user i (next to the
// directory's own line).
func failoverLine(i int) string { return fmt.Sprintf("tel:failover-%d", i) }

type clusterChild struct {
	id   string
	cmd  *exec.Cmd
	addr string // HTTP (WebSocket, ingest, healthz)
	dead bool
}

func startClusterChild(t *testing.T, natsURL, id string) *clusterChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PRESENCED_CHILD_ARGS=-http 127.0.0.1:0 -tcp= -pprof= -invoke-rate=100000 -log-level info"+
		" -ingest-token "+failoverIngest+" -cluster "+natsURL+" -node-id "+id+" -cluster-lease "+failoverLease.String())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "presenced started" {
				addr <- line["http"].(string)
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case a := <-addr:
		return &clusterChild{id: id, cmd: cmd, addr: a}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("node %s did not start", id)
	}
	return nil
}

// health reads a node's /healthz JSON.
func (c *clusterChild) health() (cluster.Status, error) {
	var st cluster.Status
	resp, err := http.Get("http://" + c.addr + "/healthz")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return st, err
	}
	_, js, _ := strings.Cut(string(body), "\n")
	return st, json.Unmarshal([]byte(js), &st)
}

// wsClient is a pipelined ROSE client that also keeps what its
// asnUpdatePresenceV2 events showed last per contact.
type wsClient struct {
	ws   *websocket.Conn
	node string

	mu      sync.Mutex // guards pending, next, view
	pending map[int64]chan *protocol.Message
	next    int64
	view    map[string]seen // contact -> latest values seen
	updates int
}

// seen is what a watcher saw of one contact: the sequence numbers the
// test wrote into its note, absent state and line (-1: none).
type seen struct{ note, absent, line int }

func dialNode(t *testing.T, node *clusterChild, login string) (*wsClient, error) {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+node.addr+"/ws/client/websocket", nil)
	if err != nil {
		return nil, err
	}
	c := &wsClient{ws: ws, node: node.id, pending: map[int64]chan *protocol.Message{}, view: map[string]seen{}}
	go c.read()
	if _, err := c.call("asnNegotiateServerConnectionV2", map[string]any{"u8sMinSupportedInterfaceVersion": "8", "u8sMaxSupportedInterfaceVersion": "8",
		"u8sClientDeviceId": "failover-" + login, "u8sClientVersion": "1", "eClientAppID": 1, "u8sClientDeviceName": "failover", "iClientCapabilities": 4}); err != nil {
		ws.Close()
		return nil, err
	}
	if _, err := c.call("asnLoginV2", map[string]any{"auth": map[string]any{"authBasic": map[string]any{
		"credential": base64.StdEncoding.EncodeToString([]byte(login + ":demo"))}}}); err != nil {
		ws.Close()
		return nil, err
	}
	return c, nil
}

func (c *wsClient) read() {
	defer func() {
		c.mu.Lock()
		for id, ch := range c.pending {
			close(ch)
			delete(c.pending, id)
		}
		c.pending = nil
		c.mu.Unlock()
	}()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		m, err := protocol.DecodeMessage(data)
		if err != nil {
			continue
		}
		if m.Invoke != nil {
			if m.Invoke.Operation.ID == protocol.OperationUpdatePresenceV2 {
				var arg protocol.AsnUpdatePresenceV2Argument
				if json.Unmarshal(m.Invoke.Argument, &arg) == nil {
					c.mu.Lock()
					c.updates++
					c.merge(&arg.Presence)
					c.mu.Unlock()
				}
			}
			continue
		}
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
		ch := c.pending[id]
		delete(c.pending, id)
		c.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// merge keeps the sequence numbers a presence shows. Caller holds c.mu.
func (c *wsClient) merge(p *protocol.AsnPresenceV2) {
	s, ok := c.view[p.ContactID]
	if !ok {
		s = seen{-1, -1, -1}
	}
	if p.CustomNote != nil {
		if v, ok := strings.CutPrefix(p.CustomNote.Note, "n-"); ok {
			s.note, _ = strconv.Atoi(v)
		}
	}
	if p.AbsentState != nil {
		if from, ok := p.AbsentState.TimeFrom.Get(); ok {
			s.absent = int(from.Sub(absentBase) / time.Second)
		}
	}
	for _, l := range p.PhoneLines {
		if !strings.HasPrefix(l.LinePhoneNumber, "tel:failover-") {
			continue
		}
		if n, err := strconv.Atoi(l.LineNumber); err == nil {
			s.line = n
		}
	}
	c.view[p.ContactID] = s
}

// call invokes op and waits for its result; an error answer, a reject or
// a closed connection is an error.
func (c *wsClient) call(op string, arg any) (*protocol.Message, error) {
	c.mu.Lock()
	if c.pending == nil {
		c.mu.Unlock()
		return nil, io.ErrClosedPipe
	}
	c.next++
	id := c.next
	ch := make(chan *protocol.Message, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	raw, _ := json.Marshal(arg)
	msg, _ := json.Marshal(map[string]any{"invoke": map[string]any{"invokeID": id, "operationName": op, "argument": json.RawMessage(raw)}})
	if err := c.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
		return nil, err
	}
	select {
	case m, ok := <-ch:
		switch {
		case !ok:
			return nil, io.ErrClosedPipe
		case m.Result == nil:
			return nil, fmt.Errorf("%s refused: %+v %+v", op, m.Error, m.Reject)
		}
		return m, nil
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("%s: no answer in 30 s", op)
	}
}

// subscribe subscribes to ids; the result's presences become the view.
func (c *wsClient) subscribe(ids []string) error {
	m, err := c.call("asnGetAndSubscribePresenceV2", map[string]any{"seqContactIDs": ids, "iEventFlagsToSubscribe": 0xFFFF})
	if err != nil {
		return err
	}
	var result protocol.AsnGetAndSubscribePresenceV2Result
	if err := json.Unmarshal(m.Result.Value, &result); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range result.SubscribedPresence {
		delete(c.view, result.SubscribedPresence[i].ContactID)
		c.merge(&result.SubscribedPresence[i])
	}
	return nil
}

func (c *wsClient) get(id string) seen {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.view[id]; ok {
		return s
	}
	return seen{-1, -1, -1}
}

func noteArg(login string, k int) map[string]any {
	return map[string]any{"customnote": map[string]any{"u8sContactID": failoverContact(login), "u8sUsername": login, "u8sNote": fmt.Sprint("n-", k)}}
}

func absentArg(login string, k int) map[string]any {
	return map[string]any{"absentstate": map[string]any{"u8sContactId": failoverContact(login), "eAbsentState": 1 + k%3,
		"stTimeFrom": absentBase.Add(time.Duration(k) * time.Second).Format(time.RFC3339)}}
}

// postLines sends one setLine event per user with number k to node.
func postLines(node *clusterChild, users []int, k int) error {
	var body []byte
	for _, i := range users {
		body = ingest.AppendEvent(body, &ingest.Event{Op: ingest.OpSetLine, Contact: failoverContact(failoverUsers[i]),
			Line: engine.Line{URI: failoverLine(i), Number: strconv.Itoa(k), State: engine.LineState(1 + k%2), Primary: true}})
	}
	req, _ := http.NewRequest("POST", "http://"+node.addr+"/ingest/v1/events", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+failoverIngest)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	var a struct{ Applied, Failed int }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(answer, &a) != nil || a.Applied != len(users) {
		return fmt.Errorf("ingest answered %d %s", resp.StatusCode, answer)
	}
	return nil
}

// TestClusterSIGKILLFailover kills one of three presenced child processes
// with SIGKILL while every user streams acknowledged note and absent-state
// changes and a source streams line events, then checks that: the dead
// node's contacts are re-owned by the two others (health); no
// acknowledged change is lost (each user's note and absent state shows a
// change between the last acknowledged and the last sent one); the dead
// node's clients reconnect to another node; after a last round of changes
// (and the source re-sending its lines, as the contract asks), every
// watcher on every node converges. It reports the time to re-own and to
// converge.
func TestClusterSIGKILLFailover(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(20 * time.Second) {
		t.Fatal("NATS did not start")
	}
	defer ns.Shutdown()

	ids := []string{"node-1", "node-2", "node-3"}
	nodes := make([]*clusterChild, len(ids))
	var startWG sync.WaitGroup
	for i, id := range ids {
		startWG.Add(1)
		go func() {
			defer startWG.Done()
			nodes[i] = startClusterChild(t, ns.ClientURL(), id)
		}()
	}
	startWG.Wait()
	defer func() {
		for _, n := range nodes {
			if n != nil && !n.dead {
				_ = n.cmd.Process.Signal(syscall.SIGTERM)
			}
		}
		for _, n := range nodes {
			if n == nil || n.dead {
				continue
			}
			done := make(chan struct{})
			go func() { _ = n.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				_ = n.cmd.Process.Kill()
				t.Errorf("node %s did not stop on SIGTERM", n.id)
			}
		}
	}()
	waitUntil(t, 30*time.Second, "three members on every node", func() bool {
		for _, n := range nodes {
			st, err := n.health()
			if err != nil || len(st.Members) != 3 {
				return false
			}
		}
		return true
	})

	// The victim is the node that owns the most users.
	contacts := make([]string, len(failoverUsers))
	owned := map[string][]int{}
	for i, u := range failoverUsers {
		contacts[i] = failoverContact(u)
		o := cluster.OwnerOf(ids, contacts[i])
		owned[o] = append(owned[o], i)
	}
	victim := 0
	for i, id := range ids {
		if len(owned[id]) > len(owned[ids[victim]]) {
			victim = i
		}
	}
	survivors := slices.Delete(slices.Clone(nodes), victim, victim+1)

	// Every user grants alice Personal rights from its own connection
	// (spread over the nodes): rights set on one node filter watchers on
	// the others.
	writers := make([]*wsClient, len(failoverUsers))
	for i, u := range failoverUsers {
		c, err := dialNode(t, nodes[i%3], u)
		if err != nil {
			t.Fatalf("login %s on %s: %v", u, nodes[i%3].id, err)
		}
		defer c.ws.Close()
		writers[i] = c
		if u != "alice" {
			if _, err := c.call("asnSetDynamicRights", map[string]any{"u8sOwnerContactID": contacts[i], "u8sRemoteContactID": watcherID,
				"iDynamicRights": protocol.RightsLevelPersonal}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Watchers watch half of each node's contacts; the other half have no
	// replica anywhere, so their new owner must read them back from
	// JetStream.
	var watched []string
	unwatched := map[int]bool{}
	for _, id := range ids {
		for k, i := range owned[id] {
			if k%2 == 0 {
				watched = append(watched, contacts[i])
			} else {
				unwatched[i] = true
			}
		}
	}
	watchers := make([]*wsClient, len(nodes))
	for i, n := range nodes {
		c, err := dialNode(t, n, "alice")
		if err != nil {
			t.Fatal(err)
		}
		defer c.ws.Close()
		if err := c.subscribe(watched); err != nil {
			t.Fatal(err)
		}
		watchers[i] = c
	}

	// Stream: each user writes note k, then absent state k, each after the
	// previous was acknowledged; the source sends line k of every user to a
	// random live node every 20 ms.
	var mu sync.Mutex
	acked := make([][2]int, len(failoverUsers)) // highest acknowledged note, absent
	sent := make([][2]int, len(failoverUsers))  // highest sent
	for i := range acked {
		acked[i], sent[i] = [2]int{-1, -1}, [2]int{-1, -1}
	}
	var blocked time.Duration // longest acknowledged write in flight at the kill
	var killed time.Time
	stopWriters, stopSource := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	for i, u := range failoverUsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := writers[i]
			for k := 0; ; k++ {
				select {
				case <-stopWriters:
					return
				default:
				}
				for kind, arg := range []map[string]any{noteArg(u, k), absentArg(u, k)} {
					op := []string{"asnCustomNoteSet", "asnSetUserAbsentState"}[kind]
					mu.Lock()
					sent[i][kind] = k
					mu.Unlock()
					began := time.Now()
					if _, err := c.call(op, arg); err != nil {
						if c.node == ids[victim] {
							return // the connection died with its node: unacknowledged
						}
						t.Errorf("%s %s %d on %s: %v", u, op, k, c.node, err)
						return
					}
					mu.Lock()
					acked[i][kind] = k
					if !killed.IsZero() && began.Before(killed) {
						blocked = max(blocked, time.Since(killed))
					}
					mu.Unlock()
				}
			}
		}()
	}
	var lineK int // line events sent: the source's sequence
	sourceDone := make(chan struct{})
	go func() {
		defer close(sourceDone)
		r := rand.New(rand.NewPCG(1, 2))
		all := make([]int, len(failoverUsers))
		for i := range all {
			all[i] = i
		}
		for k := 0; ; k++ {
			select {
			case <-stopSource:
				return
			case <-time.After(20 * time.Millisecond):
			}
			// An event sent to the dead node is re-sent to another one.
			for _, j := range r.Perm(len(nodes)) {
				if postLines(nodes[j], all, k) == nil {
					break
				}
			}
			lineK = k
		}
	}()

	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))
	streamStart := time.Now()
	time.Sleep(time.Duration(400+r.IntN(400)) * time.Millisecond) // some changes before the kill
	mu.Lock()
	killed = time.Now()
	mu.Unlock()
	if err := nodes[victim].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// The users stop writing at the kill: what they had acknowledged must
	// come back from JetStream on the new owners, not from later writes.
	// Writes in flight finish: on the victim's connections they fail, on
	// the survivors' they wait for the new owner.
	close(stopWriters)
	_ = nodes[victim].cmd.Wait()
	nodes[victim].dead = true

	// Re-owned: both survivors see two members and own every contact.
	waitUntil(t, 30*time.Second, "the survivors re-own the victim's contacts", func() bool {
		total := 0
		for _, n := range survivors {
			st, err := n.health()
			if err != nil || len(st.Members) != 2 || slices.Contains(st.Members, ids[victim]) {
				return false
			}
			total += st.Owned
		}
		return total >= len(failoverUsers)
	})
	reownedAfter := time.Since(killed)
	wg.Wait()
	// The source keeps sending for a moment to the new owners, then stops.
	time.Sleep(200 * time.Millisecond)
	close(stopSource)
	<-sourceDone
	if t.Failed() {
		t.FailNow()
	}

	// No acknowledged change lost: every user's state, read fresh on a
	// survivor, shows a change between the last acknowledged and the last
	// sent one.
	check, err := dialNode(t, survivors[0], "alice")
	if err != nil {
		t.Fatal(err)
	}
	defer check.ws.Close()
	if err := check.subscribe(contacts); err != nil {
		t.Fatal(err)
	}
	ackedBefore, ackedUnwatched := 0, 0
	for i := range failoverUsers {
		s := check.get(contacts[i])
		for kind, got := range []int{s.note, s.absent} {
			if got < acked[i][kind] || got > sent[i][kind] {
				t.Errorf("%s: %s shows change %d; acknowledged up to %d, sent up to %d",
					failoverUsers[i], []string{"note", "absent state"}[kind], got, acked[i][kind], sent[i][kind])
			}
		}
		if slices.Contains(owned[ids[victim]], i) {
			ackedBefore += acked[i][0] + 1 + acked[i][1] + 1
			if unwatched[i] {
				ackedUnwatched += acked[i][0] + 1 + acked[i][1] + 1
			}
		}
	}
	if ackedUnwatched == 0 {
		t.Fatal("no change of the victim's unwatched contacts was acknowledged: the test proved nothing")
	}

	// The victim's clients reconnect to a survivor and subscribe again.
	for i, c := range writers {
		if c.node == ids[victim] {
			c.ws.Close()
			if writers[i], err = dialNode(t, survivors[i%2], failoverUsers[i]); err != nil {
				t.Fatal(err)
			}
			defer writers[i].ws.Close()
		}
	}
	watchers[victim].ws.Close()
	if watchers[victim], err = dialNode(t, survivors[0], "alice"); err != nil {
		t.Fatal(err)
	}
	defer watchers[victim].ws.Close()
	if err := watchers[victim].subscribe(watched); err != nil {
		t.Fatal(err)
	}
	for _, w := range watchers {
		if err := w.subscribe(contacts); err != nil { // now everybody
			t.Fatal(err)
		}
	}

	// A last round: every user writes once more, the source re-sends the
	// live state of its lines; then every watcher converges.
	final := max(sent[0][0], sent[0][1]) + 1
	for i := range sent {
		final = max(final, sent[i][0]+1, sent[i][1]+1)
	}
	finalLine := lineK + 1
	for i, c := range writers {
		if _, err := c.call("asnCustomNoteSet", noteArg(failoverUsers[i], final)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.call("asnSetUserAbsentState", absentArg(failoverUsers[i], final)); err != nil {
			t.Fatal(err)
		}
	}
	all := make([]int, len(failoverUsers))
	for i := range all {
		all[i] = i
	}
	if err := postLines(survivors[1], all, finalLine); err != nil {
		t.Fatal(err)
	}
	var mismatch string
	converged := waitUntil(t, 30*time.Second, "every watcher converges", func() bool {
		for _, w := range watchers {
			for _, id := range contacts {
				if s := w.get(id); s.note != final || s.absent != final || s.line != finalLine {
					mismatch = fmt.Sprintf("watcher on %s: %s shows %+v, want note and absent %d, line %d", w.node, id, s, final, finalLine)
					return false
				}
			}
		}
		return true
	}, func() string { return mismatch })
	var forwarded uint64
	for _, n := range survivors {
		if st, err := n.health(); err == nil {
			forwarded += st.Forwarded
		}
	}
	t.Logf("killed %s (owner of %d of %d users) %v into the stream; re-owned %v after the kill (lease %v); the longest write in flight at the kill was acknowledged %v after it; watchers converged %v after the last input; %d changes of the victim's contacts acknowledged (%d of unwatched ones, restored from JetStream) checked against the read-back; forwarded %d",
		ids[victim], len(owned[ids[victim]]), len(failoverUsers), killed.Sub(streamStart).Round(time.Millisecond), reownedAfter.Round(time.Millisecond), failoverLease,
		blocked.Round(time.Millisecond), converged.Round(time.Millisecond), ackedBefore, ackedUnwatched, forwarded)
}

// waitUntil polls cond every 10 ms until it holds or limit passes, and
// returns how long it took.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool, diagnose ...func() string) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			for _, d := range diagnose {
				what += ": " + d()
			}
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}
