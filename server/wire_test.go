package server

import (
	"fmt"
	"testing"
	"time"
)

// TestCoalescedWritesAndSharedEncoding runs two clients that see bob at the
// same level (Company, from the global list) with a 20 ms coalescing
// window: every note arrives, in order, the answers still come, and the
// second client's events come from the shared encode cache.
func TestCoalescedWritesAndSharedEncoding(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.WriteCoalesce = 20 * time.Millisecond })
	if err := ts.e.SetListRights("", 2, "", "*", mustLevel(131072), false); err != nil {
		t.Fatal(err)
	}
	var clients []*client
	for _, user := range []string{"carol", "dave"} {
		c := ts.dialTCP(t)
		c.login(user)
		id := c.invoke("asnGetAndSubscribePresenceV2", map[string]any{"seqContactIDs": []string{"sip:bob@x"}, "iEventFlagsToSubscribe": 32})
		c.result(id)
		clients = append(clients, c)
	}
	hitsBefore := ts.s.encoded.hits.Load()
	last := make([]string, len(clients))
	// Two writers that miss the cache at the same moment both encode; the
	// rounds go on until one shares (at most 50).
	for round := 0; round < 50 && ts.s.encoded.hits.Load() == hitsBefore; round++ {
		const notes = 5
		var final string
		for i := 0; i < notes; i++ {
			final = fmt.Sprintf("%03d-%d", round, i)
			if err := ts.e.SetNote("sip:bob@x", final); err != nil {
				t.Fatal(err)
			}
		}
		for ci, c := range clients {
			for last[ci] != final {
				ev := c.await("note update", isEvent("asnUpdatePresenceV2"))
				p, _ := updatePresence(ev)
				note, _ := p["asnCustomNote"].(map[string]any)["u8sNote"].(string)
				if note <= last[ci] {
					t.Fatalf("client %d: note %q after %q", ci, note, last[ci])
				}
				last[ci] = note
			}
			// An answer is not held back by the window's events.
			c.result(c.invoke("asnGetAndSubscribePresenceV2", map[string]any{"seqContactIDs": []string{"sip:alice@x"}}))
		}
	}
	if ts.s.encoded.hits.Load() == hitsBefore {
		t.Fatal("no event was shared between the two connections")
	}
}
