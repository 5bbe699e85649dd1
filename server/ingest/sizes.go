package ingest

import (
	"fmt"
	"reflect"
)

// Default string limits of an event, the same as the client protocol's
// (server.Config.MaxStringBytes, MaxNoteBytes): a note set by a source is
// sent to every watcher, so a 15 MiB note would be 15 MiB per watcher.
const (
	DefaultMaxStringBytes = 4 << 10
	DefaultMaxNoteBytes   = 8 << 10
)

func (l Limits) sizeDefaults() Limits {
	if l.MaxStringBytes <= 0 {
		l.MaxStringBytes = DefaultMaxStringBytes
	}
	if l.MaxNoteBytes <= 0 {
		l.MaxNoteBytes = DefaultMaxNoteBytes
	}
	return l
}

// checkSizes refuses an event with a string longer than MaxStringBytes
// (the note: MaxNoteBytes). A line no longer than MaxStringBytes cannot
// hold such a string, so the common small event costs one comparison; a
// longer one (a calendar, a contact entry, images) is walked.
func (l *Limits) checkSizes(line []byte, ev *Event) error {
	if len(line) <= l.MaxStringBytes {
		return nil
	}
	if len(ev.Note) > l.MaxNoteBytes {
		return fmt.Errorf("%w: note of %d bytes, at most %d", ErrInvalidEvent, len(ev.Note), l.MaxNoteBytes)
	}
	v := reflect.ValueOf(ev).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Name == "Note" {
			continue
		}
		if n := longestString(v.Field(i), 0); n > l.MaxStringBytes {
			path := overLimit(v.Field(i), t.Field(i).Name, l.MaxStringBytes, 0)
			return fmt.Errorf("%w: %s of %d bytes, at most %d", ErrInvalidEvent, path, n, l.MaxStringBytes)
		}
	}
	return nil
}

// longestString returns the length of the longest string in v (byte
// slices, the images, excluded: MaxLineBytes bounds them). It builds no
// names: a walk of a 4 KB contact line costs a fraction of its decode.
func longestString(v reflect.Value, depth int) int {
	if depth > 16 {
		return 0
	}
	longest := 0
	switch v.Kind() {
	case reflect.String:
		return v.Len()
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return longestString(v.Elem(), depth+1)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				longest = max(longest, longestString(v.Field(i), depth+1))
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return 0
		}
		for i := 0; i < v.Len(); i++ {
			longest = max(longest, longestString(v.Index(i), depth+1))
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			longest = max(longest, longestString(it.Key(), depth+1), longestString(it.Value(), depth+1))
		}
	}
	return longest
}

// overLimit names (Go path) the first string in v longer than limit, for
// the error message; "" when there is none.
func overLimit(v reflect.Value, path string, limit, depth int) string {
	if depth > 16 || longestString(v, depth) <= limit {
		return ""
	}
	switch v.Kind() {
	case reflect.String:
		return path
	case reflect.Pointer, reflect.Interface:
		return overLimit(v.Elem(), path, limit, depth+1)
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				if p := overLimit(v.Field(i), path+"."+t.Field(i).Name, limit, depth+1); p != "" {
					return p
				}
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if p := overLimit(v.Index(i), fmt.Sprintf("%s[%d]", path, i), limit, depth+1); p != "" {
				return p
			}
		}
	}
	return path
}
