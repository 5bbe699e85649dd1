package store

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCodecRoundTripEdgeValues(t *testing.T) {
	rights := RightsEntry{RemoteID: "r", PresenceRights: math.MaxUint32, PhonePrimary: 0, PhoneSecondary: 1 << 31}
	if got, err := decodeRightsValue(appendRightsValue(nil, rights), "r"); err != nil || got != rights {
		t.Errorf("rights %+v, %v; want %+v", got, err, rights)
	}
	absent := AbsentState{
		State: math.MinInt32, From: time.Unix(-1_000_000_000, 1).UTC(), To: time.Unix(0, 0).UTC(), // 1970 is not "zero"
		HasReachability: true, Reachability: 0, // reachability 0 (normal) is not "absent"
		ExternalStates: []ExternalPresenceState{{UserName: strings.Repeat("ü", 300), State: math.MaxInt64, Type: -1}},
	}
	if got, err := decodeAbsentStateValue(appendAbsentStateValue(nil, absent)); err != nil || !reflect.DeepEqual(got, absent) {
		t.Errorf("absent state\n got  %+v, %v\n want %+v", got, err, absent)
	}
	user := User{ID: "u", Display: map[string]string{"": "", "b": "2", "a": "1"}, Lines: []string{""}}
	if got, err := decodeUserValue(appendUserValue(nil, user), "u"); err != nil || !reflect.DeepEqual(got, user) {
		t.Errorf("user\n got  %+v, %v\n want %+v", got, err, user)
	}
	// Map order must not change the bytes (equal users, equal values).
	first := appendUserValue(nil, user)
	for range 20 {
		if again := appendUserValue(nil, user); string(again) != string(first) {
			t.Fatal("user encoding depends on map iteration order")
		}
	}
}

