package store

// Value encoding. Every value starts with a one-byte value version
// (valueVersion) followed by the fields in a fixed order: unsigned numbers
// as uvarint, signed numbers as zigzag varint, strings and byte slices as
// uvarint length + bytes, times as a presence byte (0 = zero time) + varint
// Unix nanoseconds, booleans as one byte. Keys carry the ids, values never
// repeat them.
//
// Why binary and not JSON with a version byte: BenchmarkValueCodec
// (codec_test.go) on the 2-core build machine, encode + decode of one
// record: a typical user 1.25 us and 179 bytes in binary against 5.3 us and
// 280 bytes in JSON; an absent state 0.14 us and 26 bytes against 2.6 us
// and 163 bytes (6x smaller, 18x faster). The writer goroutine does not
// encode (constructors do, on the caller's goroutine), but smaller values
// mean fewer dirty pages per commit and a faster Load and Open check.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// valueVersion is the first byte of every value written by this package.
// A decoder meeting another version fails (Open reports ErrCorrupt); a future format
// bumps schemaVersion and migrates (see schema.go).
const valueVersion byte = 1

// errTruncated is the decoder's sticky error for a value that ends early.
var errTruncated = errors.New("value truncated")

func appendString(dst []byte, value string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(value)))
	return append(dst, value...)
}

func appendBytes(dst []byte, value []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(value)))
	return append(dst, value...)
}

func appendInt(dst []byte, value int) []byte {
	return binary.AppendVarint(dst, int64(value))
}

func appendBool(dst []byte, value bool) []byte {
	if value {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// appendTime keeps nanoseconds since the Unix epoch, which covers the years
// 1678 to 2262; the location is not kept (decoded times are UTC).
func appendTime(dst []byte, value time.Time) []byte {
	if value.IsZero() {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	return binary.AppendVarint(dst, value.UnixNano())
}

// decoder reads the fields appendX wrote. The first failure sticks in err
// and every later read returns a zero value, so a decode function checks
// err once at the end.
type decoder struct {
	buffer []byte
	err    error
	// borrow makes readBytes return slices of buffer instead of copies;
	// only for values that are checked and dropped inside the transaction.
	borrow bool
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.buffer = nil
}

func (d *decoder) readByte() byte {
	if len(d.buffer) == 0 {
		d.fail(errTruncated)
		return 0
	}
	value := d.buffer[0]
	d.buffer = d.buffer[1:]
	return value
}

func (d *decoder) readUvarint() uint64 {
	value, size := binary.Uvarint(d.buffer)
	if size <= 0 {
		d.fail(errTruncated)
		return 0
	}
	d.buffer = d.buffer[size:]
	return value
}

func (d *decoder) readUint32() uint32 {
	value := d.readUvarint()
	if value > math.MaxUint32 {
		d.fail(fmt.Errorf("number %d exceeds 32 bits", value))
		return 0
	}
	return uint32(value)
}

func (d *decoder) readInt() int {
	value, size := binary.Varint(d.buffer)
	if size <= 0 {
		d.fail(errTruncated)
		return 0
	}
	d.buffer = d.buffer[size:]
	return int(value)
}

func (d *decoder) readBool() bool {
	switch d.readByte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail(errors.New("invalid boolean"))
	return false
}

// readLength reads a length or count and checks it against the bytes left,
// so a corrupt count cannot make the decoder allocate gigabytes.
// minimumElementSize is the smallest encoding of one element.
func (d *decoder) readLength(minimumElementSize int) int {
	length := d.readUvarint()
	if length > uint64(len(d.buffer)/minimumElementSize) {
		d.fail(errTruncated)
		return 0
	}
	return int(length)
}

func (d *decoder) readString() string {
	length := d.readLength(1)
	value := string(d.buffer[:length])
	d.buffer = d.buffer[length:]
	return value
}

// readBytes copies (unless borrow), because bbolt's value memory is only
// valid inside the read transaction. An empty slice decodes as nil.
func (d *decoder) readBytes() []byte {
	length := d.readLength(1)
	if length == 0 {
		return nil
	}
	value := d.buffer[:length:length]
	if !d.borrow {
		value = slices.Clone(value)
	}
	d.buffer = d.buffer[length:]
	return value
}

func (d *decoder) readTime() time.Time {
	if !d.readBool() {
		return time.Time{}
	}
	return time.Unix(0, int64(d.readInt())).UTC()
}

// readVersion checks the leading value version byte.
func (d *decoder) readVersion() {
	if version := d.readByte(); d.err == nil && version != valueVersion {
		d.fail(fmt.Errorf("unknown value version %d", version))
	}
}

// finish reports the sticky error or trailing bytes.
func (d *decoder) finish(kind string) error {
	if d.err == nil && len(d.buffer) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.buffer))
	}
	if d.err != nil {
		return fmt.Errorf("%s value: %w", kind, d.err)
	}
	return nil
}

// appendRightsValue encodes the numbers of a RightsEntry (the remote id is
// in the key).
func appendRightsValue(dst []byte, entry RightsEntry) []byte {
	dst = append(dst, valueVersion)
	dst = binary.AppendUvarint(dst, uint64(entry.PresenceRights))
	dst = binary.AppendUvarint(dst, uint64(entry.PhonePrimary))
	return binary.AppendUvarint(dst, uint64(entry.PhoneSecondary))
}

func decodeRightsValue(value []byte, remoteID string) (RightsEntry, error) {
	d := decoder{buffer: value}
	d.readVersion()
	entry := RightsEntry{
		RemoteID:       remoteID,
		PresenceRights: d.readUint32(),
		PhonePrimary:   d.readUint32(),
		PhoneSecondary: d.readUint32(),
	}
	return entry, d.finish("rights")
}

