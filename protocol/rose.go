package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// EventInvokeID is the invoke id of every event; events are never answered.
const EventInvokeID = 99999

// MessageKind is the alternative of the ROSEMessage CHOICE.
type MessageKind uint8

// The ROSEMessage alternatives.
const (
	// KindInvoke is an invoke (a request or an event).
	KindInvoke MessageKind = iota + 1
	// KindResult is a result.
	KindResult
	// KindError is an error.
	KindError
	// KindReject is a reject.
	KindReject
)

// String returns the JSON member name of the alternative.
func (k MessageKind) String() string {
	switch k {
	case KindInvoke:
		return "invoke"
	case KindResult:
		return "result"
	case KindError:
		return "error"
	case KindReject:
		return "reject"
	}
	return fmt.Sprintf("MessageKind(%d)", k)
}

// ROSEAuth is one authentication token of the ROSE envelope.
type ROSEAuth struct {
	// Method is e.g. "Basic" or "JWT".
	Method string `json:"method"`
	// AuthData is the credential (base64 in JSON).
	AuthData OctetString `json:"authdata"`
}

// ROSEAuthRequest is the per-invoke authentication of an invoke.
type ROSEAuthRequest struct {
	Auth    ROSEAuth         `json:"auth"`
	Context Optional[string] `json:"context,omitzero"`
}

// ROSEAuthResult is the authentication challenge carried by a reject.
type ROSEAuthResult struct {
	AuthList List[ROSEAuth]   `json:"authList"`
	Context  Optional[string] `json:"context,omitzero"`
}

// Message is one decoded ROSE message: exactly one of Invoke, Result, Error and
// Reject is set. It does not alias the input bytes.
type Message struct {
	// ArrayWrapped reports whether the message came as [ {...} ] (UCWeb's form);
	// the answer should use the same form.
	ArrayWrapped bool
	Invoke       *Invoke
	Result       *Result
	Error        *Error
	Reject       *Reject
}

// Kind returns which alternative is set.
func (m *Message) Kind() MessageKind {
	switch {
	case m.Invoke != nil:
		return KindInvoke
	case m.Result != nil:
		return KindResult
	case m.Error != nil:
		return KindError
	case m.Reject != nil:
		return KindReject
	}
	return 0
}

// Invoke is a ROSE invoke.
type Invoke struct {
	SessionID Optional[string]
	InvokeID  int64
	LinkedID  Optional[int64]
	// OperationID is the id as received (0 when absent).
	OperationID OperationID
	// OperationName is the name as received ("" when absent).
	OperationName string
	// Operation is the resolved operation; never nil in a decoded message.
	Operation      *Operation
	Authentication *ROSEAuthRequest
	// Argument is the raw argument, nil when absent or null; decode it with
	// DecodeArgument.
	Argument json.RawMessage
}

// IsEvent reports whether the invoke is an event (invoke id 99999).
func (i *Invoke) IsEvent() bool {
	return i.InvokeID == EventInvokeID
}

// Result is a ROSE result.
type Result struct {
	SessionID Optional[string]
	InvokeID  int64
	// HasValue reports whether the optional result sequence is present.
	HasValue bool
	// ResultValue is the resultValue (the UCServer always sends 0).
	ResultValue int64
	// Value is the raw inner result, nil when absent.
	Value json.RawMessage
}

// Error is a ROSE error.
type Error struct {
	SessionID  Optional[string]
	InvokedID  int64
	ErrorValue int64
	// Value is the raw error value (an AsnRequestError), nil when absent.
	Value json.RawMessage
}

// Reject is a ROSE reject, decoded or to be encoded with AppendReject.
type Reject struct {
	SessionID Optional[string]
	// InvokedID is the rejected invoke id, used when InvokedNull is false.
	InvokedID int64
	// InvokedNull selects the invokednull alternative (no usable invoke id).
	InvokedNull bool
	// Problem is the optional RejectProblem.
	Problem *RejectProblem
	// Details is the optional text (JSON only).
	Details Optional[string]
	// Authentication is the optional challenge (problems 9 and 10).
	Authentication *ROSEAuthResult
}

