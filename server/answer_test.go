package server

import (
	"bytes"
	"testing"
)

// TestFrameHeaderInPlace: a payload framed in place (appendHeader in
// front of it) is byte for byte what appendFrame writes, for both
// transports and at every WebSocket length boundary.
func TestFrameHeaderInPlace(t *testing.T) {
	transports := map[string]transport{"websocket": &wsTransport{}, "tcp": &tcpTransport{}}
	for name, tr := range transports {
		for _, n := range []int{0, 1, 125, 126, 127, 65535, 65536, 1_000_000} {
			payload := bytes.Repeat([]byte{'x'}, n)
			want := tr.appendFrame(nil, payload)
			header := tr.(headerFramer).appendHeader(nil, n)
			if len(header) > frameHeadroom {
				t.Fatalf("%s, %d bytes: header of %d bytes exceeds frameHeadroom", name, n, len(header))
			}
			if got := append(header, payload...); !bytes.Equal(got, want) {
				t.Errorf("%s, %d bytes: header %q, appendFrame's %q", name, n, header, want[:len(want)-n])
			}
		}
	}
}
