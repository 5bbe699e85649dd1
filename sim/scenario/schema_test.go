package scenario

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const schemaPath = "../../scenarios/scenario.schema.json"

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("%s is not valid JSON: %v", schemaPath, err)
	}
	return schema
}

// resolve follows a "$ref" into "$defs".
func resolve(root, node map[string]any) map[string]any {
	for {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		name := strings.TrimPrefix(ref, "#/$defs/")
		node = root["$defs"].(map[string]any)[name].(map[string]any)
	}
}

// TestSchemaMatchesStructs walks the Go types that the decoder fills and
// the schema side by side: every YAML key the decoder accepts must be in
// the schema, every schema property must be a key the decoder accepts, and
// every object must forbid other keys as the decoder does.
func TestSchemaMatchesStructs(t *testing.T) {
	root := loadSchema(t)
	var problems []string
	var walk func(typ reflect.Type, node map[string]any, path string)
	walk = func(typ reflect.Type, node map[string]any, path string) {
		node = resolve(root, node)
		if alternatives, ok := node["oneOf"].([]any); ok {
			// A nullable value: the non-null alternative describes it.
			for _, alternative := range alternatives {
				if alternative := alternative.(map[string]any); alternative["type"] != "null" {
					node = resolve(root, alternative)
				}
			}
		}
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if reflect.PointerTo(typ).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
			if node["properties"] != nil {
				problems = append(problems, path+": a scalar in Go but an object in the schema")
			}
			return
		}
		switch typ.Kind() {
		case reflect.Struct:
			properties, _ := node["properties"].(map[string]any)
			if properties == nil {
				problems = append(problems, path+": a mapping in Go but no properties in the schema")
				return
			}
			if node["additionalProperties"] != false {
				problems = append(problems, path+": the schema must say additionalProperties: false, the decoder rejects unknown keys")
			}
			keys := knownKeys(typ)
			for _, key := range keys {
				property, ok := properties[key].(map[string]any)
				if !ok {
					problems = append(problems, fmt.Sprintf("%s: key %q accepted by the decoder is missing from the schema", path, key))
					continue
				}
				walk(fieldType(typ, key), property, joinPath(path, key))
			}
			for property := range properties {
				if !slices.Contains(keys, property) {
					problems = append(problems, fmt.Sprintf("%s: schema property %q is not a key of the Go struct", path, property))
				}
			}
		case reflect.Slice:
			items, ok := node["items"].(map[string]any)
			if node["type"] != "array" || !ok {
				problems = append(problems, path+": a list in Go but not an array with items in the schema")
				return
			}
			walk(typ.Elem(), items, path+"[]")
		case reflect.Map:
			values, ok := node["additionalProperties"].(map[string]any)
			if node["type"] != "object" || !ok {
				problems = append(problems, path+": a map in Go but not an object with additionalProperties in the schema")
				return
			}
			walk(typ.Elem(), values, path+".*")
		default:
			if node["properties"] != nil || node["items"] != nil {
				problems = append(problems, fmt.Sprintf("%s: a %s in Go but a container in the schema", path, typ.Kind()))
			}
		}
	}
	walk(scenarioType, root, "")
	sort.Strings(problems)
	for _, problem := range problems {
		t.Error(problem)
	}
}

// TestShippedScenariosMatchSchema checks the schema against real files:
// what the decoder accepts, the schema must accept too.
func TestShippedScenariosMatchSchema(t *testing.T) {
	root := loadSchema(t)
	files, err := filepath.Glob("../../scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped scenarios: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var document any
		if err := yaml.Unmarshal(data, &document); err != nil {
			t.Fatal(err)
		}
		for _, problem := range validateSchema(root, root, document, "") {
			t.Errorf("%s: %s", filepath.Base(file), problem)
		}
	}
}

func TestSchemaValidatorCanFail(t *testing.T) {
	root := loadSchema(t)
	var document any
	if err := yaml.Unmarshal([]byte("name: x\npopulation: {users: 0, personas: [{name: Bad, share: 2}]}\nday: {start: \"8:00\"}\nextra: 1\n"), &document); err != nil {
		t.Fatal(err)
	}
	problems := strings.Join(validateSchema(root, root, document, ""), "\n")
	for _, want := range []string{"population.users", "personas[0].name", "personas[0].share", "day.start", `"extra"`} {
		if !strings.Contains(problems, want) {
			t.Errorf("the schema validator missed %s; it said:\n%s", want, problems)
		}
	}
}

