package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// OptionalParamKind says which alternative of the AsnOptionalParam value CHOICE
// is set.
type OptionalParamKind uint8

// The alternatives of the AsnOptionalParam value CHOICE.
const (
	// OptionalParamString is the stringdata alternative (UTF8String).
	OptionalParamString OptionalParamKind = iota
	// OptionalParamBinary is the binarydata alternative (OCTET STRING).
	OptionalParamBinary
	// OptionalParamInteger is the integerdata alternative (INTEGER).
	OptionalParamInteger
)

// AsnOptionalParam is one key/value pair of AsnOptionalParameters. Kind selects
// which of String, Binary and Integer is the value.
type AsnOptionalParam struct {
	// Key is the parameter name, e.g. "jpegPhoto".
	Key string
	// Kind selects the value alternative.
	Kind OptionalParamKind
	// String is the stringdata value.
	String string
	// Binary is the binarydata value.
	Binary []byte
	// Integer is the integerdata value.
	Integer int64
}

// StringParam returns a stringdata parameter.
func StringParam(key, value string) AsnOptionalParam {
	return AsnOptionalParam{Key: key, Kind: OptionalParamString, String: value}
}

// BinaryParam returns a binarydata parameter.
func BinaryParam(key string, value []byte) AsnOptionalParam {
	return AsnOptionalParam{Key: key, Kind: OptionalParamBinary, Binary: value}
}

// IntegerParam returns an integerdata parameter.
func IntegerParam(key string, value int64) AsnOptionalParam {
	return AsnOptionalParam{Key: key, Kind: OptionalParamInteger, Integer: value}
}

// AsnOptionalParameters is the ASN.1 AsnOptionalParameters (SEQUENCE OF
// AsnOptionalParam). It encodes as the UCServer's map form
//
//	{"key": "text" | 123 | {"binarydata": "base64"}}
//
// in slice order, and decodes both that map form and the generic array form
//
//	[{"key": "k", "value": {"stringdata" | "binarydata" | "integerdata": ...}}]
//
// A nil value is an absent member (fields carry omitzero); a non-nil empty one
// encodes as {}. A "_type" key in the map form is skipped, as the TS stubs do.
// The map form cannot carry two equal keys: duplicates are written as they are
// and a decoder keeps whichever it likes.
type AsnOptionalParameters []AsnOptionalParam

// Lookup returns the first parameter with the given key.
func (p AsnOptionalParameters) Lookup(key string) (AsnOptionalParam, bool) {
	for _, parameter := range p {
		if parameter.Key == key {
			return parameter, true
		}
	}
	return AsnOptionalParam{}, false
}

// MarshalJSON encodes the map form.
func (p AsnOptionalParameters) MarshalJSON() ([]byte, error) {
	return p.appendJSON(nil), nil
}

// appendJSON appends the map form without allocating.
func (p AsnOptionalParameters) appendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	for index, parameter := range p {
		if index > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, parameter.Key)
		dst = append(dst, ':')
		switch parameter.Kind {
		case OptionalParamBinary:
			dst = append(dst, `{"binarydata":`...)
			dst = OctetString(parameter.Binary).appendJSON(dst)
			dst = append(dst, '}')
		case OptionalParamInteger:
			dst = appendInt(dst, parameter.Integer)
		default:
			dst = appendString(dst, parameter.String)
		}
	}
	return append(dst, '}')
}

// UnmarshalJSON decodes the map form or the array form; null leaves p nil.
func (p *AsnOptionalParameters) UnmarshalJSON(data []byte) error {
	trimmed := bytes.TrimSpace(data)
	switch {
	case isJSONNull(trimmed):
		*p = nil
		return nil
	case len(trimmed) > 0 && trimmed[0] == '[':
		return p.unmarshalArray(trimmed)
	case len(trimmed) > 0 && trimmed[0] == '{':
		return p.unmarshalMap(trimmed)
	}
	return fmt.Errorf("AsnOptionalParameters: want object or array, got %.20q", trimmed)
}

// wireOptionalParamChoice is the value CHOICE of the array form.
type wireOptionalParamChoice struct {
	StringData  *string      `json:"stringdata"`
	BinaryData  *OctetString `json:"binarydata"`
	IntegerData *int64       `json:"integerdata"`
}

