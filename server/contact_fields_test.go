package server

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/internal/testfill"
	"github.com/ucpresence/presence/protocol"
)

// TestContactDataEveryFieldReachesTheWire fills every field of the contact
// record by reflection, maps it to the wire type (contactData), encodes it
// to JSON and decodes it back into the wire type: every value the engine
// held must be in the decoded message (the filler gives each leaf a
// distinct value, so a field the mapping drops is named).
func TestContactDataEveryFieldReachesTheWire(t *testing.T) {
	var full engine.ContactData
	testfill.Fill(&full)
	if zero := testfill.ZeroLeaves(&full); len(zero) != 0 {
		t.Fatalf("not filled: %v", zero)
	}
	wire := contactData(&full, nil, false)
	data, err := json.Marshal(wire)
	if err != nil {
		t.Fatal(err)
	}
	var decoded protocol.AsnNetDatabaseContact
	if err := json.Unmarshal(data, &decoded); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&decoded, wire) {
		t.Errorf("the wire type does not survive its JSON encoding:\n got %+v\nwant %+v", decoded, *wire)
	}
	var members map[string]any
	if err := json.Unmarshal(data, &members); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	collect(reflect.ValueOf(members), seen)
	for path, value := range leaves(reflect.ValueOf(full), "ContactData") {
		if !seen[value] {
			t.Errorf("%s (%s) is not on the wire: %s", path, value, data)
		}
	}
}

// leaves maps the path of every leaf of v to its value as text.
func leaves(v reflect.Value, path string) map[string]string {
	out := map[string]string{}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		default:
			out[path] = fmt.Sprint(v.Interface())
		}
	}
	walk(v, path)
	return out
}

// collect adds every scalar of a decoded JSON value to seen, as text.
func collect(v reflect.Value, seen map[string]bool) {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			collect(v.Elem(), seen)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			collect(v.MapIndex(k), seen)
		}
	case reflect.Slice:
		for i := range v.Len() {
			collect(v.Index(i), seen)
		}
	default:
		seen[fmt.Sprint(v.Interface())] = true
	}
}
