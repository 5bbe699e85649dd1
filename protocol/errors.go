package protocol

import (
	"errors"
	"fmt"
)

// Envelope errors. A message that fails with one of these cannot be answered,
// because no invoke id could be read from it (the UCServer only logs such input).
var (
	// ErrMalformedMessage reports input that is not a JSON ROSE message: bad JSON,
	// not an object, an array wrapper that does not hold exactly one object, or
	// not exactly one of invoke/result/error/reject.
	ErrMalformedMessage = errors.New("protocol: malformed ROSE message")
	// ErrMissingMember reports a mandatory envelope member that is absent
	// (invokeID of an invoke, invokedID of an error or reject).
	ErrMissingMember = errors.New("protocol: missing mandatory envelope member")
)

// Invoke errors. These are returned inside a *RejectError (or wrapped by
// DecodeArgument) and map to a ROSE reject with an invoke problem; see RejectFor.
var (
	// ErrUnknownOperation reports an operation id or name the table does not hold
	// (reject invokeProblem 1 unrecognisedOperation).
	ErrUnknownOperation = errors.New("protocol: unrecognised operation")
	// ErrMistypedArgument reports an argument that does not decode into the
	// operation's argument type (reject invokeProblem 2 mistypedArgument).
	ErrMistypedArgument = errors.New("protocol: mistyped argument")
	// ErrArgumentMissing reports an invoke without argument for an operation whose
	// argument has mandatory members (reject invokeProblem 2, details argumentMissing).
	ErrArgumentMissing = errors.New("protocol: argument missing")
	// ErrMistypedEnvelope reports an invoke whose invokeID could be read but whose
	// other envelope members have the wrong JSON type (reject invokeProblem 2).
	ErrMistypedEnvelope = errors.New("protocol: mistyped envelope member")
)

// Server-side conditions that the dispatcher reports with a reject; the codec
// never returns them itself but RejectFor maps them to the right problem code.
var (
	// ErrInvalidSessionID maps to invokeProblem 8 invalidSessionID.
	ErrInvalidSessionID = errors.New("protocol: invalid session id")
	// ErrAuthenticationIncomplete maps to invokeProblem 9 authenticationIncomplete.
	ErrAuthenticationIncomplete = errors.New("protocol: authentication incomplete")
	// ErrAuthenticationFailed maps to invokeProblem 10 authenticationFailed.
	ErrAuthenticationFailed = errors.New("protocol: authentication failed")
	// ErrServerBusy maps to invokeProblem 10 with details serverBusy, as the UCServer does.
	ErrServerBusy = errors.New("protocol: server busy")
	// ErrFunctionMissing maps to invokeProblem 3 resourceLimitation, details
	// functionMissing: the operation is known but not implemented.
	ErrFunctionMissing = errors.New("protocol: function missing")
	// ErrResponseTooBig maps to invokeProblem 3 resourceLimitation, details responseIsTooBig.
	ErrResponseTooBig = errors.New("protocol: response is too big")
)

// Framing errors returned by ReadFrame, AppendFrame and FinishFrame.
var (
	// ErrNotJSONFrame reports a frame whose first byte is not 'J'. The byte is
	// left unread so the caller can inspect it.
	ErrNotJSONFrame = errors.New("protocol: not a JSON frame (first byte is not 'J')")
	// ErrBERFrame reports a BER frame (first byte 0xA1..0xA4). It wraps
	// ErrNotJSONFrame, so errors.Is(err, ErrNotJSONFrame) holds for it too.
	ErrBERFrame = fmt.Errorf("protocol: BER frame (first byte 0xA1..0xA4): %w", ErrNotJSONFrame)
	// ErrBadFrameLength reports a 'J' header whose 7 length bytes are not ASCII digits.
	ErrBadFrameLength = errors.New("protocol: bad JSON frame length digits")
	// ErrFrameTooLarge reports a frame longer than the configured maximum (at most
	// MaxFrameLength).
	ErrFrameTooLarge = errors.New("protocol: frame too large")
)
