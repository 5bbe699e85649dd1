package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
)

// Optional is an ASN.1 OPTIONAL scalar member (INTEGER, BOOLEAN, UTF8String or
// AsnSystemTime). Present distinguishes "absent" from a present zero value: a
// present optional 0 is encoded as 0, an absent one is omitted. Struct fields of
// this type carry the omitzero tag, which calls IsZero. JSON null decodes as
// absent, as the TS stubs do.
type Optional[T any] struct {
	// Value is the member's value; meaningful only when Present is true.
	Value T
	// Present reports whether the member is on the wire.
	Present bool
}

// Some returns a present Optional holding value.
func Some[T any](value T) Optional[T] {
	return Optional[T]{Value: value, Present: true}
}

// Get returns the value and whether it is present.
func (o Optional[T]) Get() (T, bool) {
	return o.Value, o.Present
}

// IsZero reports whether the member is absent; encoding/json's omitzero uses it.
func (o Optional[T]) IsZero() bool {
	return !o.Present
}

// MarshalJSON encodes the value (the member is omitted by omitzero when absent).
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	switch value := any(o.Value).(type) {
	case string:
		return appendString(nil, value), nil
	case int64:
		return appendInt(nil, value), nil
	case bool:
		return appendBool(nil, value), nil
	case SystemTime:
		return value.appendJSON(nil), nil
	}
	return marshalWithoutHTMLEscape(o.Value)
}

// UnmarshalJSON decodes the value; null leaves the member absent.
func (o *Optional[T]) UnmarshalJSON(data []byte) error {
	if isJSONNull(data) {
		*o = Optional[T]{}
		return nil
	}
	var value T
	if err := json.Unmarshal(data, &value); err != nil {
		return err
	}
	*o = Optional[T]{Value: value, Present: true}
	return nil
}

// List is a mandatory ASN.1 SEQUENCE OF. A nil List encodes as [] (a mandatory
// member is never null); decoding null yields nil. Optional SEQUENCE OF members
// use plain slices with omitzero instead: nil is absent, an empty non-nil slice
// is a present empty list.
type List[T any] []T

// MarshalJSON encodes the list, nil as [].
func (l List[T]) MarshalJSON() ([]byte, error) {
	if len(l) == 0 {
		return []byte("[]"), nil
	}
	return marshalWithoutHTMLEscape([]T(l))
}

// OctetString is an ASN.1 OCTET STRING: padded standard base64 in JSON, without
// line breaks. A nil OctetString encodes as "" when the member is mandatory and
// is omitted when the member is optional (omitzero). Decoding accepts padded and
// unpadded standard base64 and ignores CR/LF; "" decodes as a present empty value.
type OctetString []byte

// MarshalJSON encodes the bytes as a padded standard base64 string.
func (s OctetString) MarshalJSON() ([]byte, error) {
	return s.appendJSON(nil), nil
}

// appendJSON appends the quoted base64 text.
func (s OctetString) appendJSON(dst []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, s)
	return append(dst, '"')
}

// UnmarshalJSON decodes a base64 string; null leaves s nil.
func (s *OctetString) UnmarshalJSON(data []byte) error {
	if isJSONNull(data) {
		*s = nil
		return nil
	}
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		return fmt.Errorf("OCTET STRING: %w", err)
	}
	decoded, err := decodeBase64(text)
	if err != nil {
		return fmt.Errorf("OCTET STRING: %w", err)
	}
	*s = decoded
	return nil
}

// decodeBase64 decodes standard base64 with or without padding, ignoring CR/LF.
// The result is never nil, so "" stays distinguishable from an absent member.
func decodeBase64(text string) ([]byte, error) {
	raw := []byte(text)
	raw = bytes.ReplaceAll(raw, []byte{'\r'}, nil)
	raw = bytes.ReplaceAll(raw, []byte{'\n'}, nil)
	encoding := base64.StdEncoding
	if len(raw)%4 != 0 {
		encoding = base64.RawStdEncoding
	}
	decoded := make([]byte, encoding.DecodedLen(len(raw)))
	count, err := encoding.Decode(decoded, raw)
	if err != nil {
		return nil, err
	}
	return decoded[:count], nil
}

// Null is the ASN.1 NULL type (the "dummy" member of the keepalive arguments).
// It encodes as null (the TS stubs' form; the C++ runtime writes 0) and decodes
// from anything. A Null member is never reported as missing.
type Null struct{}

// MarshalJSON encodes null.
func (Null) MarshalJSON() ([]byte, error) {
	return []byte("null"), nil
}

// UnmarshalJSON accepts any JSON value.
func (*Null) UnmarshalJSON([]byte) error {
	return nil
}

// isJSONNull reports whether data is the literal null (surrounding white space allowed).
func isJSONNull(data []byte) bool {
	return string(bytes.TrimSpace(data)) == "null"
}

// marshalWithoutHTMLEscape is json.Marshal without the HTML escaping of <, > and
// &, so that nested values encode exactly like the hand-written encoders.
func marshalWithoutHTMLEscape(value any) ([]byte, error) {
	var buffer bytes.Buffer
	encoder := json.NewEncoder(&buffer)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(value); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buffer.Bytes(), []byte{'\n'}), nil
}

// parseLenientInteger decodes an envelope INTEGER: a JSON number, or a string
// holding a decimal number (the C++ runtime accepts both via atoll). Fractions
// are refused.
func parseLenientInteger(data []byte) (int64, error) {
	if value, ok := parsePlainInteger(data); ok {
		return value, nil
	}
	text := string(bytes.TrimSpace(data))
	if len(text) >= 2 && text[0] == '"' {
		var unquoted string
		if err := json.Unmarshal([]byte(text), &unquoted); err != nil {
			return 0, err
		}
		text = unquoted
	}
	value, err := strconv.ParseInt(text, 10, 64)
	if err == nil {
		return value, nil
	}
	float, floatErr := strconv.ParseFloat(text, 64)
	if floatErr != nil || float < -1<<53 || float > 1<<53 || float != float64(int64(float)) {
		return 0, fmt.Errorf("not an integer: %q", text)
	}
	return int64(float), nil
}

// parsePlainInteger is the allocation-free fast path of parseLenientInteger: an
// optional '-' and 1..18 digits, nothing else.
func parsePlainInteger(data []byte) (int64, bool) {
	negative := len(data) > 0 && data[0] == '-'
	digits := data
	if negative {
		digits = data[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return 0, false
	}
	var value int64
	for _, digit := range digits {
		if digit < '0' || digit > '9' {
			return 0, false
		}
		value = value*10 + int64(digit-'0')
	}
	if negative {
		value = -value
	}
	return value, true
}
