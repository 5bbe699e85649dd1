package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/ucpresence/presence/bench"
	"github.com/ucpresence/presence/bench/sweep"
)

// tableCommand runs the cross-package benchmarks (or reads saved output)
// and prints each variant against its naive baseline.
func tableCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("presencebench table", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "format saved `go test -bench` output from this file (\"-\": stdin) instead of running")
	benchtime := fs.String("benchtime", "1s", "go test -benchtime")
	count := fs.Int("count", 1, "go test -count (the table shows medians)")
	pattern := fs.String("bench", ".", "go test -bench pattern")
	pkgs := fs.String("pkg", "./bench/", "packages to benchmark, comma-separated")
	raw := fs.Bool("raw", false, "also copy the raw benchmark output to stderr")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usageError{}
	}
	var output []byte
	switch *in {
	case "-":
		data, err := io.ReadAll(os.Stdin)
		if err != nil {
			return err
		}
		output = data
	case "":
		root, err := sweep.ModuleRoot(".")
		if err != nil {
			return err
		}
		goArgs := []string{"test", "-run", "^$", "-bench", *pattern, "-benchmem", "-benchtime", *benchtime, "-count", fmt.Sprint(*count)}
		goArgs = append(goArgs, strings.Split(*pkgs, ",")...)
		cmd := exec.CommandContext(ctx, "go", goArgs...)
		cmd.Dir = root
		var buf bytes.Buffer
		cmd.Stdout = &buf
		cmd.Stderr = stderr
		if *raw {
			cmd.Stdout = io.MultiWriter(&buf, stderr)
		}
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %w\n%s", strings.Join(goArgs, " "), err, buf.String())
		}
		output = buf.Bytes()
	default:
		data, err := os.ReadFile(*in)
		if err != nil {
			return err
		}
		output = data
	}
	results, err := bench.ParseBenchmarks(bytes.NewReader(output))
	if err != nil {
		return err
	}
	comparisons := bench.Compare(results)
	if len(comparisons) == 0 {
		return fmt.Errorf("no benchmark with a %q baseline in the output", bench.Baseline)
	}
	return bench.WriteTable(stdout, comparisons)
}
