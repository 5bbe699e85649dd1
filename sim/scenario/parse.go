package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds a scenario file; real files are a few kilobytes.
const MaxFileSize = 1 << 20

// Load reads, decodes and validates the scenario file at path. Errors name
// the path, the line and the key; several problems are returned together
// as an ErrorList.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a scenario. The name is used in error
// messages only (normally the file path). Unknown keys, duplicate keys and
// values of the wrong type are errors; absent keys take the defaults given
// in docs/SCENARIOS.md.
func Parse(name string, data []byte) (*Scenario, error) {
	c := &collector{file: name, index: newKeyIndex(nil)}
	if len(data) > MaxFileSize {
		c.add(0, "", fmt.Sprintf("file is %d bytes, more than the limit of %d", len(data), MaxFileSize))
		return nil, c.result()
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		c.syntax(err)
		return nil, c.result()
	}
	c.index = newKeyIndex(&root)
	if len(root.Content) == 0 {
		c.add(1, "", "empty scenario: want a mapping with at least name and population")
		return nil, c.result()
	}
	if top := root.Content[0]; top.Kind != yaml.MappingNode {
		c.add(top.Line, "", fmt.Sprintf("the top level must be a mapping of keys, got a %s", kindName(top.Kind)))
		return nil, c.result()
	}

	scenario := &Scenario{file: name}
	decoder := yaml.NewDecoder(bytes.NewReader(data))
	decoder.KnownFields(true)
	if err := decoder.Decode(scenario); err != nil {
		c.decoding(err)
		return nil, c.result()
	}
	var extra yaml.Node
	if err := decoder.Decode(&extra); err != io.EOF {
		line := 0
		if err == nil {
			line = extra.Line
		}
		c.add(line, "", "only one YAML document is allowed per scenario file")
		return nil, c.result()
	}

	applyDefaults(scenario, c.index)
	validate(scenario, c)
	if err := c.result(); err != nil {
		return nil, err
	}
	return scenario, nil
}

var (
	syntaxLine      = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	typeErrorLine   = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownField    = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)
	alreadySet      = regexp.MustCompile(`^field (\S+) already set in type (\S+)$`)
	alreadyDefined  = regexp.MustCompile(`^mapping key "(.*)" already defined at line (\d+)$`)
	quoted          = regexp.MustCompile(`"([^"]*)"`)
	cannotUnmarshal = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
)

// syntax records a parser error ("yaml: line 3: mapping values are not
// allowed in this context").
func (c *collector) syntax(err error) {
	text := err.Error()
	if match := syntaxLine.FindStringSubmatch(text); match != nil {
		line, _ := strconv.Atoi(match[1])
		c.add(line, "", "syntax error: "+match[2])
		return
	}
	c.add(0, "", "syntax error: "+strings.TrimPrefix(text, "yaml: "))
}

// decoding records the errors of the strict decode, rewritten to name the
// key: the decoder's own messages name Go types and no keys.
func (c *collector) decoding(err error) {
	var typeError *yaml.TypeError
	if !errors.As(err, &typeError) {
		c.syntax(err)
		return
	}
	for _, text := range typeError.Errors {
		match := typeErrorLine.FindStringSubmatch(text)
		if match == nil {
			c.add(0, "", text)
			continue
		}
		line, _ := strconv.Atoi(match[1])
		c.typeError(line, match[2])
	}
}

func (c *collector) typeError(line int, text string) {
	if match := unknownField.FindStringSubmatch(text); match != nil {
		c.unknownKey(line, match[1])
		return
	}
	if match := alreadySet.FindStringSubmatch(text); match != nil {
		entry, _ := c.index.key(line, match[1])
		c.add(line, entry.path, fmt.Sprintf("duplicate key %q", match[1]))
		return
	}
	if match := alreadyDefined.FindStringSubmatch(text); match != nil {
		entry, _ := c.index.key(line, match[1])
		c.add(line, entry.path, fmt.Sprintf("duplicate key %q (first at line %s)", match[1], match[2]))
		return
	}
	if match := cannotUnmarshal.FindStringSubmatch(text); match != nil {
		path := c.index.onLine(line, match[2])
		got := yamlTagName(match[1])
		if match[2] != "" {
			got += " " + strconv.Quote(match[2])
		}
		c.add(line, path, prefixKey(path, fmt.Sprintf("want %s, got %s", goTypeName(match[3]), got)))
		return
	}
	// Our own scalar types quote the offending value first.
	value := ""
	if match := quoted.FindStringSubmatch(text); match != nil {
		value = match[1]
	}
	path := c.index.onLine(line, value)
	c.add(line, path, prefixKey(path, text))
}

func (c *collector) unknownKey(line int, name string) {
	entry, found := c.index.key(line, name)
	message := fmt.Sprintf("unknown key %q", name)
	if found {
		if parent := parentPath(entry.path); parent != "" {
			message += " in " + parent
		}
		if suggestion := closest(name, knownKeys(entry.parent)); suggestion != "" {
			message += fmt.Sprintf(" (did you mean %q?)", suggestion)
		}
	}
	c.add(line, entry.path, message)
}

func prefixKey(path, message string) string {
	if path == "" {
		return message
	}
	return path + ": " + message
}

func yamlTagName(tag string) string {
	switch tag {
	case "str":
		return "the string"
	case "int":
		return "the integer"
	case "float":
		return "the number"
	case "bool":
		return "the boolean"
	case "map":
		return "a mapping"
	case "seq":
		return "a list"
	case "null":
		return "null"
	}
	return "a !!" + tag
}

func goTypeName(name string) string {
	switch {
	case strings.HasPrefix(name, "[]"):
		return "a list"
	case strings.HasPrefix(name, "map["):
		return "a mapping"
	case strings.HasPrefix(name, "int"), strings.HasPrefix(name, "uint"):
		return "an integer"
	case strings.HasPrefix(name, "float"):
		return "a number"
	case name == "bool":
		return "true or false"
	case name == "string":
		return "a string"
	case name == "scenario.Thresholds":
		return "a list of SLO expressions"
	case name == "scenario.Curve":
		return "a list of points"
	case strings.HasPrefix(name, "scenario.") || strings.HasPrefix(name, "*scenario."):
		return "a mapping"
	}
	return name
}
