package protocol

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestOptionalParametersEncodeMapForm checks the UCServer's map form.
func TestOptionalParametersEncodeMapForm(t *testing.T) {
	parameters := AsnOptionalParameters{
		StringParam("Location", "Room \"4\""),
		IntegerParam("iReachability", 3),
		BinaryParam("jpegPhoto", []byte{0xFF, 0xD8, 0xFF}),
		IntegerParam("zero", 0),
	}
	encoded, err := json.Marshal(parameters)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Location":"Room \"4\"","iReachability":3,"jpegPhoto":{"binarydata":"/9j/"},"zero":0}`
	if string(encoded) != want {
		t.Errorf("got  %s\nwant %s", encoded, want)
	}
	empty, _ := json.Marshal(AsnOptionalParameters{})
	if string(empty) != `{}` {
		t.Errorf("empty: %s", empty)
	}
	absent, _ := json.Marshal(struct {
		Parameters AsnOptionalParameters `json:"optionalParams,omitzero"`
	}{})
	if string(absent) != `{}` {
		t.Errorf("absent: %s", absent)
	}
}

// TestOptionalParametersDecodeBothForms checks the map and the array form.
func TestOptionalParametersDecodeBothForms(t *testing.T) {
	want := AsnOptionalParameters{
		StringParam("RemoteInvokeID", "17"),
		IntegerParam("n", -4),
		BinaryParam("jpegPhoto", []byte("ab")),
	}
	inputs := []string{
		`{"RemoteInvokeID":"17","n":-4,"jpegPhoto":{"binarydata":"YWI="}}`,
		`{"_type":"AsnOptionalParameters","RemoteInvokeID":{"stringdata":"17"},"n":{"integerdata":-4},"jpegPhoto":{"binarydata":"YWI"}}`,
		`[{"key":"RemoteInvokeID","value":{"stringdata":"17"}},{"key":"n","value":{"integerdata":-4}},{"key":"jpegPhoto","value":{"binarydata":"YWI="}}]`,
		`[{"_type":"AsnOptionalParam","key":"RemoteInvokeID","value":{"_type":"AsnOptionalParamChoice","stringdata":"17"}},{"key":"n","value":{"integerdata":-4}},{"key":"jpegPhoto","value":{"binarydata":"YWI="}}]`,
	}
	for _, input := range inputs {
		var decoded AsnOptionalParameters
		if err := json.Unmarshal([]byte(input), &decoded); err != nil {
			t.Errorf("%s: %v", input, err)
			continue
		}
		if !reflect.DeepEqual(decoded, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", input, decoded, want)
		}
	}
	if parameter, ok := want.Lookup("n"); !ok || parameter.Integer != -4 {
		t.Errorf("Lookup")
	}
	if _, ok := want.Lookup("missing"); ok {
		t.Errorf("Lookup of a missing key")
	}
}

// TestOptionalParametersDecodeErrors checks malformed input.
func TestOptionalParametersDecodeErrors(t *testing.T) {
	for _, input := range []string{
		`"x"`, `5`, `{"k":1.5}`, `{"k":true}`, `{"k":null}`, `{"k":[]}`, `{"k":{}}`,
		`{"k":{"stringdata":"a","integerdata":1}}`, `{"k":{"binarydata":"%%"}}`,
		`[{"value":{"stringdata":"a"}}]`, `[{"key":"k","value":{}}]`, `[{"key":"k"}]`, `[1]`, `{"k":1`,
	} {
		var decoded AsnOptionalParameters
		if err := json.Unmarshal([]byte(input), &decoded); err == nil {
			t.Errorf("%s: want an error, got %#v", input, decoded)
		}
	}
	var decoded AsnOptionalParameters = AsnOptionalParameters{StringParam("a", "b")}
	if err := json.Unmarshal([]byte(`null`), &decoded); err != nil || decoded != nil {
		t.Errorf("null: %#v %v", decoded, err)
	}
}
