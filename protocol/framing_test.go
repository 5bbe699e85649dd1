package protocol

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestReadFrame covers good frames and every header error.
func TestReadFrame(t *testing.T) {
	cases := []struct {
		name    string
		input   string
		max     int
		want    string
		wantErr error
	}{
		{"one frame", "J0000002{}", 0, "{}", nil},
		{"payload with newline", "J0000003{}\n", 0, "{}\n", nil},
		{"empty payload", "J0000000", 0, "", nil},
		{"at the limit", "J0000004abcd", 4, "abcd", nil},
		{"over the limit", "J0000005abcde", 4, "", ErrFrameTooLarge},
		{"max above the header range", "J9999999", 20_000_000, "", io.ErrUnexpectedEOF},
		{"BER invoke", "\xa1\x03\x02\x01\x01", 0, "", ErrBERFrame},
		{"BER reject", "\xa4\x00", 0, "", ErrBERFrame},
		{"headerless JSON", `{"invoke":{}}`, 0, "", ErrNotJSONFrame},
		{"lower-case j", "j0000002{}", 0, "", ErrNotJSONFrame},
		{"space in length", "J00 0002{}", 0, "", ErrBadFrameLength},
		{"sign in length", "J-000002{}", 0, "", ErrBadFrameLength},
		{"short header", "J00002{}", 0, "", ErrBadFrameLength},
		{"header cut off", "J000", 0, "", io.ErrUnexpectedEOF},
		{"payload cut off", "J0000010{}", 0, "", io.ErrUnexpectedEOF},
		{"no input", "", 0, "", io.EOF},
	}
	for _, testCase := range cases {
		t.Run(testCase.name, func(t *testing.T) {
			payload, err := ReadFrame(bufio.NewReader(strings.NewReader(testCase.input)), testCase.max)
			if testCase.wantErr != nil {
				if !errors.Is(err, testCase.wantErr) {
					t.Fatalf("error %v, want %v", err, testCase.wantErr)
				}
				return
			}
			if err != nil || string(payload) != testCase.want {
				t.Fatalf("got %q, %v", payload, err)
			}
		})
	}
	if !errors.Is(ErrBERFrame, ErrNotJSONFrame) || errors.Is(ErrNotJSONFrame, ErrBERFrame) {
		t.Errorf("ErrBERFrame must wrap ErrNotJSONFrame, not the other way round")
	}
}

// TestReadFrameLeavesMarkerUnread checks that a non-JSON first byte stays in
// the reader, so the caller can switch to another decoder.
func TestReadFrameLeavesMarkerUnread(t *testing.T) {
	reader := bufio.NewReader(strings.NewReader("\xa2rest"))
	if _, err := ReadFrame(reader, 0); !errors.Is(err, ErrBERFrame) {
		t.Fatalf("got %v", err)
	}
	if first, _ := reader.ReadByte(); first != 0xA2 {
		t.Errorf("marker consumed: next byte 0x%02x", first)
	}
}

// TestReadFrameSequence reads several frames from one stream, reusing a buffer.
func TestReadFrameSequence(t *testing.T) {
	var stream []byte
	payloads := []string{`{"a":1}`, ``, strings.Repeat("x", 200_000), `[{"invoke":{}}]`}
	for _, payload := range payloads {
		var err error
		if stream, err = AppendFrame(stream, []byte(payload)); err != nil {
			t.Fatal(err)
		}
	}
	reader := bufio.NewReader(bytes.NewReader(stream))
	buffer := make([]byte, 0, 64)
	for _, want := range payloads {
		payload, err := ReadFrameInto(reader, buffer, 0)
		if err != nil || string(payload) != want {
			t.Fatalf("got %d bytes, %v; want %d bytes", len(payload), err, len(want))
		}
	}
	if _, err := ReadFrame(reader, 0); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

// TestReadFrameFailsBeforeMoreInput checks that garbage is reported at once,
// without waiting for the rest of a header that will never come.
func TestReadFrameFailsBeforeMoreInput(t *testing.T) {
	for _, prefix := range []string{"X", "\xa1", "J1x", "J00000a"} {
		serverSide, clientSide := io.Pipe()
		done := make(chan error, 1)
		go func() {
			_, err := ReadFrame(bufio.NewReader(serverSide), 0)
			done <- err
		}()
		go clientSide.Write([]byte(prefix)) // the writer then blocks: no more input
		select {
		case err := <-done:
			if err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%q: got %v", prefix, err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%q: ReadFrame hangs on garbage", prefix)
		}
		clientSide.Close()
		serverSide.Close()
	}
}

// TestAppendFrame checks the header digits and the limits.
func TestAppendFrame(t *testing.T) {
	for length, want := range map[int]string{0: "J0000000", 7: "J0000007", 120: "J0000120", 9_999_999: "J9999999"} {
		frame, err := AppendFrame([]byte("p"), make([]byte, length))
		if err != nil || string(frame[1:9]) != want || len(frame) != 1+8+length {
			t.Errorf("length %d: header %q, %v", length, frame[1:9], err)
		}
	}
	if _, err := AppendFrame(nil, make([]byte, MaxFrameLength+1)); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("oversized payload: %v", err)
	}
}

// TestStartFinishFrame encodes a message in place after a placeholder header.
func TestStartFinishFrame(t *testing.T) {
	frame, start := StartFrame([]byte("previous"))
	frame = AppendRemovePresenceEvent(frame, "sip:bob@example.com", false)
	if err := FinishFrame(frame, start); err != nil {
		t.Fatal(err)
	}
	payload, err := ReadFrame(bufio.NewReader(bytes.NewReader(frame[start:])), 0)
	if err != nil || string(payload) != string(AppendRemovePresenceEvent(nil, "sip:bob@example.com", false)) {
		t.Fatalf("got %q, %v", payload, err)
	}
	if err := FinishFrame(frame, 0); err == nil {
		t.Errorf("FinishFrame must check for the header")
	}
}
