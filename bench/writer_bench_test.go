package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ucpresence/presence/bench/probe"
	"github.com/ucpresence/presence/directory"
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
	"github.com/ucpresence/presence/server"
	"github.com/ucpresence/presence/server/auth"
)

// BenchmarkWriterPath is the in-process end-to-end path: a source update
// enters the engine, the server's connection writers pull, encode and
// write it to 200 raw-TCP clients on loopback (20 of 100 contacts each,
// note events), and the clients read it. One op is one note change; the
// clock stops when every client shows the last note of every contact it
// watches.
//
//   - server: presenced's server package (coalescing pull, allocation-free
//     encoder, one write per batch);
//   - naive: a mutex-guarded map of connections, every update encoded
//     with the reflection encoder and written with one system call per
//     watcher, on the updating goroutine.
//
// Figures: updates/s, deliveries/s, writes/delivery (server: its own
// presenced_writes_total over presenced_deliveries_total).
func BenchmarkWriterPath(b *testing.B) {
	b.Run("server", func(b *testing.B) { benchWriterServer(b, writerClients, false) })
	b.Run("naive", benchWriterNaive)
}

// BenchmarkWriterEncodeCache is the writer path at 5,000 watchers of 20
// contacts each (100 contacts: 1,000 watchers per contact), with the shared
// encode cache and without it (every connection encodes every event, the
// baseline). Figures as BenchmarkWriterPath plus encodes/delivery
// (presenced_encodes_total over presenced_deliveries_total).
func BenchmarkWriterEncodeCache(b *testing.B) {
	b.Run("cache", func(b *testing.B) { benchWriterServer(b, 5000, false) })
	b.Run("no-cache", func(b *testing.B) { benchWriterServer(b, 5000, true) })
}

const (
	writerClients   = 200
	writerContacts  = 100
	writerPerClient = 20
)

func writerGraph(clients int) (ids []string, watching [][]string) {
	ids = make([]string, writerContacts)
	for i := range ids {
		ids[i] = fmt.Sprintf("sip:w%d@bench", i)
	}
	r := rand.New(rand.NewPCG(3, 5))
	watching = make([][]string, clients)
	for c := range watching {
		for _, k := range r.Perm(writerContacts)[:writerPerClient] {
			watching[c] = append(watching[c], ids[k])
		}
	}
	return ids, watching
}

// tokenAuth accepts any bearer token as the user id.
type tokenAuth struct{}

func (tokenAuth) Basic(string, string) (*directory.User, error) {
	return nil, &auth.LogonError{Code: auth.CodeInvalidCredentials, Msg: "bearer only"}
}
func (tokenAuth) Bearer(token string) (*directory.User, error) {
	return &directory.User{ID: token}, nil
}
func (tokenAuth) IssueToken(user string, _ time.Duration) (string, error) { return user, nil }

// noteClient is one benchmark client: it reads frames and keeps the last
// note number per contact.
type noteClient struct {
	conn     net.Conn
	r        *bufio.Reader
	mu       sync.Mutex // guards last
	last     map[string]int
	received atomic.Int64
}

func newNoteClient(conn net.Conn) *noteClient {
	return &noteClient{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), last: map[string]int{}}
}

func (c *noteClient) send(b testing.TB, payload []byte) {
	frame, err := protocol.AppendFrame(nil, payload)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.conn.Write(frame); err != nil {
		b.Fatal(err)
	}
}

func (c *noteClient) invoke(b testing.TB, id int, op string, arg any) {
	raw, _ := json.Marshal(arg)
	msg, _ := json.Marshal(map[string]any{"invoke": map[string]any{"invokeID": id, "operationName": op, "argument": json.RawMessage(raw)}})
	c.send(b, msg)
}

// awaitResult reads until the result of invoke id.
func (c *noteClient) awaitResult(b testing.TB, id int) {
	want := []byte(`"invokeID":` + strconv.Itoa(id))
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.conn.SetReadDeadline(time.Time{})
	for {
		msg, err := protocol.ReadFrame(c.r, 16<<20)
		if err != nil {
			b.Fatalf("awaiting result %d: %v", id, err)
		}
		if bytes.Contains(msg, []byte(`"result"`)) && bytes.Contains(msg, want) {
			return
		}
	}
}

// loop reads note events until the connection closes.
func (c *noteClient) loop() {
	buf := make([]byte, 0, 64<<10)
	for {
		msg, err := protocol.ReadFrameInto(c.r, buf, 16<<20)
		if err != nil {
			return
		}
		id, okID := field(msg, `"u8sContactId":"`)
		note, okNote := field(msg, `"u8sNote":"`)
		if !okID || !okNote {
			continue
		}
		n, err := strconv.Atoi(string(note))
		if err != nil {
			continue
		}
		c.received.Add(1)
		c.mu.Lock()
		c.last[string(id)] = n
		c.mu.Unlock()
	}
}

// field returns the string value after key (no escapes in our values).
func field(msg []byte, key string) ([]byte, bool) {
	i := bytes.Index(msg, []byte(key))
	if i < 0 {
		return nil, false
	}
	rest := msg[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return nil, false
	}
	return rest[:j], true
}

