package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The envelope encoders append one ROSE message to dst, optionally wrapped in
// the one-element array [ ... ] that UCWeb uses. "_type" (the ASN.1 type name)
// is written on the top-level argument, result or error value only, as the
// UCServer does; nested values carry none. Optional envelope members that are
// absent are omitted; sessionID and linked_ID are never written on outbound
// messages (a plain client connection has no session multiplexing).

// AppendInvoke appends an invoke of operation with the given argument (any wire
// value, a json.RawMessage holding an object, or nil for {}). The invoke carries
// both operationID and operationName (a legacy name without id is sent with
// operationID 0). It fails only if encoding/json cannot encode argument.
func AppendInvoke(dst []byte, invokeID int64, operation *Operation, argument any, arrayWrapped bool) ([]byte, error) {
	value, err := typedValue(operation.ArgumentType, argument)
	if err != nil {
		return dst, fmt.Errorf("cannot encode argument of %s: %w", operation.Name, err)
	}
	dst = appendInvokeHead(dst, invokeID, operation, arrayWrapped)
	dst = append(dst, value...)
	return appendInvokeTail(dst, arrayWrapped), nil
}

// AppendEvent appends an event: an invoke with invoke id 99999.
func AppendEvent(dst []byte, operation *Operation, argument any, arrayWrapped bool) ([]byte, error) {
	return AppendInvoke(dst, EventInvokeID, operation, argument, arrayWrapped)
}

// AppendResult appends the result of invokeID: {"result":{"invokeID":N,
// "result":{"resultValue":0,"result":{"_type":...}}}}. The "_type" is the
// operation's ResultType.
func AppendResult(dst []byte, invokeID int64, operation *Operation, result any, arrayWrapped bool) ([]byte, error) {
	value, err := typedValue(operation.ResultType, result)
	if err != nil {
		return dst, fmt.Errorf("cannot encode result of %s: %w", operation.Name, err)
	}
	dst = appendResultHead(dst, invokeID, arrayWrapped)
	dst = append(dst, value...)
	return appendResultTail(dst, arrayWrapped), nil
}

// AppendError appends the error answer of invokedID:
// {"error":{"invokedID":N,"error_value":0,"error":{"_type":"AsnRequestError",...}}}.
func AppendError(dst []byte, invokedID int64, requestError *AsnRequestError, arrayWrapped bool) []byte {
	if arrayWrapped {
		dst = append(dst, '[')
	}
	dst = append(dst, `{"error":{"invokedID":`...)
	dst = appendInt(dst, invokedID)
	dst = append(dst, `,"error_value":0,"error":{"_type":"AsnRequestError","iErrorDetail":`...)
	dst = appendInt(dst, requestError.ErrorDetail)
	dst = append(dst, `,"u8sErrorString":`...)
	dst = appendString(dst, requestError.ErrorString)
	dst = append(dst, "}}}"...)
	if arrayWrapped {
		dst = append(dst, ']')
	}
	return dst
}

// AppendReject appends a reject: {"reject":{"invokedID":{"invokedID":N},
// "reject":{"invokeProblem":P},"details":"..."}}. InvokedNull selects
// {"invokednull":null}. Problem, Details, Authentication and SessionID are
// written only when set.
func AppendReject(dst []byte, reject *Reject, arrayWrapped bool) []byte {
	if arrayWrapped {
		dst = append(dst, '[')
	}
	dst = append(dst, `{"reject":{`...)
	if reject.SessionID.Present {
		dst = append(dst, `"sessionID":`...)
		dst = appendString(dst, reject.SessionID.Value)
		dst = append(dst, ',')
	}
	if reject.InvokedNull {
		dst = append(dst, `"invokedID":{"invokednull":null}`...)
	} else {
		dst = append(dst, `"invokedID":{"invokedID":`...)
		dst = appendInt(dst, reject.InvokedID)
		dst = append(dst, '}')
	}
	if reject.Problem != nil {
		dst = append(dst, `,"reject":{"`...)
		dst = append(dst, reject.Problem.Kind.String()...)
		dst = append(dst, `":`...)
		dst = appendInt(dst, reject.Problem.Code)
		dst = append(dst, '}')
	}
	if reject.Details.Present {
		dst = append(dst, `,"details":`...)
		dst = appendString(dst, reject.Details.Value)
	}
	if reject.Authentication != nil {
		dst = append(dst, `,"authentication":`...)
		dst = appendAuthResult(dst, reject.Authentication)
	}
	dst = append(dst, "}}"...)
	if arrayWrapped {
		dst = append(dst, ']')
	}
	return dst
}