// wireMessage is the top-level CHOICE with its members undecoded.
type wireMessage struct {
	Invoke json.RawMessage `json:"invoke"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
	Reject json.RawMessage `json:"reject"`
}

// wireInvoke keeps every member raw so a bad member can still be answered.
type wireInvoke struct {
	SessionID      json.RawMessage `json:"sessionID"`
	InvokeID       json.RawMessage `json:"invokeID"`
	LinkedID       json.RawMessage `json:"linked_ID"`
	OperationName  json.RawMessage `json:"operationName"`
	Authentication json.RawMessage `json:"authentication"`
	OperationID    json.RawMessage `json:"operationID"`
	Argument       json.RawMessage `json:"argument"`
}

// wireResult is ROSEResult with raw members.
type wireResult struct {
	SessionID json.RawMessage `json:"sessionID"`
	InvokeID  json.RawMessage `json:"invokeID"`
	Result    *struct {
		ResultValue json.RawMessage `json:"resultValue"`
		Result      json.RawMessage `json:"result"`
	} `json:"result"`
}

// wireError is ROSEError with raw members.
type wireError struct {
	SessionID  json.RawMessage `json:"sessionID"`
	InvokedID  json.RawMessage `json:"invokedID"`
	ErrorValue json.RawMessage `json:"error_value"`
	Error      json.RawMessage `json:"error"`
}

// wireReject is ROSEReject with raw members.
type wireReject struct {
	SessionID      json.RawMessage `json:"sessionID"`
	InvokedID      json.RawMessage `json:"invokedID"`
	Reject         json.RawMessage `json:"reject"`
	Details        json.RawMessage `json:"details"`
	Authentication json.RawMessage `json:"authentication"`
}

// utf8ByteOrderMark is skipped in front of a message.
var utf8ByteOrderMark = []byte{0xEF, 0xBB, 0xBF}

// DecodeMessage decodes one JSON ROSE message, with or without the one-element
// array wrapper [ {...} ], and resolves an invoke's operation (by a known
// operationID, else by operationName). The argument stays raw.
//
// Errors:
//   - ErrMalformedMessage or ErrMissingMember (wrapped): the message cannot be
//     answered (no usable invoke id); the UCServer only logs such input;
//   - *RejectError: an invoke that must be answered with that reject (unknown
//     operation, envelope member of the wrong type); check ShouldSend.
func DecodeMessage(data []byte) (*Message, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(data), utf8ByteOrderMark))
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrMalformedMessage)
	}
	var wire wireMessage
	arrayWrapped := false
	switch trimmed[0] {
	case '[':
		var elements []wireMessage
		if err := json.Unmarshal(trimmed, &elements); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedMessage, err)
		}
		if len(elements) != 1 {
			return nil, fmt.Errorf("%w: array wrapper holds %d elements, want 1", ErrMalformedMessage, len(elements))
		}
		wire, arrayWrapped = elements[0], true
	case '{':
		if err := json.Unmarshal(trimmed, &wire); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedMessage, err)
		}
	default:
		return nil, fmt.Errorf("%w: want an object or a one-element array", ErrMalformedMessage)
	}

	present := countTrue(isPresent(wire.Invoke), isPresent(wire.Result), isPresent(wire.Error), isPresent(wire.Reject))
	if present != 1 {
		return nil, fmt.Errorf("%w: want exactly one of invoke, result, error, reject; got %d", ErrMalformedMessage, present)
	}
	message := &Message{ArrayWrapped: arrayWrapped}
	var err error
	switch {
	case isPresent(wire.Invoke):
		message.Invoke, err = decodeInvoke(wire.Invoke, arrayWrapped)
	case isPresent(wire.Result):
		message.Result, err = decodeResult(wire.Result)
	case isPresent(wire.Error):
		message.Error, err = decodeError(wire.Error)
	default:
		message.Reject, err = decodeReject(wire.Reject)
	}
	if err != nil {
		return nil, err
	}
	return message, nil
}

// isPresent reports whether a raw member is there and not null.
func isPresent(raw json.RawMessage) bool {
	return len(raw) > 0 && !isJSONNull(raw)
}

// decodeInvoke decodes ROSEInvoke and resolves its operation.
func decodeInvoke(raw json.RawMessage, arrayWrapped bool) (*Invoke, error) {
	var wire wireInvoke
	if err := json.Unmarshal(raw, &wire); err != nil {
		return nil, fmt.Errorf("%w: invoke: %v", ErrMalformedMessage, err)
	}
	if !isPresent(wire.InvokeID) {
		return nil, fmt.Errorf("%w: invoke.invokeID", ErrMissingMember)
	}
	invokeID, err := parseLenientInteger(wire.InvokeID)
	if err != nil {
		return nil, fmt.Errorf("%w: invoke.invokeID: %v", ErrMalformedMessage, err)
	}
	invoke := &Invoke{InvokeID: invokeID}
	mistyped := func(member string, err error) error {
		return newRejectError(invokeID, arrayWrapped, fmt.Errorf("%w: invoke.%s: %v", ErrMistypedEnvelope, member, err))
	}
	if isPresent(wire.OperationID) {
		id, err := parseLenientInteger(wire.OperationID)
		if err != nil {
			return nil, mistyped("operationID", err)
		}
		invoke.OperationID = OperationID(id)
	}
	if isPresent(wire.OperationName) {
		if err := json.Unmarshal(wire.OperationName, &invoke.OperationName); err != nil {
			return nil, mistyped("operationName", err)
		}
	}
	if err := decodeOptionalString(wire.SessionID, &invoke.SessionID); err != nil {
		return nil, mistyped("sessionID", err)
	}
	if isPresent(wire.LinkedID) {
		linked, err := parseLenientInteger(wire.LinkedID)
		if err != nil {
			return nil, mistyped("linked_ID", err)
		}
		invoke.LinkedID = Some(linked)
	}
	if isPresent(wire.Authentication) {
		invoke.Authentication = new(ROSEAuthRequest)
		if err := DecodeValue(wire.Authentication, invoke.Authentication); err != nil {
			return nil, mistyped("authentication", err)
		}
	}
	if isPresent(wire.Argument) {
		invoke.Argument = wire.Argument
	}
	operation, ok := resolveOperation(invoke.OperationID, invoke.OperationName)
	if !ok {
		return nil, newRejectError(invokeID, arrayWrapped,
			fmt.Errorf("%w: id %d name %q", ErrUnknownOperation, invoke.OperationID, invoke.OperationName))
	}
	invoke.Operation = operation
	return invoke, nil
}

// decodeResult decodes ROSEResult.
func decodeResult(raw json.RawMessage) (*Result, error) {
	var wire wireResult
	if err := json.Unmarshal(raw, &wire); err != nil {
		return nil, fmt.Errorf("%w: result: %v", ErrMalformedMessage, err)
	}
	if !isPresent(wire.InvokeID) {
		return nil, fmt.Errorf("%w: result.invokeID", ErrMissingMember)
	}
	result := &Result{}
	var err error
	if result.InvokeID, err = parseLenientInteger(wire.InvokeID); err != nil {
		return nil, fmt.Errorf("%w: result.invokeID: %v", ErrMalformedMessage, err)
	}
	if err := decodeOptionalString(wire.SessionID, &result.SessionID); err != nil {
		return nil, fmt.Errorf("%w: result.sessionID: %v", ErrMalformedMessage, err)
	}
	if wire.Result != nil {
		result.HasValue = true
		if isPresent(wire.Result.ResultValue) {
			if result.ResultValue, err = parseLenientInteger(wire.Result.ResultValue); err != nil {
				return nil, fmt.Errorf("%w: result.resultValue: %v", ErrMalformedMessage, err)
			}
		}
		if isPresent(wire.Result.Result) {
			result.Value = wire.Result.Result
		}
	}
	return result, nil
}

// decodeError decodes ROSEError; invokedID and error_value are mandatory.
func decodeError(raw json.RawMessage) (*Error, error) {
	var wire wireError
	if err := json.Unmarshal(raw, &wire); err != nil {
		return nil, fmt.Errorf("%w: error: %v", ErrMalformedMessage, err)
	}
	if !isPresent(wire.InvokedID) {
		return nil, fmt.Errorf("%w: error.invokedID", ErrMissingMember)
	}
	if !isPresent(wire.ErrorValue) {
		return nil, fmt.Errorf("%w: error.error_value", ErrMissingMember)
	}
	decoded := &Error{}
	var err error
	if decoded.InvokedID, err = parseLenientInteger(wire.InvokedID); err != nil {
		return nil, fmt.Errorf("%w: error.invokedID: %v", ErrMalformedMessage, err)
	}
	if decoded.ErrorValue, err = parseLenientInteger(wire.ErrorValue); err != nil {
		return nil, fmt.Errorf("%w: error.error_value: %v", ErrMalformedMessage, err)
	}
	if err := decodeOptionalString(wire.SessionID, &decoded.SessionID); err != nil {
		return nil, fmt.Errorf("%w: error.sessionID: %v", ErrMalformedMessage, err)
	}
	if isPresent(wire.Error) {
		decoded.Value = wire.Error
	}
	return decoded, nil
}

// decodeReject decodes ROSEReject. invokedID is the CHOICE {"invokedID":N} or
// {"invokednull":...}; a bare number is accepted too.
func decodeReject(raw json.RawMessage) (*Reject, error) {
	var wire wireReject
	if err := json.Unmarshal(raw, &wire); err != nil {
		return nil, fmt.Errorf("%w: reject: %v", ErrMalformedMessage, err)
	}
	if !isPresent(wire.InvokedID) {
		return nil, fmt.Errorf("%w: reject.invokedID", ErrMissingMember)
	}
	reject := &Reject{}
	if err := decodeInvokedIDChoice(wire.InvokedID, reject); err != nil {
		return nil, err
	}
	if err := decodeOptionalString(wire.SessionID, &reject.SessionID); err != nil {
		return nil, fmt.Errorf("%w: reject.sessionID: %v", ErrMalformedMessage, err)
	}
	if err := decodeOptionalString(wire.Details, &reject.Details); err != nil {
		return nil, fmt.Errorf("%w: reject.details: %v", ErrMalformedMessage, err)
	}
	if isPresent(wire.Reject) {
		problem, err := decodeRejectProblem(wire.Reject)
		if err != nil {
			return nil, err
		}
		reject.Problem = problem
	}
	if isPresent(wire.Authentication) {
		reject.Authentication = new(ROSEAuthResult)
		if err := DecodeValue(wire.Authentication, reject.Authentication); err != nil {
			return nil, fmt.Errorf("%w: reject.authentication: %v", ErrMalformedMessage, err)
		}
	}
	return reject, nil
}

// decodeInvokedIDChoice fills InvokedID / InvokedNull.
func decodeInvokedIDChoice(raw json.RawMessage, reject *Reject) error {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && trimmed[0] != '{' {
		id, err := parseLenientInteger(trimmed)
		if err != nil {
			return fmt.Errorf("%w: reject.invokedID: %v", ErrMalformedMessage, err)
		}
		reject.InvokedID = id
		return nil
	}
	var choice struct {
		InvokedID   json.RawMessage `json:"invokedID"`
		InvokedNull json.RawMessage `json:"invokednull"`
	}
	if err := json.Unmarshal(trimmed, &choice); err != nil {
		return fmt.Errorf("%w: reject.invokedID: %v", ErrMalformedMessage, err)
	}
	switch {
	case isPresent(choice.InvokedID) && choice.InvokedNull == nil:
		id, err := parseLenientInteger(choice.InvokedID)
		if err != nil {
			return fmt.Errorf("%w: reject.invokedID: %v", ErrMalformedMessage, err)
		}
		reject.InvokedID = id
	case choice.InvokedNull != nil && choice.InvokedID == nil:
		reject.InvokedNull = true
	default:
		return fmt.Errorf("%w: reject.invokedID: want exactly one of invokedID, invokednull", ErrMalformedMessage)
	}
	return nil
}

// decodeRejectProblem decodes the RejectProblem CHOICE.
func decodeRejectProblem(raw json.RawMessage) (*RejectProblem, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, fmt.Errorf("%w: reject.reject: %v", ErrMalformedMessage, err)
	}
	var problem *RejectProblem
	for kind, name := range problemNames {
		value, ok := members[name]
		if !ok {
			continue
		}
		if problem != nil {
			return nil, fmt.Errorf("%w: reject.reject: more than one problem", ErrMalformedMessage)
		}
		code, err := parseLenientInteger(value)
		if err != nil {
			return nil, fmt.Errorf("%w: reject.reject.%s: %v", ErrMalformedMessage, name, err)
		}
		problem = &RejectProblem{Kind: ProblemKind(kind), Code: code}
	}
	if problem == nil {
		return nil, fmt.Errorf("%w: reject.reject: no known problem", ErrMalformedMessage)
	}
	return problem, nil
}

// decodeOptionalString decodes an optional UTF8String member.
func decodeOptionalString(raw json.RawMessage, target *Optional[string]) error {
	if !isPresent(raw) {
		return nil
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return err
	}
	*target = Some(text)
	return nil
}
