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
		if n, path := longestString(v.Field(i), t.Field(i).Name, 0); n > l.MaxStringBytes {
			return fmt.Errorf("%w: %s of %d bytes, at most %d", ErrInvalidEvent, path, n, l.MaxStringBytes)
		}
	}
	return nil
}

// longestString returns the length and the Go path of the longest string
// in v (byte slices, the images, excluded: MaxLineBytes bounds them).
func longestString(v reflect.Value, path string, depth int) (int, string) {
	if depth > 16 {
		return 0, path
	}
	longest, at := 0, path
	keep := func(n int, p string) {
		if n > longest {
			longest, at = n, p
		}
	}
	switch v.Kind() {
	case reflect.String:
		return v.Len(), path
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return longestString(v.Elem(), path, depth+1)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				keep(longestString(v.Field(i), path+"."+t.Field(i).Name, depth+1))
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return 0, path
		}
		for i := 0; i < v.Len(); i++ {
			keep(longestString(v.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1))
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			keep(longestString(it.Key(), path+"{key}", depth+1))
			keep(longestString(it.Value(), path+"{value}", depth+1))
		}
	}
	return longest, at
}
