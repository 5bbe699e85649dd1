package main

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/cluster"
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server/auth"
	"github.com/ucpresence/presence/server/ingest"
)

// ingestRoutes mounts the ingest API at /ingest/v1/events (POST, NDJSON) and
// /ingest/v1/stream (WebSocket). A source authenticates with the configured
// ingest token, or with a bearer token of an administrator user.
func ingestRoutes(e *engine.Engine, a *auth.Authenticator, token string, stringLimits stringLimits, log *slog.Logger, node *cluster.Node) (map[string]fasthttp.RequestHandler, func(io.Writer), *ingest.Handler, error) {
	authorize := func(presented string) error {
		if token != "" && subtle.ConstantTimeCompare([]byte(presented), []byte(token)) == 1 {
			return nil
		}
		u, err := a.Bearer(presented)
		if err != nil {
			return err
		}
		if !u.Administrator {
			return errors.New("ingest: the token's user is not an administrator")
		}
		return nil
	}
	cfg := ingest.Config{Engine: e, Authorize: authorize, Logger: log, MaxStringBytes: stringLimits.strings, MaxNoteBytes: stringLimits.notes}
	if node != nil {
		cfg.Route = node.ApplyEvent       // applied on each contact's owner
		cfg.RouteBatch = node.ApplyEvents // one request per owner and batch
	}
	h, err := ingest.New(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	routes := map[string]fasthttp.RequestHandler{
		"/ingest/v1/events": h.ServeHTTP,
		"/ingest/v1/stream": h.ServeWebSocket,
	}
	metrics := func(w io.Writer) {
		var st ingest.Stats
		h.Stats(&st)
		c := func(name, help string, v uint64) {
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
		}
		c("presenced_ingest_events_applied_total", "Source events the engine accepted.", st.EventsApplied)
		c("presenced_ingest_events_failed_total", "Source events refused (malformed, invalid, unknown contact).", st.EventsFailed)
		c("presenced_ingest_batches_total", "Batches applied and acknowledged.", st.Batches)
		c("presenced_ingest_batches_refused_total", "Batches refused by a limit.", st.BatchesRefused)
		c("presenced_ingest_bytes_total", "Bytes of batches received.", st.Bytes)
		c("presenced_ingest_unauthorized_total", "Requests answered 401.", st.Unauthorized)
		fmt.Fprintf(w, "# HELP presenced_ingest_websockets Ingest WebSocket connections open.\n# TYPE presenced_ingest_websockets gauge\npresenced_ingest_websockets %d\n", st.WebSocketConnections)
	}
	return routes, metrics, h, nil
}

// stringLimits are the string sizes of -max-string-bytes and
// -max-note-bytes, the same on the client protocol and the ingest API.
type stringLimits struct{ strings, notes int }