// waitConsistent waits until every client shows, for every contact it
// watches, the last note written (update n-1 went to contact (n-1)%C).
func waitConsistent(b testing.TB, clients []*noteClient, watching [][]string, ids []string, n int) {
	final := map[string]int{}
	for i := max(0, n-writerContacts); i < n; i++ {
		final[ids[i%writerContacts]] = i
	}
	deadline := time.Now().Add(60 * time.Second)
	for ci, c := range clients {
		for {
			ok := true
			c.mu.Lock()
			for _, id := range watching[ci] {
				if want, touched := final[id]; touched && c.last[id] != want {
					ok = false
					break
				}
			}
			c.mu.Unlock()
			if ok {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("client %d not consistent after 60 s", ci)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
}

func received(clients []*noteClient) int64 {
	n := int64(0)
	for _, c := range clients {
		n += c.received.Load()
	}
	return n
}

func benchWriterServer(b *testing.B, clientCount int, encodeCacheOff bool) {
	ids, watching := writerGraph(clientCount)
	e, err := engine.New(engine.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	for _, id := range ids {
		if err := e.PutContact(id, engine.ContactEntry{}); err != nil {
			b.Fatal(err)
		}
	}
	company, _ := engine.LevelCompany.Rights()
	if err := e.SetListRights("", engine.ScopeGlobal, "", engine.Everyone, company, false); err != nil {
		b.Fatal(err)
	}
	s, err := server.New(server.Config{Engine: e, Authenticator: tokenAuth{}, InvokeRate: 100000, InvokeBurst: 100000,
		KeepAliveInterval: time.Hour, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), EncodeCacheOff: encodeCacheOff})
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.ServeTCP(l)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	}()
	clients := make([]*noteClient, clientCount)
	for i := range clients {
		conn, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		c := newNoteClient(conn)
		clients[i] = c
		c.invoke(b, 1, "asnNegotiateServerConnectionV2", map[string]any{"u8sMinSupportedInterfaceVersion": "8", "u8sMaxSupportedInterfaceVersion": "8",
			"u8sClientDeviceId": "d", "u8sClientVersion": "1", "eClientAppID": 1, "u8sClientDeviceName": "bench", "iClientCapabilities": 4})
		c.awaitResult(b, 1)
		c.invoke(b, 2, "asnLoginV2", map[string]any{"auth": map[string]any{"authBearer": map[string]any{"u8sJWT": fmt.Sprintf("sip:reader%d@bench", i)}}})
		c.awaitResult(b, 2)
		c.invoke(b, 3, "asnGetAndSubscribePresenceV2", map[string]any{"seqContactIDs": watching[i], "iEventFlagsToSubscribe": int(engine.SectionNote)})
		c.awaitResult(b, 3)
		go c.loop()
	}
	before := scrape(b, s)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		_ = e.SetNote(ids[i%writerContacts], strconv.Itoa(i))
	}
	waitConsistent(b, clients, watching, ids, b.N)
	elapsed := time.Since(start).Seconds()
	b.StopTimer()
	after := scrape(b, s).Sub(before)
	b.ReportMetric(float64(b.N)/elapsed, "updates/s")
	b.ReportMetric(float64(received(clients))/elapsed, "deliveries/s")
	if d := after.Value("presenced_deliveries_total"); d > 0 {
		b.ReportMetric(after.Value("presenced_writes_total")/d, "writes/delivery")
		b.ReportMetric(after.Value("presenced_encodes_total")/d, "encodes/delivery")
	}
	for _, c := range clients {
		c.conn.Close()
	}
}

func scrape(b *testing.B, s *server.Server) probe.Metrics {
	var buf bytes.Buffer
	s.WriteMetrics(&buf)
	m, err := probe.ParseMetrics(buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// naiveConn is one watcher connection of the naive server.
type naiveConn struct {
	mu   sync.Mutex // guards writes on conn
	conn net.Conn
}

func benchWriterNaive(b *testing.B) {
	ids, watching := writerGraph(writerClients)
	var mu sync.Mutex // guards watchers
	watchers := map[string][]*naiveConn{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	registered := make(chan struct{}, writerClients)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				// The first frame is the list of contacts to watch.
				msg, err := protocol.ReadFrame(bufio.NewReader(conn), 1<<20)
				var list []string
				if err != nil || json.Unmarshal(msg, &list) != nil {
					conn.Close()
					return
				}
				nc := &naiveConn{conn: conn}
				mu.Lock()
				for _, id := range list {
					watchers[id] = append(watchers[id], nc)
				}
				mu.Unlock()
				registered <- struct{}{}
			}()
		}
	}()
	clients := make([]*noteClient, writerClients)
	for i := range clients {
		conn, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = newNoteClient(conn)
		list, _ := json.Marshal(watching[i])
		clients[i].send(b, list)
		<-registered
		go clients[i].loop()
	}
	var writes, deliveries int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var buf []byte
	for i := 0; i < b.N; i++ {
		id := ids[i%writerContacts]
		text := strconv.Itoa(i)
		mu.Lock()
		for _, nc := range watchers[id] {
			p := protocol.AsnPresenceV2{ContactID: id, CustomNote: &protocol.AsnCustomNote{ContactID: id, Note: text}}
			var err error
			buf, err = protocol.AppendEvent(buf[:0], updatePresenceV2, &protocol.AsnUpdatePresenceV2Argument{Presence: p, ChangedFlags: int64(engine.SectionNote)}, false)
			if err != nil {
				b.Fatal(err)
			}
			frame, _ := protocol.AppendFrame(nil, buf)
			nc.mu.Lock()
			_, err = nc.conn.Write(frame)
			nc.mu.Unlock()
			if err != nil {
				b.Fatal(err)
			}
			writes++
			deliveries++
		}
		mu.Unlock()
	}
	waitConsistent(b, clients, watching, ids, b.N)
	elapsed := time.Since(start).Seconds()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed, "updates/s")
	b.ReportMetric(float64(received(clients))/elapsed, "deliveries/s")
	b.ReportMetric(float64(writes)/float64(max(1, deliveries)), "writes/delivery")
	for _, c := range clients {
		c.conn.Close()
	}
}
