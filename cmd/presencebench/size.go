package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ucpresence/presence/bench/report"
	"github.com/ucpresence/presence/bench/sweep"
)

func sizeCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("presencebench size", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	families := fs.String("families", "", "families to size, comma-separated (default all: office, call center, reception-heavy)")
	bounds := fs.String("p99", "50ms,200ms", "p99 delivery bounds of the table")
	markdown := fs.Bool("markdown", false, "also print the table as Markdown (for docs/CAPACITY.md)")
	if err := fs.Parse(args); err != nil {
		return usageError{}
	}
	if fs.NArg() > 0 {
		return usageError{"size takes no positional arguments"}
	}
	cfg := sweep.SizingConfig{}
	if err := c.config(&cfg.Base, stderr); err != nil {
		return err
	}
	for _, b := range strings.Split(*bounds, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(b))
		if err != nil || d <= 0 {
			return usageError{fmt.Sprintf("-p99 %q", b)}
		}
		cfg.Bounds = append(cfg.Bounds, d)
	}
	if *families != "" {
		for _, name := range strings.Split(*families, ",") {
			found := false
			for _, f := range sweep.Families {
				if f.Name == strings.TrimSpace(name) || strings.ReplaceAll(f.Name, " ", "-") == strings.TrimSpace(name) {
					cfg.Families = append(cfg.Families, f)
					found = true
				}
			}
			if !found {
				return usageError{fmt.Sprintf("unknown family %q (office, call-center, reception-heavy)", name)}
			}
		}
	}
	root, err := sweep.ModuleRoot(".")
	if err != nil {
		return err
	}
	cfg.Root = root
	// The command that reproduces one row: the same sweep for one family.
	cfg.Command = func(f sweep.Family) string {
		line := fmt.Sprintf("go run ./cmd/presencebench sweep %s -param users -start %g -p99 %s -window %s -max-steps %d", f.Scenario, f.Start, *bounds, c.window, c.maxSteps)
		if c.wire {
			line += " -wire"
		}
		if c.idleWait > 0 {
			line += " -wait-idle " + c.idleWait.String()
		}
		return line
	}
	cfg.Base.OutDir = c.outDir("sizing")
	if err := os.MkdirAll(cfg.Base.OutDir, 0o755); err != nil {
		return err
	}
	sz, err := sweep.Size(ctx, cfg)
	if sz == nil || (len(sz.Rows) == 0 && err != nil) {
		return err
	}
	r := &report.Report{Title: "presencebench: one-node sizing", Generated: time.Now(), Sizing: sz}
	if werr := writeOutputs(r, cfg.Base.OutDir, c.reportPath, "sizing.json", sz, stdout); werr != nil {
		return errors.Join(err, werr)
	}
	if *markdown {
		fmt.Fprintln(stdout)
		sz.WriteMarkdown(stdout)
	}
	return err
}

func reportCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("presencebench report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "report.html", "HTML file to write")
	title := fs.String("title", "presencebench report", "page title")
	var notes listFlag
	fs.Var(&notes, "note", "a paragraph under the title (repeatable)")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return usageError{}
	}
	if len(files) == 0 {
		return usageError{"report wants sweep.json or sizing.json files"}
	}
	r := &report.Report{Title: *title, Generated: time.Now(), Notes: notes}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		var probe struct {
			Rows json.RawMessage `json:"rows"`
		}
		if err := json.Unmarshal(data, &probe); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if probe.Rows != nil {
			var sz sweep.Sizing
			if err := json.Unmarshal(data, &sz); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if r.Sizing != nil {
				r.Sweeps = append(r.Sweeps, sz.Sweeps...)
				r.Sizing.Rows = append(r.Sizing.Rows, sz.Rows...)
				continue
			}
			r.Sizing = &sz
			continue
		}
		var res sweep.Result
		if err := json.Unmarshal(data, &res); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		r.Sweeps = append(r.Sweeps, &res)
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := r.WriteHTML(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	r.WriteText(stdout)
	fmt.Fprintln(stdout, "report:", *out)
	return nil
}