// appendAuthResult appends a ROSEAuthResult.
func appendAuthResult(dst []byte, result *ROSEAuthResult) []byte {
	dst = append(dst, `{"authList":[`...)
	for index, auth := range result.AuthList {
		if index > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"method":`...)
		dst = appendString(dst, auth.Method)
		dst = append(dst, `,"authdata":`...)
		dst = auth.AuthData.appendJSON(dst)
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	if result.Context.Present {
		dst = append(dst, `,"context":`...)
		dst = appendString(dst, result.Context.Value)
	}
	return append(dst, '}')
}

// appendInvokeHead appends everything of an invoke up to the argument value.
func appendInvokeHead(dst []byte, invokeID int64, operation *Operation, arrayWrapped bool) []byte {
	if arrayWrapped {
		dst = append(dst, '[')
	}
	dst = append(dst, `{"invoke":{"invokeID":`...)
	dst = appendInt(dst, invokeID)
	dst = append(dst, `,"operationID":`...)
	dst = appendInt(dst, int64(operation.ID))
	dst = append(dst, `,"operationName":`...)
	dst = appendString(dst, operation.Name)
	return append(dst, `,"argument":`...)
}

// appendInvokeTail closes an invoke opened by appendInvokeHead.
func appendInvokeTail(dst []byte, arrayWrapped bool) []byte {
	dst = append(dst, "}}"...)
	if arrayWrapped {
		dst = append(dst, ']')
	}
	return dst
}

// appendResultHead appends everything of a result up to the inner value.
func appendResultHead(dst []byte, invokeID int64, arrayWrapped bool) []byte {
	if arrayWrapped {
		dst = append(dst, '[')
	}
	dst = append(dst, `{"result":{"invokeID":`...)
	dst = appendInt(dst, invokeID)
	return append(dst, `,"result":{"resultValue":0,"result":`...)
}

// appendResultTail closes a result opened by appendResultHead.
func appendResultTail(dst []byte, arrayWrapped bool) []byte {
	dst = append(dst, "}}}"...)
	if arrayWrapped {
		dst = append(dst, ']')
	}
	return dst
}

// typedValue encodes value with encoding/json (no HTML escaping) and puts
// "_type":typeName first in the object. nil (also a nil pointer) encodes as
// {"_type":typeName}. A
// value that is not an object, or already starts with "_type", is left as is.
func typedValue(typeName string, value any) ([]byte, error) {
	var encoded []byte
	switch raw := value.(type) {
	case nil:
		encoded = []byte("{}")
	case json.RawMessage:
		if !json.Valid(raw) {
			return nil, fmt.Errorf("invalid raw JSON")
		}
		encoded = bytes.TrimSpace(raw)
	default:
		var err error
		if encoded, err = marshalWithoutHTMLEscape(value); err != nil {
			return nil, err
		}
		if string(encoded) == "null" { // a nil pointer: an empty SEQUENCE, never null
			encoded = []byte("{}")
		}
	}
	if len(encoded) == 0 || encoded[0] != '{' {
		return encoded, nil
	}
	rest := bytes.TrimSpace(encoded[1:])
	if bytes.HasPrefix(rest, []byte(`"_type"`)) {
		return encoded, nil
	}
	typed := make([]byte, 0, len(encoded)+len(typeName)+12)
	typed = append(typed, `{"_type":`...)
	typed = appendString(typed, typeName)
	if len(rest) > 0 && rest[0] != '}' {
		typed = append(typed, ',')
	}
	return append(typed, rest...), nil
}