func appendAbsentStateValue(dst []byte, state AbsentState) []byte {
	dst = append(dst, valueVersion)
	dst = appendInt(dst, state.State)
	dst = appendTime(dst, state.From)
	dst = appendTime(dst, state.To)
	dst = appendBool(dst, state.HasReachability)
	if state.HasReachability {
		dst = appendInt(dst, state.Reachability)
	}
	dst = binary.AppendUvarint(dst, uint64(len(state.ExternalStates)))
	for _, external := range state.ExternalStates {
		dst = appendString(dst, external.UserName)
		dst = appendInt(dst, external.State)
		dst = appendInt(dst, external.Type)
	}
	return appendTime(dst, state.SetAt)
}

func decodeAbsentStateValue(value []byte) (AbsentState, error) {
	d := decoder{buffer: value}
	d.readVersion()
	var state AbsentState
	state.State = d.readInt()
	state.From = d.readTime()
	state.To = d.readTime()
	state.HasReachability = d.readBool()
	if state.HasReachability {
		state.Reachability = d.readInt()
	}
	// One external state takes at least 3 bytes (three empty varints).
	if count := d.readLength(3); count > 0 {
		state.ExternalStates = make([]ExternalPresenceState, count)
		for index := range state.ExternalStates {
			state.ExternalStates[index] = ExternalPresenceState{
				UserName: d.readString(),
				State:    d.readInt(),
				Type:     d.readInt(),
			}
		}
	}
	state.SetAt = d.readTime()
	return state, d.finish("absent state")
}

func appendNoteValue(dst []byte, note Note) []byte {
	dst = append(dst, valueVersion)
	dst = appendString(dst, note.Text)
	return appendTime(dst, note.SetAt)
}

func decodeNoteValue(value []byte) (Note, error) {
	d := decoder{buffer: value}
	d.readVersion()
	note := Note{Text: d.readString(), SetAt: d.readTime()}
	return note, d.finish("note")
}

func appendChallengeValue(dst []byte, at time.Time) []byte {
	dst = append(dst, valueVersion)
	return appendTime(dst, at)
}

func decodeChallengeValue(value []byte, owner, challenger string) (Challenge, error) {
	d := decoder{buffer: value}
	d.readVersion()
	challenge := Challenge{Owner: owner, Challenger: challenger, At: d.readTime()}
	return challenge, d.finish("challenge")
}

func appendImageValue(dst []byte, image Image) []byte {
	dst = append(dst, valueVersion)
	dst = appendString(dst, image.Hash)
	dst = appendBytes(dst, image.Small)
	return appendBytes(dst, image.Large)
}

// decodeImageValue decodes an image; with borrow the byte slices alias
// value (see decoder.borrow).
func decodeImageValue(value []byte, borrow bool) (Image, error) {
	d := decoder{buffer: value, borrow: borrow}
	d.readVersion()
	image := Image{Hash: d.readString(), Small: d.readBytes(), Large: d.readBytes()}
	return image, d.finish("image")
}

// appendUserValue writes the display fields sorted by name so that equal
// users encode to equal bytes.
func appendUserValue(dst []byte, user User) []byte {
	dst = append(dst, valueVersion)
	dst = appendString(dst, user.PasswordHash)
	dst = appendBool(dst, user.Administrator)
	names := make([]string, 0, len(user.Display))
	for name := range user.Display {
		names = append(names, name)
	}
	slices.Sort(names)
	dst = binary.AppendUvarint(dst, uint64(len(names)))
	for _, name := range names {
		dst = appendString(dst, name)
		dst = appendString(dst, user.Display[name])
	}
	dst = appendStrings(dst, user.Groups)
	return appendStrings(dst, user.Lines)
}

func appendStrings(dst []byte, values []string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(values)))
	for _, value := range values {
		dst = appendString(dst, value)
	}
	return dst
}

func (d *decoder) readStrings() []string {
	count := d.readLength(1)
	if count == 0 {
		return nil
	}
	values := make([]string, count)
	for index := range values {
		values[index] = d.readString()
	}
	return values
}

func decodeUserValue(value []byte, id string) (User, error) {
	d := decoder{buffer: value}
	d.readVersion()
	user := User{ID: id}
	user.PasswordHash = d.readString()
	user.Administrator = d.readBool()
	// One display field takes at least 2 bytes (two empty strings).
	if count := d.readLength(2); count > 0 {
		user.Display = make(map[string]string, count)
		for range count {
			name := d.readString()
			user.Display[name] = d.readString()
		}
	}
	user.Groups = d.readStrings()
	user.Lines = d.readStrings()
	return user, d.finish("user")
}

// compositeKey builds owner + second part as uvarint(len(owner)) + owner +
// second. The length prefix makes the split unambiguous for any bytes in
// the ids and keeps one owner's keys contiguous in bbolt's sort order.
func compositeKey(owner, second string) []byte {
	key := make([]byte, 0, binary.MaxVarintLen16+len(owner)+len(second))
	key = appendString(key, owner)
	return append(key, second...)
}

// splitCompositeKey is the inverse of compositeKey.
func splitCompositeKey(key []byte) (owner, second string, err error) {
	d := decoder{buffer: key}
	owner = d.readString()
	if d.err != nil {
		return "", "", fmt.Errorf("composite key %q: %w", key, d.err)
	}
	return owner, string(d.buffer), nil
}
