package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	mathrand "math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// demo runs presenced with the embedded demo directory and a small
// simulated office that drives live changes through the ingest API (the
// same path a PBX or calendar connector uses), and prints the board's URL:
//
//	presenced demo [serve flags]
//
// The store goes to a fresh temporary directory unless -data is given, so
// the demo never collides with a running presenced's data directory.
func demo(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return demoRun(ctx, args, stdout, stderr)
}

// demoRun is demo until ctx ends.
func demoRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	token := make([]byte, 16)
	_, _ = rand.Read(token)
	defaults := []string{"-ingest-token", hex.EncodeToString(token), "-log-level", "warn"}
	o, err := parseFlags(append(defaults, args...), stderr)
	if err != nil {
		return 2
	}
	if !flagGiven(args, "data") {
		dir, err := os.MkdirTemp("", "presenced-demo-")
		if err != nil {
			fmt.Fprintln(stderr, "presenced demo:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		o.dataDir = dir
	}
	if o.directory != "" {
		fmt.Fprintln(stderr, "presenced demo: uses the embedded demo directory; run presenced without demo for -directory")
		return 2
	}
	err = run(ctx, o, func(s started) {
		if s.HTTP == "" {
			return
		}
		fmt.Fprintf(stdout, "presenced demo: the board is at %s\n", s.Board)
		fmt.Fprintln(stdout, "  log in as alice (administrator: operator view), bob, carol ... judy; every password is \"demo\"")
		fmt.Fprintln(stdout, "  a simulated office changes calls, meetings, idle, notes and absent states every second; Ctrl-C stops")
		office := &simulatedOffice{url: "http://" + s.HTTP + "/ingest/v1/events", token: o.ingestToken, log: stderr,
			rand: mathrand.New(mathrand.NewPCG(uint64(time.Now().UnixNano()), 7))}
		go office.run(ctx)
	})
	if err != nil {
		fmt.Fprintln(stderr, "presenced demo:", err)
		return 1
	}
	return 0
}

func flagGiven(args []string, name string) bool {
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// demoPeople are the demo directory's users the office moves. alice is
// left alone: she is who a newcomer logs in as, and her state is hers.
var demoPeople = []struct{ id, line string }{
	{"sip:bob@example.com", "tel:+4981511234101"}, {"sip:carol@example.com", "tel:+4981511234102"},
	{"sip:dave@example.com", "tel:+4981511234103"}, {"sip:erin@example.com", "tel:+4981511234104"},
	{"sip:frank@example.com", "tel:+4981511234105"}, {"sip:grace@example.com", "tel:+4981511234106"},
	{"sip:heidi@example.com", "tel:+4981511234107"}, {"sip:ivan@example.com", "tel:+4981511234108"},
	{"sip:judy@example.com", "tel:+4981511234109"},
}

var demoNotes = []string{"Back at 14:00", "Working from home today", "In Munich until Thursday", "Ask me about the Q3 offer", "", ""}
var demoMeetings = []string{"Standup", "Customer call", "1:1", "Sprint review", "Lunch with the Berlin team"}

// simulatedOffice posts NDJSON batches to the ingest API.
type simulatedOffice struct {
	url, token string
	log        io.Writer
	rand       *mathrand.Rand
	calls      int
}

func (s *simulatedOffice) post(ctx context.Context, events ...map[string]any) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	for _, ev := range events {
		_ = enc.Encode(ev)
	}
	req, err := http.NewRequestWithContext(ctx, "POST", s.url, &body)
	if err != nil {
		return
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			fmt.Fprintln(s.log, "presenced demo: ingest:", err)
		}
		return
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || bytes.Contains(answer, []byte(`"errors":[{`)) {
		fmt.Fprintf(s.log, "presenced demo: ingest answered %d %s\n", resp.StatusCode, answer)
	}
}

func (s *simulatedOffice) run(ctx context.Context) {
	s.post(ctx, s.setup(time.Now())...)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			s.post(ctx, s.step(ctx, now)...)
		}
	}
}

func ev(op, contact string, fields ...any) map[string]any {
	m := map[string]any{"op": op, "contact": contact}
	for i := 0; i+1 < len(fields); i += 2 {
		m[fields[i].(string)] = fields[i+1]
	}
	return m
}

