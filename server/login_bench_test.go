package server

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/fasthttp/websocket"

	"github.com/ucpresence/presence/engine"
)

// BenchmarkLoginStorm isolates the server's cost of a login (issue 12's
// login storm) from the simulator's: one op is one client that connects
// over WebSocket to a server on 127.0.0.1, negotiates, logs in (bearer)
// and subscribes to 50 of the other users (contacts with directory data,
// so a subscribe result is ~50 KB as in scenarios/login-storm-5k.yaml),
// timed from the dial to the first subscribe result. The clients stay
// connected, so later logins fan out to earlier watchers as in the storm.
// PRESENCE_BENCH_DIALERS (default 64) clients log in at a time, each
// sending its next invoke after the previous answer; the client side only
// frames and compares bytes (no JSON decoding), so the process CPU per
// login is mostly the server's.
//
// Figures: logins/s, p50/p99 ms of dial → first subscribe result, process
// CPU µs per login (utime+stime), bytes allocated per login.
//
//	go test -run '^$' -bench LoginStorm -benchtime 3000x ./server
func BenchmarkLoginStorm(b *testing.B) {
	const watched = 50
	dialers := 64
	if v, err := strconv.Atoi(os.Getenv("PRESENCE_BENCH_DIALERS")); err == nil && v > 0 {
		dialers = v
	}
	users := max(b.N, 2*watched)
	e, err := engine.New(engine.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ids := make([]string, users)
	for i := range ids {
		ids[i] = fmt.Sprintf("sip:user%06d@example.com", i)
		if err := e.PutContact(ids[i], benchContactEntry(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := e.SetListRights("", engine.ScopeGlobal, "", engine.Everyone, mustLevel(engine.LevelCompany), false); err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{Engine: e, Authenticator: &testAuth{}, InvokeRate: 1000, KeepAliveInterval: time.Hour, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.ServeHTTP(l)
	defer func() {
		ctx, cancel := contextWithTimeout(10 * time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	}()
	url := "ws://" + l.Addr().String() + "/ws/client/websocket"

	// The invokes of every client, encoded before the clock starts.
	r := rand.New(rand.NewPCG(12, 12))
	scripts := make([][3][]byte, b.N)
	for i := range scripts {
		list := make([]string, 0, watched)
		for _, j := range r.Perm(users)[:watched+1] {
			if j != i && len(list) < watched {
				list = append(list, strconv.Quote(ids[j]))
			}
		}
		scripts[i] = [3][]byte{
			[]byte(`{"invoke":{"invokeID":1,"operationName":"asnNegotiateServerConnectionV2","argument":{"u8sMinSupportedInterfaceVersion":"8","u8sMaxSupportedInterfaceVersion":"8","u8sClientDeviceId":"d","u8sClientVersion":"1","eClientAppID":1,"u8sClientDeviceName":"b","iClientCapabilities":4}}}`),
			[]byte(`{"invoke":{"invokeID":2,"operationName":"asnLoginV2","argument":{"auth":{"authBearer":{"u8sJWT":"tok:` + ids[i] + `"}}}}}`),
			[]byte(`{"invoke":{"invokeID":3,"operationName":"asnGetAndSubscribePresenceV2","argument":{"seqContactIDs":[` + string(bytes.Join(toBytes(list), []byte(","))) + `],"bDontRequestPermissions":true}}}`),
		}
	}

	hist := hdrhistogram.New(1, 120_000_000, 3) // µs
	var (
		mu    sync.Mutex
		conns = make([]*websocket.Conn, 0, b.N)
		next  = make(chan int, b.N)
		fails int
		wg    sync.WaitGroup
	)
	for i := range b.N {
		next <- i
	}
	close(next)
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0 := processCPU()
	b.ResetTimer()
	start := time.Now()
	for range dialers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dialer := websocket.Dialer{ReadBufferSize: 16 << 10, WriteBufferSize: 4 << 10, HandshakeTimeout: 30 * time.Second}
			for i := range next {
				began := time.Now()
				c, err := loginOnce(&dialer, url, &scripts[i])
				mu.Lock()
				if err != nil {
					fails++
				} else {
					_ = hist.RecordValue(time.Since(began).Microseconds())
					conns = append(conns, c)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	if fails > 0 {
		b.Fatalf("%d of %d logins failed", fails, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "logins/s")
	b.ReportMetric(float64(hist.ValueAtQuantile(50))/1000, "p50-ms")
	b.ReportMetric(float64(hist.ValueAtQuantile(99))/1000, "p99-ms")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/login")
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/float64(b.N), "alloc-B/login")
	b.ReportMetric(float64(s.metrics.bytesOut.Load())/float64(b.N), "bytes-out/login")
	for _, c := range conns {
		_ = c.Close()
	}
}

// loginOnce dials, negotiates, logs in and subscribes, each invoke after
// the previous answer, and returns at the subscribe result; the
// connection stays open.
func loginOnce(dialer *websocket.Dialer, url string, script *[3][]byte) (*websocket.Conn, error) {
	c, _, err := dialer.Dial(url, nil)
	if err != nil {
		return nil, err
	}
	_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
	var head [64]byte
	for i, msg := range script {
		// One invoke at a time, each after the previous answer, as the
		// clients (and presencesim) do.
		if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
			c.Close()
			return nil, err
		}
		answer := []byte(`"result":{"invokeID":` + strconv.Itoa(i+1) + `,`)
		for {
			_, message, err := c.NextReader()
			if err != nil {
				c.Close()
				return nil, err
			}
			n, _ := io.ReadFull(message, head[:])
			if _, err := io.Copy(io.Discard, message); err != nil {
				c.Close()
				return nil, err
			}
			if bytes.Contains(head[:n], answer) {
				break
			}
			if bytes.Contains(head[:n], []byte(`"error"`)) || bytes.Contains(head[:n], []byte(`"reject"`)) {
				c.Close()
				return nil, fmt.Errorf("invoke %d refused: %s", i+1, head[:n])
			}
		}
	}
	_ = c.SetReadDeadline(time.Time{})
	go drain(c) // events of later logins keep arriving
	return c, nil
}

// drain reads and discards until the connection closes.
func drain(c *websocket.Conn) {
	for {
		_, message, err := c.NextReader()
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, message); err != nil {
			return
		}
	}
}

func toBytes(list []string) [][]byte {
	out := make([][]byte, len(list))
	for i := range list {
		out[i] = []byte(list[i])
	}
	return out
}

// benchContactEntry is a directory contact with the fields a UC directory
// fills (names, company, addresses, phone numbers, mail), about 1 KB on
// the wire.
func benchContactEntry(i int) engine.ContactEntry {
	n := strconv.Itoa(i)
	return engine.ContactEntry{Data: &engine.ContactData{
		Found: "1", DatabaseName: "directory", EntryIDDB: "db", EntryIDStore: "store", EntryID: "entry-" + n,
		DisplayName: "User " + n, FirstName: "User", LastName: n, JobTitle: "Engineer", Company: "Example Ltd",
		Department: "Department " + strconv.Itoa(i/100), OfficeRoomNumber: "R" + n,
		EMail: "user" + n + "@example.com", SIPAddress: "sip:user" + n + "@example.com",
		PhoneBusiness: "+49 89 1234" + n, PhoneMobile: "+49 170 555" + n, CompanyMainPhone: "+49 89 12340",
		Valid: true,
	}}
}

// processCPU is the user+system CPU time this process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
