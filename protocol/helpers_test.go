package protocol

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// randomFiller fills wire values with random content through reflection, so
// every wire type gets round-trip and encoder tests without a hand-written
// generator per type.
type randomFiller struct {
	rng *rand.Rand
	// invalidUTF8 allows strings with invalid UTF-8 (they do not round-trip:
	// both encoders turn each bad byte into U+FFFD).
	invalidUTF8 bool
}

// newRandomFiller returns a deterministic filler.
func newRandomFiller(seed uint64, invalidUTF8 bool) *randomFiller {
	return &randomFiller{rng: rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15)), invalidUTF8: invalidUTF8}
}

var (
	systemTimeType         = reflect.TypeFor[SystemTime]()
	optionalParametersType = reflect.TypeFor[AsnOptionalParameters]()
	octetStringType        = reflect.TypeFor[OctetString]()
)

// stringPieces are the fragments random strings are built from: plain text,
// JSON specials, control characters, HTML characters, multi-byte runes,
// U+2028/2029 and (when allowed) invalid UTF-8.
var stringPieces = []string{
	"sip:alice@example.com", "Müller", "a", " ", `"`, `\`, "/", "\n", "\r", "\t", "\b", "\f",
	"\x00", "\x01", "\x1f", "\x7f", "<", ">", "&", "€", "日本", "😀", "\u2028", "\u2029", "{}", "[]",
}

var invalidUTF8Pieces = []string{"\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80"}

// randomString returns a random string of 0..8 pieces.
func (f *randomFiller) randomString() string {
	var builder strings.Builder
	for count := f.rng.IntN(9); count > 0; count-- {
		if f.invalidUTF8 && f.rng.IntN(8) == 0 {
			builder.WriteString(invalidUTF8Pieces[f.rng.IntN(len(invalidUTF8Pieces))])
			continue
		}
		builder.WriteString(stringPieces[f.rng.IntN(len(stringPieces))])
	}
	return builder.String()
}

// randomInt returns small, negative, zero, 32-bit and 64-bit values.
func (f *randomFiller) randomInt() int64 {
	switch f.rng.IntN(6) {
	case 0:
		return 0
	case 1:
		return int64(f.rng.IntN(20))
	case 2:
		return -int64(f.rng.IntN(1000))
	case 3:
		return int64(f.rng.Uint32())
	case 4:
		return int64(f.rng.Uint64())
	}
	return 0x60000003
}

// randomTime returns the zero time or a UTC time with millisecond precision,
// sometimes on a whole second.
func (f *randomFiller) randomTime() SystemTime {
	if f.rng.IntN(5) == 0 {
		return SystemTime{}
	}
	milliseconds := f.rng.Int64N(4102444800000) // 1970..2100
	if f.rng.IntN(2) == 0 {
		milliseconds -= milliseconds % 1000
	}
	return SystemTime{Time: time.UnixMilli(milliseconds).UTC()}
}

// randomBytes returns a non-nil byte slice of 0..40 bytes.
func (f *randomFiller) randomBytes() []byte {
	data := make([]byte, f.rng.IntN(41))
	for index := range data {
		data[index] = byte(f.rng.Uint32())
	}
	return data
}

// randomOptionalParameters returns 0..4 parameters of random kinds.
func (f *randomFiller) randomOptionalParameters() AsnOptionalParameters {
	parameters := AsnOptionalParameters{}
	for count := f.rng.IntN(5); count > 0; count-- {
		key := f.randomString()
		switch f.rng.IntN(3) {
		case 0:
			parameters = append(parameters, StringParam(key, f.randomString()))
		case 1:
			parameters = append(parameters, BinaryParam(key, f.randomBytes()))
		default:
			parameters = append(parameters, IntegerParam(key, f.randomInt()))
		}
	}
	return parameters
}

// fill sets value (addressable) to random content. optional says whether the
// value is an OPTIONAL member (then nil pointers and nil slices are allowed).
func (f *randomFiller) fill(value reflect.Value, optional bool, depth int) {
	valueType := value.Type()
	switch valueType {
	case systemTimeType:
		value.Set(reflect.ValueOf(f.randomTime()))
		return
	case optionalParametersType:
		if optional && f.rng.IntN(3) == 0 {
			return
		}
		value.Set(reflect.ValueOf(f.randomOptionalParameters()))
		return
	case octetStringType:
		if optional && f.rng.IntN(3) == 0 {
			return
		}
		value.SetBytes(f.randomBytes())
		return
	case nullType:
		return
	}
	if valueType.Kind() == reflect.Struct && isOptionalType(valueType) {
		if f.rng.IntN(2) == 0 {
			return
		}
		value.FieldByName("Present").SetBool(true)
		f.fill(value.FieldByName("Value"), false, depth)
		return
	}
	if valueType == reflect.TypeFor[json.RawMessage]() {
		// Members accepted and ignored as raw JSON (compact, so they
		// round-trip byte for byte).
		if !optional || f.rng.IntN(3) != 0 {
			value.SetBytes([]byte(`[{"u8sServiceType":"s","u8seName":"n"}]`))
		}
		return
	}
	switch valueType.Kind() {
	case reflect.String:
		value.SetString(f.randomString())
	case reflect.Int64:
		value.SetInt(f.randomInt())
	case reflect.Bool:
		value.SetBool(f.rng.IntN(2) == 0)
	case reflect.Pointer:
		if optional && (depth > 3 || f.rng.IntN(3) == 0) {
			return
		}
		pointer := reflect.New(valueType.Elem())
		f.fill(pointer.Elem(), false, depth+1)
		value.Set(pointer)
	case reflect.Slice:
		if optional && f.rng.IntN(3) == 0 {
			return
		}
		length := f.rng.IntN(3)
		if depth > 3 {
			length = 0
		}
		slice := reflect.MakeSlice(valueType, length, length)
		for index := 0; index < length; index++ {
			f.fill(slice.Index(index), false, depth+1)
		}
		value.Set(slice)
	case reflect.Struct:
		f.fillStruct(value, depth)
	default:
		panic("randomFiller: unsupported kind " + valueType.String())
	}
}

// fillStruct fills every member; a CHOICE gets exactly one alternative.
func (f *randomFiller) fillStruct(value reflect.Value, depth int) {
	valueType := value.Type()
	if valueType.Implements(choiceType) {
		index := f.rng.IntN(valueType.NumField())
		field := value.Field(index)
		if field.Kind() == reflect.Pointer {
			pointer := reflect.New(field.Type().Elem())
			f.fill(pointer.Elem(), false, depth+1)
			field.Set(pointer)
		} else { // Optional[string]
			field.FieldByName("Present").SetBool(true)
			f.fill(field.FieldByName("Value"), false, depth+1)
		}
		return
	}
	for index := 0; index < valueType.NumField(); index++ {
		field := valueType.Field(index)
		if !field.IsExported() {
			continue
		}
		f.fill(value.Field(index), strings.Contains(field.Tag.Get("json"), "omitzero"), depth)
	}
}

// isOptionalType reports whether t is an instance of Optional[T].
func isOptionalType(t reflect.Type) bool {
	return strings.HasPrefix(t.Name(), "Optional[")
}

// encodeWithEncodingJSON is the reference encoding: encoding/json without HTML
// escaping, the form the fast encoders promise to match byte for byte.
func encodeWithEncodingJSON(t testing.TB, value any) []byte {
	t.Helper()
	encoded, err := marshalWithoutHTMLEscape(value)
	if err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return encoded
}

// canonicalJSON decodes and re-encodes JSON so that key order and escaping
// choices no longer matter.
func canonicalJSON(t testing.TB, data []byte) string {
	t.Helper()
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	var value any
	if err := decoder.Decode(&value); err != nil {
		t.Fatalf("canonicalJSON: %v in %s", err, data)
	}
	encoded, err := json.Marshal(value)
	if err != nil {
		t.Fatalf("canonicalJSON: %v", err)
	}
	return string(encoded)
}

// mustDecodeMessage decodes a message or fails the test.
func mustDecodeMessage(t testing.TB, data []byte) *Message {
	t.Helper()
	message, err := DecodeMessage(data)
	if err != nil {
		t.Fatalf("DecodeMessage(%s): %v", data, err)
	}
	return message
}

// reflectValue returns the addressable value a pointer points to.
func reflectValue(pointer any) reflect.Value {
	return reflect.ValueOf(pointer).Elem()
}