func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// setup logs most people in, gives everyone an avatar, a meeting soon and
// ivan a week out of office.
func (s *simulatedOffice) setup(now time.Time) []map[string]any {
	var out []map[string]any
	for i, p := range demoPeople {
		out = append(out, ev("setImages", p.id, "smallImage", avatarJPEG(i, 48), "largeImage", avatarJPEG(i, 160)))
		if p.id != "sip:judy@example.com" { // judy stays offline
			out = append(out, ev("clientLogin", p.id, "client", "desk", "device", "desktop"))
		}
		start := now.Add(time.Duration(30+s.rand.IntN(240)) * time.Second)
		out = append(out, s.meeting(p.id, start))
	}
	days := (8 - int(now.Weekday())) % 7 // to the next Monday; a week on a Monday
	if days == 0 {
		days = 7
	}
	monday := now.AddDate(0, 0, days)
	monday = time.Date(monday.Year(), monday.Month(), monday.Day(), 8, 0, 0, 0, time.Local)
	out = append(out,
		ev("setAbsent", "sip:ivan@example.com", "absent", map[string]any{"kind": "outOfOffice", "to": isoTime(monday), "reachability": "vacation"}),
		ev("setNote", "sip:ivan@example.com", "note", "On holiday, back on Monday"),
		ev("setAgentState", "sip:frank@example.com", "agent", map[string]any{"state": "ready"}),
		ev("setAgentState", "sip:grace@example.com", "agent", map[string]any{"state": "notReady"}),
		ev("clientLogin", "sip:heidi@example.com", "client", "phone", "device", "mobile"),
	)
	return out
}

func (s *simulatedOffice) meeting(id string, start time.Time) map[string]any {
	end := start.Add(time.Duration(60+s.rand.IntN(180)) * time.Second)
	return ev("setAppointments", id, "appointments", []map[string]any{{
		"entryId": "m-" + id, "start": isoTime(start), "end": isoTime(end),
		"subject": demoMeetings[s.rand.IntN(len(demoMeetings))], "status": "busy",
	}})
}

// step makes one or two random changes; calls ring, connect and end on
// their own timers.
func (s *simulatedOffice) step(ctx context.Context, now time.Time) []map[string]any {
	p := demoPeople[s.rand.IntN(len(demoPeople)-1)] // not judy: she is offline
	if p.id == "sip:ivan@example.com" {
		return nil // on holiday
	}
	switch n := s.rand.IntN(10); {
	case n < 4:
		s.calls++
		id := fmt.Sprintf("demo-%d", s.calls)
		call := func(state string) map[string]any {
			return ev("putCall", p.id, "call", map[string]any{"connectionId": id, "lineUri": p.line, "state": state,
				"remoteNumber": fmt.Sprintf("+49899%05d", s.rand.IntN(100000)), "outbound": false})
		}
		talk := time.Duration(4+s.rand.IntN(12)) * time.Second
		// Built here: the timers' goroutine must not touch s.rand.
		later := []struct {
			after time.Duration
			event map[string]any
		}{{3 * time.Second, call("connected")}, {talk, ev("removeCall", p.id, "connectionId", id)}}
		go func() {
			for _, step := range later {
				select {
				case <-ctx.Done():
					return
				case <-time.After(step.after):
					s.post(ctx, step.event)
				}
			}
		}()
		return []map[string]any{call("offering")}
	case n < 6:
		return []map[string]any{ev("clientIdle", p.id, "client", "desk", "idle", s.rand.IntN(2) == 0)}
	case n < 7:
		return []map[string]any{ev("setNote", p.id, "note", demoNotes[s.rand.IntN(len(demoNotes))])}
	case n < 8:
		kinds := []string{"busy", "doNotDisturb", "outOfOffice"}
		return []map[string]any{ev("setAbsent", p.id, "absent", map[string]any{
			"kind": kinds[s.rand.IntN(len(kinds))], "to": isoTime(now.Add(time.Duration(20+s.rand.IntN(60)) * time.Second))})}
	case n < 9:
		return []map[string]any{s.meeting(p.id, now.Add(time.Duration(5+s.rand.IntN(60))*time.Second))}
	default:
		return []map[string]any{ev("resetAbsent", p.id)}
	}
}

// avatarJPEG draws a small avatar: a soft two-colour disc per person,
// base64 for setImages (the protocol carries JPEG as jpegPhoto).
func avatarJPEG(person, size int) string {
	hues := []color.RGBA{{0x3b, 0x82, 0xc4, 255}, {0xd9, 0x77, 0x06, 255}, {0x2f, 0x9e, 0x6e, 255}, {0x9d, 0x4e, 0xdd, 255},
		{0xc2, 0x41, 0x5d, 255}, {0x0e, 0x9a, 0xa7, 255}, {0x7c, 0x8a, 0x16, 255}, {0x5b, 0x61, 0xc9, 255}, {0xb4, 0x5f, 0x06, 255}}
	c := hues[person%len(hues)]
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	r := float64(size) / 2
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			dx, dy := float64(x)-r+0.5, float64(y)-r*0.8
			head := dx*dx+dy*dy < (r*0.38)*(r*0.38)
			by := float64(y) - r*1.9
			body := dx*dx+by*by < (r*0.85)*(r*0.85)
			px := color.RGBA{c.R/2 + 120, c.G/2 + 120, c.B/2 + 120, 255}
			if head || body {
				px = c
			}
			img.Set(x, y, px)
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
	return base64.StdEncoding.EncodeToString(b.Bytes())
}
