package directory

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ucpresence/presence/engine"
)

// This file is the YAML layout of a directory file (docs/AUTH.md). The
// structs are decoded strictly (unknown keys are errors); the custom
// scalar and list types remember their line for validation messages.

// fileDirectory is the top level of a directory file.
type fileDirectory struct {
	Users  []fileUser `yaml:"users"`
	Rights fileRights `yaml:"rights"`
}

// fileUser is one entry of "users".
type fileUser struct {
	ID            located       `yaml:"id"`
	Login         located       `yaml:"login"`
	PasswordHash  located       `yaml:"password_hash"`
	Enabled       *bool         `yaml:"enabled"`
	Administrator bool          `yaml:"administrator"`
	Groups        []located     `yaml:"groups"`
	DisplayName   string        `yaml:"display_name"`
	FirstName     string        `yaml:"first_name"`
	LastName      string        `yaml:"last_name"`
	EMail         string        `yaml:"email"`
	JobTitle      string        `yaml:"job_title"`
	Company       string        `yaml:"company"`
	Department    string        `yaml:"department"`
	OfficeRoom    string        `yaml:"office_room"`
	Phones        filePhones    `yaml:"phones"`
	Addresses     fileAddresses `yaml:"addresses"`
	Lines         []fileLine    `yaml:"lines"`
}

// filePhones are the phone numbers of a user.
type filePhones struct {
	Business string `yaml:"business"`
	Mobile   string `yaml:"mobile"`
	Home     string `yaml:"home"`
}

// fileAddresses are the postal addresses of a user.
type fileAddresses struct {
	Business fileAddress `yaml:"business"`
	Private  fileAddress `yaml:"private"`
	Other    fileAddress `yaml:"other"`
}

// fileAddress is one postal address.
type fileAddress struct {
	Street     string `yaml:"street"`
	PostalCode string `yaml:"postal_code"`
	City       string `yaml:"city"`
	State      string `yaml:"state"`
	Country    string `yaml:"country"`
}

func (a fileAddress) address() engine.Address {
	return engine.Address{Street: a.Street, PostalCode: a.PostalCode, City: a.City, State: a.State, Country: a.Country}
}

// fileLine is one phone line of a user.
type fileLine struct {
	URI     located `yaml:"uri"`
	Number  string  `yaml:"number"`
	Primary bool    `yaml:"primary"`
}

// fileRights are the initial rights lists.
type fileRights struct {
	Global   grantList  `yaml:"global"`
	Groups   namedLists `yaml:"groups"`
	Personal namedLists `yaml:"personal"`
}

// located is a string scalar and its line (0 when the key is absent or
// null).
type located struct {
	Value string
	Line  int
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (l *located) UnmarshalYAML(node *yaml.Node) error {
	node = resolve(node)
	if node.Kind != yaml.ScalarNode {
		return lineError(node.Line, "want a string, got %s", kindName(node))
	}
	l.Value, l.Line = node.Value, node.Line
	return nil
}

// fileGrant is one "remote: level" entry.
type fileGrant struct {
	Remote string
	Level  engine.Level
	Line   int
}

// grantList is a mapping "remote: level", in file order.
type grantList []fileGrant

// UnmarshalYAML implements yaml.Unmarshaler.
func (g *grantList) UnmarshalYAML(node *yaml.Node) error {
	var problems []string
	*g = decodeGrants(resolve(node), &problems)
	if len(problems) > 0 {
		return &yaml.TypeError{Errors: problems}
	}
	return nil
}

// namedList is one list of "groups" or "personal": its key (group name or
// owner id), the key's line and the entries.
type namedList struct {
	Name   string
	Line   int
	Grants grantList
}

// namedLists is a mapping "name: {remote: level, ...}", in file order.
type namedLists []namedList

// UnmarshalYAML implements yaml.Unmarshaler.
func (n *namedLists) UnmarshalYAML(node *yaml.Node) error {
	node = resolve(node)
	var problems []string
	if node.Kind != yaml.MappingNode {
		return lineError(node.Line, "want a mapping of lists, got %s", kindName(node))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := resolve(node.Content[i]), resolve(node.Content[i+1])
		if key.Kind != yaml.ScalarNode {
			problems = append(problems, fmt.Sprintf("line %d: want a name as key, got %s", key.Line, kindName(key)))
			continue
		}
		if first, dup := seen[key.Value]; dup {
			problems = append(problems, fmt.Sprintf("line %d: duplicate key %q (first at line %d)", key.Line, key.Value, first))
			continue
		}
		seen[key.Value] = key.Line
		*n = append(*n, namedList{Name: key.Value, Line: key.Line, Grants: decodeGrants(value, &problems)})
	}
	if len(problems) > 0 {
		return &yaml.TypeError{Errors: problems}
	}
	return nil
}

// decodeGrants reads a "remote: level" mapping, appending problems as
// "line N: ..." texts (the decoder's own format).
func decodeGrants(node *yaml.Node, problems *[]string) grantList {
	if node.Kind == yaml.ScalarNode && node.ShortTag() == "!!null" {
		return nil
	}
	if node.Kind != yaml.MappingNode {
		*problems = append(*problems, fmt.Sprintf("line %d: want a mapping of remote: level, got %s", node.Line, kindName(node)))
		return nil
	}
	var list grantList
	seen := map[string]int{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := resolve(node.Content[i]), resolve(node.Content[i+1])
		if key.Kind != yaml.ScalarNode || value.Kind != yaml.ScalarNode {
			*problems = append(*problems, fmt.Sprintf("line %d: want remote: level", key.Line))
			continue
		}
		if first, dup := seen[key.Value]; dup {
			*problems = append(*problems, fmt.Sprintf("line %d: duplicate key %q (first at line %d)", key.Line, key.Value, first))
			continue
		}
		seen[key.Value] = key.Line
		level, ok := levelNames[strings.ToLower(value.Value)]
		if !ok {
			*problems = append(*problems, fmt.Sprintf("line %d: unknown rights level %q for %s (want blocked, public, company, team or personal)", value.Line, value.Value, key.Value))
			continue
		}
		list = append(list, fileGrant{Remote: key.Value, Level: level, Line: key.Line})
	}
	return list
}

// levelNames maps the level names of the file to the engine's levels.
var levelNames = map[string]engine.Level{
	"blocked":  engine.LevelBlocked,
	"public":   engine.LevelPublic,
	"company":  engine.LevelCompany,
	"team":     engine.LevelTeam,
	"personal": engine.LevelPersonal,
}

// resolve follows an alias to its anchor.
func resolve(node *yaml.Node) *yaml.Node {
	for node.Kind == yaml.AliasNode && node.Alias != nil {
		node = node.Alias
	}
	return node
}

func kindName(node *yaml.Node) string {
	switch node.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", node.Value)
	}
	return "something else"
}

// lineError is an error in the decoder's own format, so that it joins the
// other problems of the same decode.
func lineError(line int, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: ", line) + fmt.Sprintf(format, args...)}}
}