// validateSchema is a small JSON Schema validator for the keywords our
// schema uses: $ref, type, properties, additionalProperties, required,
// items, minItems, enum, pattern, propertyNames, minimum, maximum,
// exclusiveMinimum, minLength and oneOf.
func validateSchema(root, node map[string]any, value any, path string) []string {
	node = resolve(root, node)
	var problems []string
	fail := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	if alternatives, ok := node["oneOf"].([]any); ok {
		matches := 0
		for _, alternative := range alternatives {
			if len(validateSchema(root, alternative.(map[string]any), value, path)) == 0 {
				matches++
			}
		}
		if matches != 1 {
			fail("matches %d of the oneOf alternatives, want 1", matches)
		}
		return problems
	}
	if kind, ok := node["type"].(string); ok && !schemaTypeMatches(kind, value) {
		fail("want %s, got %T", kind, value)
		return problems
	}
	if enum, ok := node["enum"].([]any); ok && !slices.Contains(enum, value) {
		fail("%v is not one of %v", value, enum)
	}
	if text, ok := value.(string); ok {
		if pattern, ok := node["pattern"].(string); ok && !regexp.MustCompile(pattern).MatchString(text) {
			fail("%q does not match %s", text, pattern)
		}
		if minimum, ok := node["minLength"].(float64); ok && float64(len(text)) < minimum {
			fail("shorter than %v", minimum)
		}
	}
	if number, ok := schemaNumber(value); ok {
		if minimum, ok := node["minimum"].(float64); ok && number < minimum {
			fail("%v is below the minimum %v", number, minimum)
		}
		if maximum, ok := node["maximum"].(float64); ok && number > maximum {
			fail("%v is above the maximum %v", number, maximum)
		}
		if minimum, ok := node["exclusiveMinimum"].(float64); ok && number <= minimum {
			fail("%v is not above %v", number, minimum)
		}
	}
	if list, ok := value.([]any); ok {
		if minimum, ok := node["minItems"].(float64); ok && float64(len(list)) < minimum {
			fail("fewer than %v items", minimum)
		}
		if items, ok := node["items"].(map[string]any); ok {
			for i, item := range list {
				problems = append(problems, validateSchema(root, items, item, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	if mapping, ok := schemaMapping(value); ok {
		properties, _ := node["properties"].(map[string]any)
		for _, required := range asStrings(node["required"]) {
			if _, ok := mapping[required]; !ok {
				fail("required key %q is missing", required)
			}
		}
		names, _ := node["propertyNames"].(map[string]any)
		for key, item := range mapping {
			if names != nil {
				problems = append(problems, validateSchema(root, names, key, joinPath(path, key))...)
			}
			if property, ok := properties[key].(map[string]any); ok {
				problems = append(problems, validateSchema(root, property, item, joinPath(path, key))...)
				continue
			}
			switch additional := node["additionalProperties"].(type) {
			case bool:
				if !additional {
					fail("key %q is not allowed", key)
				}
			case map[string]any:
				problems = append(problems, validateSchema(root, additional, item, joinPath(path, key))...)
			}
		}
	}
	return problems
}

func schemaTypeMatches(kind string, value any) bool {
	switch kind {
	case "object":
		_, ok := schemaMapping(value)
		return ok
	case "array":
		_, ok := value.([]any)
		return ok
	case "string":
		_, ok := value.(string)
		return ok
	case "boolean":
		_, ok := value.(bool)
		return ok
	case "null":
		return value == nil
	case "number":
		_, ok := schemaNumber(value)
		return ok
	case "integer":
		number, ok := schemaNumber(value)
		return ok && number == math.Trunc(number)
	}
	return false
}

func schemaNumber(value any) (float64, bool) {
	switch number := value.(type) {
	case int:
		return float64(number), true
	case uint64:
		return float64(number), true
	case float64:
		return number, true
	}
	return 0, false
}

func schemaMapping(value any) (map[string]any, bool) {
	switch mapping := value.(type) {
	case map[string]any:
		return mapping, true
	case map[any]any:
		converted := make(map[string]any, len(mapping))
		for key, item := range mapping {
			converted[fmt.Sprint(key)] = item
		}
		return converted, true
	}
	return nil, false
}

func asStrings(value any) []string {
	list, _ := value.([]any)
	var strings []string
	for _, item := range list {
		strings = append(strings, item.(string))
	}
	return strings
}
