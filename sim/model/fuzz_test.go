package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ucpresence/presence/sim/scenario"
)

// FuzzStream runs the behaviour models on whatever scenario the parser
// accepts (small populations only, to keep each run short): the generator
// must not panic, must keep the stream ordered, and every call must end.
func FuzzStream(f *testing.F) {
	files, _ := filepath.Glob("../../scenarios/*.yaml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(strings.Replace(growth, "USERS", "30", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scenario.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		if s.Population.Users > 60 {
			s.Population.Users = 60 // the shipped seeds, shrunk
			counted := 0
			for i := range s.Population.Personas {
				counted += s.Population.Personas[i].Count
			}
			if counted > s.Population.Users {
				return
			}
		}
		p, err := NewPopulation(s)
		if err != nil {
			return
		}
		stream := NewStream(p)
		var event Event
		var last Event
		open := make(map[callKey]bool)
		for count := 0; stream.Next(&event); count++ {
			if count > 2_000_000 {
				t.Fatal("more than 2M events from at most 60 users")
			}
			if event.At < last.At {
				t.Fatalf("out of order: %v after %v", event, last)
			}
			if event.Kind == KindCall {
				key := callKey{event.User, event.CallID}
				if event.CallState == CallDisconnected {
					delete(open, key)
				} else {
					open[key] = true
				}
			}
			last = event
		}
		if len(open) != 0 {
			t.Fatalf("%d calls never ended", len(open))
		}
		_ = Offered(p)
		NewGraph(p).Build()
	})
}
