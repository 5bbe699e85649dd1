package doccheck

import (
	"errors"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// moduleRoot is the module's directory, two levels above this package.
const moduleRoot = "../.."

// modulePath reads the module path from go.mod.
func modulePath(t *testing.T) string {
	data, err := os.ReadFile(filepath.Join(moduleRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if path, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.TrimSpace(path)
		}
	}
	t.Fatal("go.mod has no module line")
	return ""
}

// modulePackages walks the module as `go list ./...` does (skipping
// testdata, directories starting with . or _, and nested modules) and
// returns each package's path relative to the module, with the module
// packages its non-test files import (also relative).
func modulePackages(t *testing.T, module string) map[string][]string {
	packages := map[string][]string{}
	err := filepath.WalkDir(moduleRoot, func(path string, entry fs.DirEntry, err error) error {
		if err != nil || !entry.IsDir() {
			return err
		}
		name := entry.Name()
		if path != moduleRoot {
			if name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
		}
		pkg, err := build.Default.ImportDir(path, 0)
		var noGo *build.NoGoError
		switch {
		case errors.As(err, &noGo):
			return nil // no Go files here (or tests only, which go list also lists: none today)
		case err != nil:
			return err
		}
		rel, err := filepath.Rel(moduleRoot, path)
		if err != nil {
			return err
		}
		var imports []string
		for _, imported := range pkg.Imports {
			if inner, ok := strings.CutPrefix(imported, module+"/"); ok {
				imports = append(imports, inner)
			}
		}
		packages[filepath.ToSlash(rel)] = imports
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return packages
}

// packageRow is one row of the table: its packages and its "depends on" cell.
type packageRow struct {
	packages  []string
	dependsOn string
}

var backticked = regexp.MustCompile("`([^`]+)`")

// packageTable parses the table under "## Packages" in docs/ARCHITECTURE.md.
func packageTable(t *testing.T) []packageRow {
	data, err := os.ReadFile(filepath.Join(moduleRoot, "docs", "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Packages\n")
	if !ok {
		t.Fatal(`docs/ARCHITECTURE.md has no "## Packages" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var rows []packageRow
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 3 || !strings.HasPrefix(strings.TrimSpace(cells[0]), "`") {
			continue // prose, the heading row, the separator
		}
		var row packageRow
		for _, m := range backticked.FindAllStringSubmatch(cells[0], -1) {
			row.packages = append(row.packages, m[1])
		}
		row.dependsOn = cells[2]
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		t.Fatal("no rows in the package table of docs/ARCHITECTURE.md")
	}
	return rows
}

// names reports whether text names the package path as a whole word: not
// part of a longer path ("server" is not named by "server/auth").
func names(text, path string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], path)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(path)
		if (start == 0 || !pathByte(text[start-1])) && (end == len(text) || !pathByte(text[end])) {
			return true
		}
		i = start + 1
	}
}

func pathByte(c byte) bool {
	return c == '/' || c == '_' || c == '-' ||
		c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// TestArchitecturePackageTable: docs/ARCHITECTURE.md's package table has
// a row for every package of the module and for nothing else, and each
// row's "depends on" names every module package the row's packages import
// (or says "everything").
func TestArchitecturePackageTable(t *testing.T) {
	module := modulePath(t)
	packages := modulePackages(t, module)
	rows := packageTable(t)
	listed := map[string]packageRow{}
	for _, row := range rows {
		for _, p := range row.packages {
			if _, twice := listed[p]; twice {
				t.Errorf("docs/ARCHITECTURE.md lists %s twice", p)
			}
			listed[p] = row
		}
	}
	var missing []string
	for p := range packages {
		if _, ok := listed[p]; !ok {
			missing = append(missing, p)
		}
	}
	slices.Sort(missing)
	for _, p := range missing {
		t.Errorf("package %s has no row in the package table of docs/ARCHITECTURE.md", p)
	}
	for p, row := range listed {
		imports, ok := packages[p]
		if !ok {
			t.Errorf("docs/ARCHITECTURE.md lists %s, which is not a package of the module", p)
			continue
		}
		if strings.Contains(row.dependsOn, "everything") {
			continue
		}
		for _, imported := range imports {
			if !names(row.dependsOn, imported) {
				t.Errorf("%s imports %s, but its row's \"depends on\" (%s) does not name it", p, imported, strings.TrimSpace(row.dependsOn))
			}
		}
	}
	if len(packages) < 20 {
		t.Fatalf("found only %d packages from %s: is the walk broken?", len(packages), moduleRoot)
	}
}

// TestNames: the whole-word match the table check relies on.
func TestNames(t *testing.T) {
	for _, c := range []struct {
		text, path string
		want       bool
	}{
		{"engine, protocol", "engine", true},
		{"engine (types)", "engine", true},
		{"server/auth, yaml", "server", false},
		{"server/auth, yaml", "server/auth", true},
		{"sim/run, sim/model", "sim/model", true},
		{"internal/jsonwrite", "jsonwrite", false},
		{"bench/probe", "bench", false},
	} {
		if got := names(c.text, c.path); got != c.want {
			t.Errorf("names(%q, %q) = %v", c.text, c.path, got)
		}
	}
}
