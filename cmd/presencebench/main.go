// Command presencebench answers capacity questions about the presence
// engine and presenced (docs/CAPACITY.md).
//
//	presencebench sweep FILE [flags]   step one parameter (two with -series) to the knee of the SLO
//	presencebench size [flags]         the sizing table: users one node holds at p99 < 50 ms and < 200 ms
//	presencebench report -o F J...     render sweep.json / sizing.json files into one HTML report
//	presencebench table [flags]        run the cross-package benchmarks and print their ratios
//
// sweep and size write one self-contained HTML report and print a
// plain-text summary on stdout.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "sweep":
		err = sweepCommand(ctx, args[1:], stdout, stderr)
	case "size":
		err = sizeCommand(ctx, args[1:], stdout, stderr)
	case "report":
		err = reportCommand(args[1:], stdout, stderr)
	case "table":
		err = tableCommand(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	default:
		fmt.Fprintf(stderr, "presencebench: unknown command %q\n", args[0])
		usage(stderr)
		return exitUsage
	}
	var u usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &u):
		if u.msg != "" {
			fmt.Fprintln(stderr, "presencebench:", u.msg)
		}
		return exitUsage
	default:
		fmt.Fprintln(stderr, "presencebench:", err)
		return exitError
	}
}

// usageError is a command-line mistake (exit code 2).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  presencebench sweep FILE [flags]   step a parameter to the knee of the SLO (-h for flags)
  presencebench size [flags]         the sizing table for the office, call center and reception families
  presencebench report -o FILE J...  render sweep.json / sizing.json files into one HTML report
  presencebench table [flags]        run the cross-package benchmarks (./bench) and print engine/naive ratios
`)
}
