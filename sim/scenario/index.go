package scenario

import (
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// keyIndex maps the keys written in a scenario file to their lines, so that
// decoding and validation errors can name the line and the key. It is built
// from the yaml.Node tree, with merge keys ("<<") and aliases resolved, and
// follows the Go types alongside so that an unknown key can list the keys
// that its mapping accepts.
type keyIndex struct {
	// lines maps a key path ("population.personas[1].share") to its line.
	lines map[string]int
	// entries lists, per line, the keys and sequence items written there.
	entries map[int][]indexEntry
	// visits bounds the walk: aliases can multiply a small file.
	visits int
}

// indexEntry is one key or sequence item on a line.
type indexEntry struct {
	path   string
	name   string       // the key as written; "" for a sequence item
	parent reflect.Type // the Go type of the enclosing mapping, nil if unknown
	value  string       // the scalar value, for matching type errors
}

// maxIndexVisits and maxIndexDepth bound the index walk; the decoder itself
// rejects excessive aliasing, the index only must not hang on it.
const (
	maxIndexVisits = 200_000
	maxIndexDepth  = 64
)

var scenarioType = reflect.TypeFor[Scenario]()

func newKeyIndex(root *yaml.Node) *keyIndex {
	index := &keyIndex{lines: make(map[string]int), entries: make(map[int][]indexEntry)}
	if root != nil {
		index.walk(root, "", scenarioType, 0)
	}
	return index
}

func (x *keyIndex) walk(node *yaml.Node, path string, typ reflect.Type, depth int) {
	x.visits++
	if node == nil || depth > maxIndexDepth || x.visits > maxIndexVisits {
		return
	}
	for typ != nil && typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch node.Kind {
	case yaml.DocumentNode:
		for _, child := range node.Content {
			x.walk(child, path, typ, depth+1)
		}
	case yaml.AliasNode:
		x.walk(node.Alias, path, typ, depth+1)
	case yaml.MappingNode:
		// Merged keys first, so that keys written in this mapping win.
		for i := 0; i+1 < len(node.Content); i += 2 {
			if isMergeKey(node.Content[i]) {
				x.walkMerge(node.Content[i+1], path, typ, depth+1)
			}
		}
		for i := 0; i+1 < len(node.Content); i += 2 {
			key, value := node.Content[i], node.Content[i+1]
			if isMergeKey(key) {
				continue
			}
			child := joinPath(path, key.Value)
			childType := fieldType(typ, key.Value)
			x.lines[child] = key.Line
			x.entries[key.Line] = append(x.entries[key.Line], indexEntry{path: child, name: key.Value, parent: typ, value: value.Value})
			x.walk(value, child, childType, depth+1)
		}
	case yaml.SequenceNode:
		var elem reflect.Type
		if typ != nil && (typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array) {
			elem = typ.Elem()
		}
		for i, item := range node.Content {
			child := path + "[" + strconv.Itoa(i) + "]"
			x.lines[child] = item.Line
			x.entries[item.Line] = append(x.entries[item.Line], indexEntry{path: child, value: item.Value})
			x.walk(item, child, elem, depth+1)
		}
	}
}

func (x *keyIndex) walkMerge(node *yaml.Node, path string, typ reflect.Type, depth int) {
	if node.Kind == yaml.SequenceNode {
		for _, item := range node.Content {
			x.walk(item, path, typ, depth+1)
		}
		return
	}
	x.walk(node, path, typ, depth)
}

func isMergeKey(node *yaml.Node) bool {
	return node.Kind == yaml.ScalarNode && node.Value == "<<" && (node.Tag == "" || node.Tag == "!" || node.Tag == "!!merge" || node.Tag == "tag:yaml.org,2002:merge")
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldType returns the Go type a key maps to inside typ: the struct field
// with that yaml tag, or the element type of a map.
func fieldType(typ reflect.Type, key string) reflect.Type {
	if typ == nil {
		return nil
	}
	switch typ.Kind() {
	case reflect.Struct:
		for i := 0; i < typ.NumField(); i++ {
			if yamlName(typ.Field(i)) == key {
				return typ.Field(i).Type
			}
		}
	case reflect.Map:
		return typ.Elem()
	}
	return nil
}

// yamlName returns a struct field's YAML key, or "" if it has none.
func yamlName(field reflect.StructField) string {
	if !field.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(field.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// has reports whether the key path was written in the file.
func (x *keyIndex) has(path string) bool {
	_, ok := x.lines[path]
	return ok
}

// line returns the line of the key path, or of its nearest written
// ancestor, or 1 for the document.
func (x *keyIndex) line(path string) int {
	for path != "" {
		if line, ok := x.lines[path]; ok {
			return line
		}
		path = parentPath(path)
	}
	return 1
}

// parentPath strips the last ".key" or "[i]" from a path.
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if open := strings.LastIndexByte(path, '['); open >= 0 {
			return path[:open]
		}
	}
	if dot := strings.LastIndexByte(path, '.'); dot >= 0 {
		return path[:dot]
	}
	return ""
}

// key returns the entry for a key name on a line.
func (x *keyIndex) key(line int, name string) (indexEntry, bool) {
	for _, entry := range x.entries[line] {
		if entry.name == name {
			return entry, true
		}
	}
	return indexEntry{}, false
}

// onLine returns the path of the key or item on a line whose value starts
// with the given text (the decoder truncates long values), or the last one.
func (x *keyIndex) onLine(line int, value string) string {
	entries := x.entries[line]
	if len(entries) == 0 {
		return ""
	}
	value = strings.TrimSuffix(value, "...")
	if value != "" {
		for _, entry := range entries {
			if strings.HasPrefix(entry.value, value) {
				return entry.path
			}
		}
	}
	// No value to match (a mapping or a list where a scalar belongs): the
	// last key on the line owns it, e.g. "calls: [1, 2]".
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].name != "" {
			return entries[i].path
		}
	}
	return entries[len(entries)-1].path
}

// knownKeys lists the YAML keys of a struct type.
func knownKeys(typ reflect.Type) []string {
	for typ != nil && typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ == nil || typ.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := 0; i < typ.NumField(); i++ {
		if name := yamlName(typ.Field(i)); name != "" {
			keys = append(keys, name)
		}
	}
	return keys
}

// closest returns the known key nearest to name by edit distance, if it is
// close enough to be a likely typo.
func closest(name string, known []string) string {
	best, bestDistance := "", 3
	for _, candidate := range known {
		if distance := editDistance(name, candidate); distance < bestDistance {
			best, bestDistance = candidate, distance
		}
	}
	return best
}

func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	current := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}
	for i := 1; i <= len(a); i++ {
		current[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			current[j] = min(previous[j]+1, current[j-1]+1, previous[j-1]+cost)
		}
		previous, current = current, previous
	}
	return previous[len(b)]
}
