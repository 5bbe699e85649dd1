// Package wire is the presence simulator's wire driver (driver.Wire):
// presenced over the network. Source events go through the server's ingest
// API (batched NDJSON over a WebSocket stream or HTTP, senders in
// wire_sender.go); watchers are real ROSE-over-WebSocket client
// connections (wire_client.go) that log in, subscribe with
// asnGetAndSubscribePresenceV2 and decode asnUpdatePresenceV2 events with
// a fast decoder cross-checked against encoding/json (wire_decode.go).
// The orchestration in package sim/run creates it with New.
package wire