func TestDecodersRejectDamagedValues(t *testing.T) {
	note := appendNoteValue(nil, Note{Text: "hello", SetAt: at(1)})
	for name, value := range map[string][]byte{
		"empty":          {},
		"version only":   {valueVersion},
		"other version":  append([]byte{valueVersion + 1}, note[1:]...),
		"cut":            note[:len(note)-2],
		"trailing bytes": append(append([]byte(nil), note...), 0),
		"huge length":    {valueVersion, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"bad boolean":    append(appendString([]byte{valueVersion}, "x"), 7),
	} {
		if _, err := decodeNoteValue(value); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	if _, err := decodeRightsValue([]byte{valueVersion, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0}, "r"); err == nil {
		t.Error("rights number over 32 bits decoded without error")
	}
	if _, _, err := splitCompositeKey([]byte{5, 'a'}); err == nil {
		t.Error("composite key with a length beyond the key split without error")
	}
}

// FuzzDecodeValues feeds arbitrary bytes to every decoder: none may panic
// or allocate beyond its input, and whatever decodes must survive
// encode + decode unchanged. (The bytes themselves need not be canonical:
// uvarint accepts overlong encodings.)
func FuzzDecodeValues(f *testing.F) {
	f.Add(appendRightsValue(nil, RightsEntry{PresenceRights: 557107}))
	f.Add(appendAbsentStateValue(nil, AbsentState{State: 2, HasReachability: true,
		ExternalStates: []ExternalPresenceState{{UserName: "x"}}, SetAt: at(3)}))
	f.Add(appendNoteValue(nil, Note{Text: "note", SetAt: at(4)}))
	f.Add(appendImageValue(nil, Image{Hash: "h", Small: []byte{1}, Large: []byte{2, 3}}))
	f.Add(appendUserValue(nil, User{Display: map[string]string{"a": "b"}, Groups: []string{"g"}}))
	f.Add(appendChallengeValue(nil, at(5)))
	f.Fuzz(func(t *testing.T, value []byte) {
		stable := func(kind string, decoded, again any, err error) {
			if err != nil || !reflect.DeepEqual(decoded, again) {
				t.Errorf("%s from %x: re-decoded %+v, %v; want %+v", kind, value, again, err, decoded)
			}
		}
		if entry, err := decodeRightsValue(value, "r"); err == nil {
			again, err := decodeRightsValue(appendRightsValue(nil, entry), "r")
			stable("rights", entry, again, err)
		}
		if state, err := decodeAbsentStateValue(value); err == nil {
			again, err := decodeAbsentStateValue(appendAbsentStateValue(nil, state))
			stable("absent state", state, again, err)
		}
		if note, err := decodeNoteValue(value); err == nil {
			again, err := decodeNoteValue(appendNoteValue(nil, note))
			stable("note", note, again, err)
		}
		if image, err := decodeImageValue(value, false); err == nil {
			again, err := decodeImageValue(appendImageValue(nil, image), false)
			stable("image", image, again, err)
		}
		if user, err := decodeUserValue(value, "u"); err == nil {
			again, err := decodeUserValue(appendUserValue(nil, user), "u")
			stable("user", user, again, err)
		}
		if challenge, err := decodeChallengeValue(value, "o", "c"); err == nil {
			again, err := decodeChallengeValue(appendChallengeValue(nil, challenge.At), "o", "c")
			stable("challenge", challenge, again, err)
		}
		if owner, second, err := splitCompositeKey(value); err == nil {
			if key := compositeKey(owner, second); string(key) != string(value) && len(value) > 0 && value[0] < 0x80 {
				t.Errorf("composite key %x split and joined as %x", value, key)
			}
		}
	})
}

// typicalUser and typicalAbsentState are the records BenchmarkValueCodec
// measures: what a UC directory holds for one person.
var (
	typicalUser = User{
		ID: "u-4711",
		Display: map[string]string{
			"displayName": "Erika Mustermann", "email": "erika.mustermann@example.com",
			"department": "Vertrieb",
		},
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
		Groups:       []string{"sales", "berlin"},
		Lines:        []string{"tel:+49301234567"},
	}
	typicalAbsentState = AbsentState{
		State: 3, To: time.Date(2025, 11, 25, 17, 0, 0, 0, time.UTC), HasReachability: true, Reachability: 3,
		SetAt: time.Date(2025, 11, 25, 9, 0, 0, 0, time.UTC),
	}
)

// BenchmarkValueCodec compares the binary encoding with JSON behind a
// version byte, encode + decode of one record; the result is quoted in
// codec.go.
func BenchmarkValueCodec(b *testing.B) {
	b.Run("user/binary", func(b *testing.B) {
		b.ReportAllocs()
		var size int
		for b.Loop() {
			encoded := appendUserValue(nil, typicalUser)
			size = len(encoded)
			if _, err := decodeUserValue(encoded, typicalUser.ID); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(size), "bytes/record")
	})
	b.Run("user/json", func(b *testing.B) {
		b.ReportAllocs()
		var size int
		for b.Loop() {
			encoded, _ := json.Marshal(typicalUser)
			encoded = append([]byte{valueVersion}, encoded...)
			size = len(encoded)
			var user User
			if err := json.Unmarshal(encoded[1:], &user); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(size), "bytes/record")
	})
	b.Run("absent/binary", func(b *testing.B) {
		b.ReportAllocs()
		var size int
		for b.Loop() {
			encoded := appendAbsentStateValue(nil, typicalAbsentState)
			size = len(encoded)
			if _, err := decodeAbsentStateValue(encoded); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(size), "bytes/record")
	})
	b.Run("absent/json", func(b *testing.B) {
		b.ReportAllocs()
		var size int
		for b.Loop() {
			encoded, _ := json.Marshal(typicalAbsentState)
			encoded = append([]byte{valueVersion}, encoded...)
			size = len(encoded)
			var state AbsentState
			if err := json.Unmarshal(encoded[1:], &state); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(size), "bytes/record")
	})
}