// wireOptionalParam is one element of the array form.
type wireOptionalParam struct {
	Key   *string                 `json:"key"`
	Value wireOptionalParamChoice `json:"value"`
}

// unmarshalArray decodes [{"key":..,"value":{..}}].
func (p *AsnOptionalParameters) unmarshalArray(data []byte) error {
	var elements []wireOptionalParam
	if err := json.Unmarshal(data, &elements); err != nil {
		return fmt.Errorf("AsnOptionalParameters: %w", err)
	}
	result := make(AsnOptionalParameters, 0, len(elements))
	for _, element := range elements {
		if element.Key == nil {
			return fmt.Errorf("AsnOptionalParameters: element without key")
		}
		parameter, err := element.Value.parameter(*element.Key)
		if err != nil {
			return err
		}
		result = append(result, parameter)
	}
	*p = result
	return nil
}

// parameter converts the choice; exactly one alternative must be set.
func (c wireOptionalParamChoice) parameter(key string) (AsnOptionalParam, error) {
	count := 0
	var parameter AsnOptionalParam
	if c.StringData != nil {
		count++
		parameter = StringParam(key, *c.StringData)
	}
	if c.BinaryData != nil {
		count++
		parameter = BinaryParam(key, []byte(*c.BinaryData))
	}
	if c.IntegerData != nil {
		count++
		parameter = IntegerParam(key, *c.IntegerData)
	}
	if count != 1 {
		return AsnOptionalParam{}, fmt.Errorf("AsnOptionalParameters: key %q: want exactly one of stringdata, binarydata, integerdata", key)
	}
	return parameter, nil
}

// unmarshalMap decodes {"key": value, ...}, keeping the document order.
func (p *AsnOptionalParameters) unmarshalMap(data []byte) error {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	if _, err := decoder.Token(); err != nil { // the opening '{'
		return fmt.Errorf("AsnOptionalParameters: %w", err)
	}
	result := AsnOptionalParameters{}
	for decoder.More() {
		token, err := decoder.Token()
		if err != nil {
			return fmt.Errorf("AsnOptionalParameters: %w", err)
		}
		key, _ := token.(string)
		var raw json.RawMessage
		if err := decoder.Decode(&raw); err != nil {
			return fmt.Errorf("AsnOptionalParameters: key %q: %w", key, err)
		}
		if key == "_type" {
			continue
		}
		parameter, err := optionalParamFromMapValue(key, raw)
		if err != nil {
			return err
		}
		result = append(result, parameter)
	}
	if _, err := decoder.Token(); err != nil { // the closing '}'
		return fmt.Errorf("AsnOptionalParameters: %w", err)
	}
	*p = result
	return nil
}

// optionalParamFromMapValue decodes one value of the map form: a string, an
// integer, or an object holding one CHOICE alternative ({"binarydata":..} is
// what the UCServer writes; stringdata and integerdata are accepted too).
func optionalParamFromMapValue(key string, raw json.RawMessage) (AsnOptionalParam, error) {
	if len(raw) == 0 || isJSONNull(raw) {
		return AsnOptionalParam{}, fmt.Errorf("AsnOptionalParameters: key %q: null or empty value", key)
	}
	switch raw[0] {
	case '"':
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return AsnOptionalParam{}, fmt.Errorf("AsnOptionalParameters: key %q: %w", key, err)
		}
		return StringParam(key, text), nil
	case '{':
		var choice wireOptionalParamChoice
		if err := json.Unmarshal(raw, &choice); err != nil {
			return AsnOptionalParam{}, fmt.Errorf("AsnOptionalParameters: key %q: %w", key, err)
		}
		return choice.parameter(key)
	}
	integer, err := parseStrictInteger(raw)
	if err != nil {
		return AsnOptionalParam{}, fmt.Errorf("AsnOptionalParameters: key %q: %w", key, err)
	}
	return IntegerParam(key, integer), nil
}

// parseStrictInteger decodes a JSON number that is an integer.
func parseStrictInteger(raw json.RawMessage) (int64, error) {
	var value int64
	if err := json.Unmarshal(raw, &value); err != nil {
		return 0, err
	}
	return value, nil
}
