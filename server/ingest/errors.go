package ingest

import (
	"errors"
	"strconv"
)

// Errors of one event, reported in the errors list of a batch's answer
// together with the engine's own errors (engine.ErrUnknownContact,
// engine.ErrInvalid, ...). They never stop the rest of the batch.
var (
	// ErrMalformed: the line is not one well-formed JSON object (syntax,
	// invalid UTF-8, nesting deeper than 8).
	ErrMalformed = errors.New("ingest: malformed JSON")
	// ErrInvalidEvent: well-formed JSON that does not fit the schema: an
	// unknown or missing field, a field the op does not use, a value of the
	// wrong type or range, an unknown enum name, a bad time or base64.
	ErrInvalidEvent = errors.New("ingest: invalid event")
	// ErrUnknownOp: the op is not one of the ops of docs/INGEST.md.
	ErrUnknownOp = errors.New("ingest: unknown op")
)

// Errors that refuse a whole batch before any event of it is applied.
var (
	// ErrBatchTooLarge: the batch has more than Limits.MaxBatchBytes bytes
	// (HTTP 413).
	ErrBatchTooLarge = errors.New("ingest: batch too large")
	// ErrTooManyEvents: the batch has more than Limits.MaxEvents events
	// (HTTP 400).
	ErrTooManyEvents = errors.New("ingest: too many events in batch")
	// ErrLineTooLong: a line has more than Limits.MaxLineBytes bytes
	// (HTTP 413).
	ErrLineTooLong = errors.New("ingest: line too long")
)

// Errors of the transport.
var (
	// ErrUnauthorized: no bearer token, or Authorize refused it (HTTP 401).
	ErrUnauthorized = errors.New("ingest: unauthorized")
)

// BatchError is the error that refused a whole batch: Err is
// ErrBatchTooLarge, ErrTooManyEvents or ErrLineTooLong; Line is the
// 1-based line that broke the limit (0 when it is about the whole batch).
type BatchError struct {
	Err   error
	Line  int
	Limit int // the limit that was exceeded
}

// Error returns e.g. "ingest: line too long: line 7 exceeds 1048576 bytes".
func (e *BatchError) Error() string {
	msg := e.Err.Error()
	switch e.Err {
	case ErrLineTooLong:
		msg += ": line " + strconv.Itoa(e.Line) + " exceeds " + strconv.Itoa(e.Limit) + " bytes"
	case ErrTooManyEvents:
		msg += ": more than " + strconv.Itoa(e.Limit) + " events"
	case ErrBatchTooLarge:
		msg += ": more than " + strconv.Itoa(e.Limit) + " bytes"
	}
	return msg
}

// Unwrap returns Err.
func (e *BatchError) Unwrap() error { return e.Err }
