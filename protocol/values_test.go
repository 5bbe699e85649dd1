package protocol

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"
)

// TestAppendStringMatchesEncodingJSON compares the string escaper with
// encoding/json (without HTML escaping) on tricky and random input.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	inputs := []string{"", "plain", `"quoted"`, `back\slash`, "\x00\x01\x1f\x7f", "\b\f\n\r\t", "<&>",
		"€日本😀", "\u2028\u2029", "\xff", "a\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok\xe2\x82", "\xef\xbf\xbd"}
	for code := 0; code < 0x80; code++ {
		inputs = append(inputs, string(rune(code)))
	}
	filler := newRandomFiller(7, true)
	for count := 0; count < 2000; count++ {
		inputs = append(inputs, filler.randomString())
	}
	for _, input := range inputs {
		got := appendString(nil, input)
		want := encodeWithEncodingJSON(t, input)
		if string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, encoding/json %s", input, got, want)
		}
		var decoded string
		if err := json.Unmarshal(got, &decoded); err != nil {
			t.Fatalf("appendString(%q) is not valid JSON: %v", input, err)
		}
		if utf8.ValidString(input) && decoded != input {
			t.Fatalf("appendString(%q) decodes to %q", input, decoded)
		}
	}
}

// TestSystemTime covers both encodings and the accepted inputs.
func TestSystemTime(t *testing.T) {
	whole := NewSystemTime(time.Date(2024, 9, 22, 10, 0, 0, 0, time.UTC))
	fraction := NewSystemTime(time.Date(2024, 9, 22, 10, 0, 0, 123_456_789, time.FixedZone("CEST", 7200)))
	for _, testCase := range []struct {
		value SystemTime
		want  string
	}{
		{SystemTime{}, `""`},
		{whole, `"2024-09-22T10:00:00Z"`},
		{fraction, `"2024-09-22T08:00:00.123Z"`},
	} {
		got, _ := json.Marshal(testCase.value)
		if string(got) != testCase.want {
			t.Errorf("Marshal %v = %s, want %s", testCase.value, got, testCase.want)
		}
	}
	for _, testCase := range []struct {
		input string
		want  time.Time
	}{
		{`""`, time.Time{}},
		{`null`, time.Time{}},
		{`"2024-09-22T10:00:00Z"`, whole.Time},
		{`"2024-09-22T10:00:00.000Z"`, whole.Time},
		{`"2024-09-22T12:00:00+02:00"`, whole.Time},
		{`"2024-09-22T10:00:00"`, whole.Time},
		{`" 2024-09-22T10:00:00Z "`, whole.Time},
		{`45557.41666666667`, whole.Time}, // Windows variant time
		{`25569`, time.Unix(0, 0).UTC()},
		{`0`, time.Time{}},
	} {
		var decoded SystemTime
		if err := json.Unmarshal([]byte(testCase.input), &decoded); err != nil {
			t.Errorf("Unmarshal %s: %v", testCase.input, err)
			continue
		}
		if !decoded.Time.Equal(testCase.want) {
			t.Errorf("Unmarshal %s = %v, want %v", testCase.input, decoded.Time, testCase.want)
		}
	}
	for _, input := range []string{`"yesterday"`, `true`, `{}`, `1e300`, `"2024-13-01T00:00:00Z"`} {
		var decoded SystemTime
		if err := json.Unmarshal([]byte(input), &decoded); err == nil {
			t.Errorf("Unmarshal %s: want an error", input)
		}
	}
}

// TestOctetString covers padded output and lenient input.
func TestOctetString(t *testing.T) {
	encoded, _ := json.Marshal(struct {
		Mandatory OctetString `json:"m"`
		Optional  OctetString `json:"o,omitzero"`
		Present   OctetString `json:"p,omitzero"`
		Data      OctetString `json:"d"`
	}{Present: OctetString{}, Data: OctetString("ab")})
	if string(encoded) != `{"m":"","p":"","d":"YWI="}` {
		t.Errorf("got %s", encoded)
	}
	for input, want := range map[string]string{`"YWI="`: "ab", `"YWI"`: "ab", "\"YW\\r\\nI=\"": "ab", `""`: ""} {
		var decoded OctetString
		if err := json.Unmarshal([]byte(input), &decoded); err != nil || string(decoded) != want || decoded == nil {
			t.Errorf("Unmarshal %s = %q, %v", input, decoded, err)
		}
	}
	for _, input := range []string{`"%%%"`, `5`, `"YWI=="`} {
		var decoded OctetString
		if err := json.Unmarshal([]byte(input), &decoded); err == nil {
			t.Errorf("Unmarshal %s: want an error", input)
		}
	}
	var decoded OctetString = OctetString("x")
	if err := json.Unmarshal([]byte(`null`), &decoded); err != nil || decoded != nil {
		t.Errorf("null: %q %v", decoded, err)
	}
}

// TestOptionalAndList checks presence, null handling and nil lists.
func TestOptionalAndList(t *testing.T) {
	var value struct {
		Number Optional[int64]  `json:"n,omitzero"`
		Text   Optional[string] `json:"s,omitzero"`
		Flag   Optional[bool]   `json:"b,omitzero"`
		Items  List[string]     `json:"l"`
	}
	encoded, _ := json.Marshal(value)
	if string(encoded) != `{"l":[]}` {
		t.Errorf("zero value: %s", encoded)
	}
	value.Number, value.Text, value.Flag = Some[int64](0), Some(""), Some(false)
	encoded, _ = json.Marshal(value)
	if string(encoded) != `{"n":0,"s":"","b":false,"l":[]}` {
		t.Errorf("present zeros: %s", encoded)
	}
	if err := json.Unmarshal([]byte(`{"n":null,"s":"<x>","b":true,"l":null}`), &value); err != nil {
		t.Fatal(err)
	}
	if value.Number.Present || value.Text != Some("<x>") || value.Flag != Some(true) || value.Items != nil {
		t.Errorf("decoded %+v", value)
	}
	if got, ok := Some[int64](5).Get(); got != 5 || !ok {
		t.Errorf("Get")
	}
	html, _ := json.Marshal(Some("<&>"))
	if string(html) != `"\u003c\u0026\u003e"` {
		t.Errorf("json.Marshal must still apply its HTML escaping to Optional: %s", html)
	}
}

// TestParseLenientInteger covers the envelope integer forms.
func TestParseLenientInteger(t *testing.T) {
	for input, want := range map[string]int64{`5`: 5, ` -7 `: -7, `"42"`: 42, `3.0`: 3, `1e3`: 1000} {
		got, err := parseLenientInteger([]byte(input))
		if err != nil || got != want {
			t.Errorf("%s = %d, %v", input, got, err)
		}
	}
	for _, input := range []string{`1.5`, `"x"`, `true`, `1e300`, `""`, `"1.5"`} {
		if _, err := parseLenientInteger([]byte(input)); err == nil {
			t.Errorf("%s: want an error", input)
		}
	}
}
