package ingest

import (
	"reflect"
	"testing"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/internal/testfill"
)

// TestContactDataEveryFieldRoundTrips fills every field of the contact
// record by reflection (so a field added to engine.ContactData is covered
// without editing this test) and checks that the ingest encoder and
// decoder carry each one, as a contact's directory data and as a call's
// remote party.
func TestContactDataEveryFieldRoundTrips(t *testing.T) {
	var full engine.ContactData
	if n := testfill.Fill(&full); n < 50 {
		t.Fatalf("filled %d fields; the contact record has more than 50", n)
	}
	if zero := testfill.ZeroLeaves(&full); len(zero) != 0 {
		t.Fatalf("not filled: %v", zero)
	}
	events := []Event{
		{Op: OpPutContact, Contact: "c", Entry: engine.ContactEntry{Data: &full}},
		{Op: OpPutCall, Contact: "c", Call: engine.Call{ConnectionID: "x", Remote: &full}},
	}
	var d Decoder
	for i := range events {
		want := &events[i]
		line := AppendEvent(nil, want)
		var got Event
		if err := d.Decode(line[:len(line)-1], &got); err != nil {
			t.Fatalf("%s: %v\n%s", want.Op, err, line)
		}
		data := got.Entry.Data
		if want.Op == OpPutCall {
			data = got.Call.Remote
		}
		if data == nil {
			t.Fatalf("%s: no contact data decoded from %s", want.Op, line)
		}
		if !reflect.DeepEqual(*data, full) {
			gotValue, wantValue := reflect.ValueOf(*data), reflect.ValueOf(full)
			for f := range wantValue.NumField() {
				if !reflect.DeepEqual(gotValue.Field(f).Interface(), wantValue.Field(f).Interface()) {
					t.Errorf("%s: field %s: got %v, want %v", want.Op, wantValue.Type().Field(f).Name, gotValue.Field(f), wantValue.Field(f))
				}
			}
		}
	}
}
