// Package ingest is the API through which event sources push source events
// into the engine: CTI servers (lines, calls, forwards), calendar
// connectors (appointments), audio/video and softphone gateways (device
// calls), idle detectors and client-session trackers, directory sync
// (contacts, images) and administration tools (absent state, note, agent
// state). Sources are not Presence V2 clients: they speak our own NDJSON
// schema, one event per line, each event one engine input call.
//
// The layers, bottom up:
//
//   - Decoder: one line into an Event (internal/jsonscan, no reflection:
//     2.3 M against 0.53 M events/s for encoding/json into a reused struct,
//     BenchmarkDecode and BenchmarkDecodeStdlib). AppendEvent is the
//     inverse, for Go sources.
//   - Apply: one Event into one engine call.
//   - BatchApplier: a batch (many lines) checked against Limits, then
//     decoded and applied in order; per-event errors carry the line number
//     and the event's "id" and never stop the batch.
//   - Handler: the transports, as fasthttp handlers: ServeHTTP for
//     POST /ingest/v1/events and ServeWebSocket for GET /ingest/v1/stream,
//     bearer-token authentication and counters (Stats).
//
// An answer (HTTP response or WebSocket ack) is sent only after every event
// of its batch has been applied to the engine. docs/INGEST.md is the
// protocol reference.
package ingest
