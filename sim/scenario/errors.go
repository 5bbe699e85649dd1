package scenario

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrInvalid is the sentinel that every decoding and validation error of
// this package wraps: errors.Is(err, scenario.ErrInvalid).
var ErrInvalid = errors.New("scenario: invalid scenario")

// Error is one problem in a scenario file, located by file, line and key.
type Error struct {
	// File is the name given to Parse or the path given to Load.
	File string
	// Line is the 1-based line, or 0 when unknown (e.g. an empty file).
	Line int
	// Key is the dotted path of the key, e.g. "population.personas[1].share",
	// or empty for syntax errors.
	Key string
	// Message says what is wrong; it names the key itself, e.g.
	// `population.users: must be at least 1` or `unknown key "persona"`.
	Message string
}

// Error formats "file:line: message" (the line is left out when unknown).
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Message)
}

// Is makes every *Error match ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// ErrorList is every problem found in one file, ordered by line.
type ErrorList []*Error

// Error joins the messages, one per line.
func (list ErrorList) Error() string {
	lines := make([]string, len(list))
	for i, e := range list {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the errors for errors.Is and errors.As.
func (list ErrorList) Unwrap() []error {
	unwrapped := make([]error, len(list))
	for i, e := range list {
		unwrapped[i] = e
	}
	return unwrapped
}

// maxErrors bounds the list: after this many, the file is too broken for
// more messages to help.
const maxErrors = 50

// collector gathers errors of one file.
type collector struct {
	file   string
	index  *keyIndex
	errors ErrorList
}

// add records an error at an explicit line; the message is complete.
func (c *collector) add(line int, key, message string) {
	if len(c.errors) >= maxErrors {
		return
	}
	c.errors = append(c.errors, &Error{File: c.file, Line: line, Key: key, Message: message})
}

// at records an error for a key path, prefixing the message with the path;
// the line is the key's line, or that of its nearest written ancestor when
// the key itself is absent.
func (c *collector) at(key, format string, args ...any) {
	message := fmt.Sprintf(format, args...)
	if key != "" {
		message = key + ": " + message
	}
	c.add(c.index.line(key), key, message)
}

// result returns nil or the sorted list.
func (c *collector) result() error {
	if len(c.errors) == 0 {
		return nil
	}
	sort.SliceStable(c.errors, func(i, j int) bool { return c.errors[i].Line < c.errors[j].Line })
	return c.errors
}
