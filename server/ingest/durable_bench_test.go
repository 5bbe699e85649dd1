package ingest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/store"
)

// syncOnlyPersister hides the store's PersistAsync: every durable change
// waits for its own commit before it is applied, as before the pipeline
// (the naive baseline of BenchmarkIngestDurableStream).
type syncOnlyPersister struct{ p engine.Persister }

func (s syncOnlyPersister) Persist(changes ...engine.Change) error { return s.p.Persist(changes...) }

// BenchmarkIngestDurableStream: one ingest WebSocket stream of setNote
// events into an engine whose persister is a real bbolt store (fsync on,
// in b.TempDir()), 100 notes per message, up to pipelineDepth messages in
// flight from the client. One op is one message; the figure to read is
// notes/s (acknowledged, hence durable).
//
//	naive        each note waits for its own commit (syncOnlyPersister)
//	groupcommit  notes are queued and the acks wait once per message
//
// Run: go test -run '^$' -bench IngestDurableStream -benchtime 3s ./server/ingest
func BenchmarkIngestDurableStream(b *testing.B) {
	const (
		contacts = 10_000
		perBatch = 100
		messages = 100 // distinct messages, replayed
	)
	batches := make([][]byte, messages)
	for m := range batches {
		var buf bytes.Buffer
		for i := range perBatch {
			c := (m*perBatch + i) % contacts
			fmt.Fprintf(&buf, "{\"op\":\"setNote\",\"contact\":\"c%d\",\"note\":\"message %d: in a meeting until three, call my mobile\"}\n", c, m)
		}
		batches[m] = buf.Bytes()
	}
	for _, mode := range []string{"naive", "groupcommit"} {
		b.Run(mode, func(b *testing.B) {
			e, err := engine.New(engine.Config{})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			for i := range contacts {
				if err := e.PutContact(fmt.Sprintf("c%d", i), engine.ContactEntry{}); err != nil {
					b.Fatal(err)
				}
			}
			st, err := store.Open(store.Config{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			var p engine.Persister = store.EnginePersister{Store: st}
			if mode == "naive" {
				p = syncOnlyPersister{p}
			}
			e.SetPersister(p)
			srv := newTestServer(b, Config{Engine: e})
			conn := srv.dial(b)
			want := expectedPrefix(perBatch)
			window := make(chan struct{}, pipelineDepth)
			done := make(chan error, 1)
			var before store.Stats
			st.Stats(&before)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			go func() {
				for i := 0; i < b.N; i++ {
					conn.SetReadDeadline(time.Now().Add(time.Minute))
					_, msg, err := conn.ReadMessage()
					if err == nil && !bytes.Contains(msg, want) {
						err = fmt.Errorf("ack %d: %s", i, msg)
					}
					if err != nil {
						done <- err
						return
					}
					<-window
				}
				done <- nil
			}()
			for i := 0; i < b.N; i++ {
				window <- struct{}{}
				if err := conn.WriteMessage(websocket.TextMessage, batches[i%messages]); err != nil {
					b.Fatal(err)
				}
			}
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			var after store.Stats
			st.Stats(&after)
			notes := float64(b.N * perBatch)
			b.ReportMetric(notes/elapsed.Seconds(), "notes/s")
			if commits := after.Commits - before.Commits; commits > 0 {
				b.ReportMetric(notes/float64(commits), "notes/commit")
			}
		})
	}
}
