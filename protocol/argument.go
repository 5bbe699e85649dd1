package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// DecodeArgument decodes an invoke's argument into a new value of the
// operation's argument type and returns the pointer (e.g.
// *AsnGetAndSubscribePresenceArgument). "_type" and unknown members are ignored.
//
// Every mandatory member (a member whose struct tag has no omitzero) must be
// present and not null, at every depth, with exact case: the UCServer's decoder
// throws on a missing mandatory member. NULL members ("dummy") are never
// required. A missing or null argument decodes as {} when the type has no
// mandatory member, and fails with ErrArgumentMissing otherwise.
//
// Errors wrap ErrMistypedArgument or ErrArgumentMissing; RejectFor maps them to
// reject invokeProblem 2.
func DecodeArgument(operation *Operation, raw json.RawMessage) (any, error) {
	argument := operation.NewArgument()
	if err := decodeChecked(raw, argument, operation.ArgumentType); err != nil {
		return nil, err
	}
	return argument, nil
}

// DecodeValue decodes raw into target (a pointer to a wire type) with the same
// rules as DecodeArgument. It serves the typed decoding of results and errors.
func DecodeValue(raw json.RawMessage, target any) error {
	return decodeChecked(raw, target, reflect.TypeOf(target).Elem().Name())
}

// decodeChecked unmarshals and then checks the mandatory members.
func decodeChecked(raw json.RawMessage, target any, typeName string) error {
	schema := schemaOf(reflect.TypeOf(target).Elem())
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || isJSONNull(trimmed) {
		if schema != nil && schema.hasRequired() {
			return fmt.Errorf("%w: %s", ErrArgumentMissing, typeName)
		}
		return nil
	}
	if err := json.Unmarshal(trimmed, target); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMistypedArgument, typeName, err)
	}
	if schema == nil {
		return nil
	}
	if err := schema.check(trimmed, typeName); err != nil {
		return fmt.Errorf("%w: %v", ErrMistypedArgument, err)
	}
	return nil
}

// typeSchema lists the members of a SEQUENCE type for the mandatory-member check.
type typeSchema struct {
	members []memberSchema
	// needsCheck is false when no member at any depth is mandatory, so the
	// check can skip decoding the object again.
	needsCheck bool
}

// memberSchema is one member of a SEQUENCE.
type memberSchema struct {
	name     string
	required bool
	// list marks a SEQUENCE OF: element applies to each array element.
	list bool
	// element is the schema of a nested SEQUENCE or CHOICE; nil for a leaf.
	element *typeSchema
}

// hasRequired reports whether any member is mandatory.
func (s *typeSchema) hasRequired() bool {
	for _, member := range s.members {
		if member.required {
			return true
		}
	}
	return false
}

// check verifies the mandatory members of the object raw, recursively. raw has
// already been decoded into the Go type, so its JSON shapes are right.
func (s *typeSchema) check(raw json.RawMessage, path string) error {
	if !s.needsCheck {
		return nil
	}
	var object map[string]json.RawMessage
	if err := json.Unmarshal(raw, &object); err != nil {
		return fmt.Errorf("%s: want an object: %v", path, err)
	}
	for _, member := range s.members {
		value, present := object[member.name]
		if !present || isJSONNull(value) {
			if member.required {
				return fmt.Errorf("%s: missing mandatory member %q", path, member.name)
			}
			continue
		}
		if member.element == nil {
			continue
		}
		memberPath := path + "." + member.name
		if !member.list {
			if err := member.element.check(value, memberPath); err != nil {
				return err
			}
			continue
		}
		var elements []json.RawMessage
		if err := json.Unmarshal(value, &elements); err != nil {
			return fmt.Errorf("%s: want an array: %v", memberPath, err)
		}
		for index, element := range elements {
			elementPath := fmt.Sprintf("%s[%d]", memberPath, index)
			if isJSONNull(element) {
				return fmt.Errorf("%s: null element", elementPath)
			}
			if err := member.element.check(element, elementPath); err != nil {
				return err
			}
		}
	}
	return nil
}

// schemaCache maps a reflect.Type to its *typeSchema (nil for leaf types).
var schemaCache sync.Map

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	choiceType      = reflect.TypeFor[choiceValue]()
	nullType        = reflect.TypeFor[Null]()
)

// schemaOf returns the schema of a struct type, or nil for a leaf type (a type
// with its own UnmarshalJSON that is not a CHOICE, or a non-struct).
func schemaOf(t reflect.Type) *typeSchema {
	if t == nil {
		return nil
	}
	if cached, ok := schemaCache.Load(t); ok {
		return cached.(*typeSchema)
	}
	schema := buildSchema(t, map[reflect.Type]*typeSchema{})
	markNeedsCheck(schema, map[*typeSchema]bool{})
	actual, _ := schemaCache.LoadOrStore(t, schema)
	return actual.(*typeSchema)
}

// buildSchema walks the struct fields; building guards against recursive types.
func buildSchema(t reflect.Type, building map[reflect.Type]*typeSchema) *typeSchema {
	if t.Kind() != reflect.Struct {
		return nil
	}
	pointer := reflect.PointerTo(t)
	if pointer.Implements(unmarshalerType) && !t.Implements(choiceType) {
		return nil
	}
	if schema, ok := building[t]; ok {
		return schema
	}
	schema := &typeSchema{}
	building[t] = schema
	for index := 0; index < t.NumField(); index++ {
		field := t.Field(index)
		tag, ok := field.Tag.Lookup("json")
		if !ok || !field.IsExported() || tag == "-" {
			continue
		}
		name, options, _ := strings.Cut(tag, ",")
		member := memberSchema{
			name:     name,
			required: !strings.Contains(options, "omitzero") && !strings.Contains(options, "omitempty") && field.Type != nullType,
		}
		elementType := field.Type
		if elementType.Kind() == reflect.Pointer {
			elementType = elementType.Elem()
		}
		if elementType.Kind() == reflect.Slice && !reflect.PointerTo(elementType).Implements(unmarshalerType) {
			member.list = true
			elementType = elementType.Elem()
			if elementType.Kind() == reflect.Pointer {
				elementType = elementType.Elem()
			}
		}
		member.element = buildSchema(elementType, building)
		schema.members = append(schema.members, member)
	}
	return schema
}

// markNeedsCheck sets needsCheck on every schema that has a mandatory member at
// some depth. visited guards against recursive types.
func markNeedsCheck(schema *typeSchema, visited map[*typeSchema]bool) bool {
	if schema == nil {
		return false
	}
	if visited[schema] {
		return schema.needsCheck
	}
	visited[schema] = true
	for _, member := range schema.members {
		nested := markNeedsCheck(member.element, visited)
		if member.required || nested {
			schema.needsCheck = true
		}
	}
	return schema.needsCheck
}
