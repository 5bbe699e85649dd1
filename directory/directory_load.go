package directory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/ucpresence/presence/engine"
)

const (
	// MaxDirectorySize bounds a directory file: 32 MiB holds about 50,000
	// users with full contact data.
	MaxDirectorySize = 32 << 20
	// MaxLoginLength bounds a login name in bytes. Longer names are refused
	// at load time and at login, and never take a lockout slot.
	MaxLoginLength = 256
	// maxProblems bounds the messages of one broken file.
	maxProblems = 50
)

// ErrInvalid matches every *FileError with errors.Is.
var ErrInvalid = errors.New("directory: invalid directory")

// FileError is one problem in a directory file.
type FileError struct {
	// File is the name given to Parse or the path given to
	// Load.
	File string
	// Line is 1-based, or 0 when unknown.
	Line int
	// Msg says what is wrong.
	Msg string
}

// Error formats "directory: <file>:<line>: <msg>".
func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("directory: %s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("directory: %s: %s", e.File, e.Msg)
}

// Is makes every *FileError match ErrInvalid.
func (e *FileError) Is(target error) bool { return target == ErrInvalid }

// problems collects the FileErrors of one file.
type problems struct {
	file string
	list []*FileError
}

func (p *problems) add(line int, format string, args ...any) {
	if len(p.list) < maxProblems {
		p.list = append(p.list, &FileError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
}

// err returns nil, the one error, or every error joined, ordered by line.
func (p *problems) err() error {
	switch len(p.list) {
	case 0:
		return nil
	case 1:
		return p.list[0]
	}
	sort.SliceStable(p.list, func(i, j int) bool { return p.list[i].Line < p.list[j].Line })
	errs := make([]error, len(p.list))
	for i, e := range p.list {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// Load reads and validates the directory file at path.
func Load(path string) (*Directory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a directory file; name is used in
// messages. Unknown keys, duplicate keys, wrong types, duplicate ids or
// logins, malformed hashes, unknown level names and rights naming unknown
// users or groups are errors: each a *FileError with its line, several
// joined with errors.Join.
func Parse(name string, data []byte) (*Directory, error) {
	p := &problems{file: name}
	if len(data) > MaxDirectorySize {
		p.add(0, "file is %d bytes, more than the limit of %d", len(data), MaxDirectorySize)
		return nil, p.err()
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		p.syntax(err)
		return nil, p.err()
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		p.add(1, "the file must be a mapping with a users list")
		return nil, p.err()
	}
	var file fileDirectory
	decoder := yaml.NewDecoder(bytes.NewReader(data))
	decoder.KnownFields(true)
	if err := decoder.Decode(&file); err != nil {
		p.decoding(err)
		return nil, p.err()
	}
	var extra yaml.Node
	if err := decoder.Decode(&extra); err != io.EOF {
		p.add(extra.Line, "only one YAML document is allowed")
		return nil, p.err()
	}
	d := build(&file, itemLines(root.Content[0], "users"), p)
	if err := p.err(); err != nil {
		return nil, err
	}
	d.file = name
	return d, nil
}

var (
	syntaxLine    = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	typeErrorLine = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownField  = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)
)

// syntax records a parser error.
func (p *problems) syntax(err error) {
	if m := syntaxLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		p.add(line, "syntax error: %s", m[2])
		return
	}
	p.add(0, "syntax error: %s", strings.TrimPrefix(err.Error(), "yaml: "))
}

// decoding records the errors of the strict decode; unknown keys name the
// keys allowed at that place.
func (p *problems) decoding(err error) {
	var typeError *yaml.TypeError
	if !errors.As(err, &typeError) {
		p.syntax(err)
		return
	}
	for _, text := range typeError.Errors {
		m := typeErrorLine.FindStringSubmatch(text)
		if m == nil {
			p.add(0, "%s", text)
			continue
		}
		line, _ := strconv.Atoi(m[1])
		if u := unknownField.FindStringSubmatch(m[2]); u != nil {
			p.add(line, "unknown key %q (want one of %s)", u[1], knownKeys(u[2]))
			continue
		}
		p.add(line, "%s", m[2])
	}
}

// knownKeys lists the YAML keys of one of the file structs, by Go type name
// as the decoder prints it ("directory.fileUser").
func knownKeys(typeName string) string {
	for _, t := range []reflect.Type{
		reflect.TypeFor[fileDirectory](), reflect.TypeFor[fileUser](), reflect.TypeFor[filePhones](),
		reflect.TypeFor[fileAddresses](), reflect.TypeFor[fileAddress](), reflect.TypeFor[fileLine](),
		reflect.TypeFor[fileRights](),
	} {
		if t.String() != typeName {
			continue
		}
		keys := make([]string, t.NumField())
		for i := range keys {
			keys[i] = strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		}
		return strings.Join(keys, ", ")
	}
	return "the documented keys"
}

// itemLines returns the line of each item of the list under key in a
// mapping node.
func itemLines(mapping *yaml.Node, key string) []int {
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value != key {
			continue
		}
		list := resolve(mapping.Content[i+1])
		lines := make([]int, len(list.Content))
		for j, item := range list.Content {
			lines[j] = item.Line
		}
		return lines
	}
	return nil
}

// build validates the decoded file and makes the directory.
func build(file *fileDirectory, userLines []int, p *problems) *Directory {
	d := &Directory{byID: map[string]*User{}, byLogin: map[string]*User{}}
	if len(file.Users) == 0 {
		p.add(1, "no users: the directory needs at least one")
		return d
	}
	groups := map[string]bool{}
	lineOwners := map[string]int{} // line URI -> line of its first mention
	iterationCounts := map[int]int{}
	for i := range file.Users {
		line := 0
		if i < len(userLines) {
			line = userLines[i]
		}
		u := buildUser(&file.Users[i], line, lineOwners, p)
		if u == nil {
			continue
		}
		if first, dup := d.byID[u.ID]; dup {
			p.add(at(file.Users[i].ID.Line, line), "duplicate id %q (first at line %d)", u.ID, first.line)
			continue
		}
		key := FoldLogin(u.Login)
		if first, dup := d.byLogin[key]; dup {
			p.add(at(file.Users[i].Login.Line, line), "duplicate login %q (first at line %d, logins ignore case)", u.Login, first.line)
			continue
		}
		d.byID[u.ID], d.byLogin[key] = u, u
		d.users = append(d.users, u)
		for _, g := range u.Groups {
			groups[g] = true
		}
		iterationCounts[u.hash.iterations]++
	}
	d.decoyIterations = DefaultIterations
	best := 0
	for iterations, n := range iterationCounts {
		if n > best || n == best && iterations > d.decoyIterations {
			d.decoyIterations, best = iterations, n
		}
	}
	d.rights = buildRights(&file.Rights, d, groups, p)
	return d
}

// at returns line if known, else fallback.
func at(line, fallback int) int {
	if line > 0 {
		return line
	}
	return fallback
}

// buildUser validates one user entry; nil when it is unusable.
func buildUser(f *fileUser, line int, lineOwners map[string]int, p *problems) *User {
	before := len(p.list)
	if f.ID.Value == "" {
		p.add(at(f.ID.Line, line), "user without id")
	} else if !cleanID(f.ID.Value) {
		p.add(f.ID.Line, "id %q must not contain white space or control characters", f.ID.Value)
	}
	switch {
	case f.Login.Value == "":
		p.add(at(f.Login.Line, line), "user %q without login", f.ID.Value)
	case len(f.Login.Value) > MaxLoginLength:
		p.add(f.Login.Line, "login is longer than %d bytes", MaxLoginLength)
	case strings.Contains(f.Login.Value, ":") || !cleanID(f.Login.Value):
		p.add(f.Login.Line, "login %q must not contain ':', white space or control characters", f.Login.Value)
	}
	var hash passwordHash
	if f.PasswordHash.Value == "" {
		p.add(at(f.PasswordHash.Line, line), "user %q without password_hash (make one with presenced hash-password)", f.ID.Value)
	} else if h, err := parseHash(f.PasswordHash.Value); err != nil {
		p.add(f.PasswordHash.Line, "password_hash: %s", strings.TrimPrefix(err.Error(), "directory: "))
	} else {
		hash = h
	}
	u := &User{
		ID:              f.ID.Value,
		Login:           f.Login.Value,
		PasswordHash:    f.PasswordHash.Value,
		Enabled:         f.Enabled == nil || *f.Enabled,
		Administrator:   f.Administrator,
		DisplayName:     f.DisplayName,
		FirstName:       f.FirstName,
		LastName:        f.LastName,
		EMail:           f.EMail,
		JobTitle:        f.JobTitle,
		Company:         f.Company,
		Department:      f.Department,
		OfficeRoom:      f.OfficeRoom,
		BusinessPhone:   f.Phones.Business,
		MobilePhone:     f.Phones.Mobile,
		HomePhone:       f.Phones.Home,
		BusinessAddress: f.Addresses.Business.address(),
		PrivateAddress:  f.Addresses.Private.address(),
		OtherAddress:    f.Addresses.Other.address(),
		hash:            hash,
		line:            line,
	}
	if u.DisplayName == "" {
		u.DisplayName = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	if u.DisplayName == "" {
		u.DisplayName = u.Login
	}
	seenGroups := map[string]bool{}
	for _, g := range f.Groups {
		switch {
		case g.Value == "" || !cleanID(g.Value):
			p.add(at(g.Line, line), "group name %q must be non-empty, without white space or control characters", g.Value)
		case seenGroups[g.Value]:
			p.add(g.Line, "group %q listed twice", g.Value)
		default:
			seenGroups[g.Value] = true
			u.Groups = append(u.Groups, g.Value)
		}
	}
	u.Lines = buildLines(f.Lines, line, lineOwners, p)
	if len(p.list) > before {
		return nil
	}
	return u
}

// buildLines validates the lines of a user and puts the primary first; with
// no line marked primary, the first one is.
func buildLines(list []fileLine, userLine int, lineOwners map[string]int, p *problems) []Line {
	var lines []Line
	primaries := 0
	for _, l := range list {
		if l.URI.Value == "" || !cleanID(l.URI.Value) {
			p.add(at(l.URI.Line, userLine), "line without a uri (or with white space in it)")
			continue
		}
		if first, dup := lineOwners[l.URI.Value]; dup {
			p.add(l.URI.Line, "line %q already listed at line %d", l.URI.Value, first)
			continue
		}
		lineOwners[l.URI.Value] = l.URI.Line
		if l.Primary {
			primaries++
			if primaries > 1 {
				p.add(l.URI.Line, "more than one primary line")
			}
		}
		lines = append(lines, Line{URI: l.URI.Value, Number: l.Number, Primary: l.Primary})
	}
	if len(lines) > 0 && primaries == 0 {
		lines[0].Primary = true
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Primary && !lines[j].Primary })
	return lines
}

// cleanID reports whether s has no white space or control characters.
func cleanID(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) < 0
}

// buildRights checks that every list names known users and groups.
func buildRights(f *fileRights, d *Directory, groups map[string]bool, p *problems) InitialRights {
	rights := InitialRights{Groups: map[string][]Grant{}, Personal: map[string][]Grant{}}
	checkRemote := func(g fileGrant, owner string) bool {
		switch {
		case g.Remote == engine.Everyone:
			return true
		case strings.HasPrefix(g.Remote, engine.GroupRemote("")):
			name := strings.TrimPrefix(g.Remote, engine.GroupRemote(""))
			if !groups[name] {
				p.add(g.Line, "remote %q: no user is in group %q", g.Remote, name)
				return false
			}
			return true
		case g.Remote == owner:
			p.add(g.Line, "remote %q is the owner of the list", g.Remote)
			return false
		}
		if _, ok := d.byID[g.Remote]; !ok {
			p.add(g.Line, "remote %q is not a user id, %q or \"group:<name>\"", g.Remote, engine.Everyone)
			return false
		}
		return true
	}
	grants := func(list grantList, owner string) []Grant {
		var out []Grant
		for _, g := range list {
			if checkRemote(g, owner) {
				out = append(out, Grant{Remote: g.Remote, Level: g.Level})
			}
		}
		return out
	}
	rights.Global = grants(f.Global, "")
	for _, list := range f.Groups {
		if !groups[list.Name] {
			p.add(list.Line, "rights for group %q, but no user is in that group", list.Name)
			continue
		}
		rights.Groups[list.Name] = grants(list.Grants, "")
	}
	for _, list := range f.Personal {
		if _, ok := d.byID[list.Name]; !ok {
			p.add(list.Line, "personal rights for %q, which is not a user id", list.Name)
			continue
		}
		rights.Personal[list.Name] = grants(list.Grants, list.Name)
	}
	return rights
}
