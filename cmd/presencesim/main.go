// Command presencesim drives the presence engine with virtual users.
//
//	presencesim run FILE [flags]   run a scenario in-process, or against a server with --target
//	presencesim validate FILE...   check scenario files and print what they generate
//	presencesim directory FILE     a presenced user directory for the scenario's users
//	presencesim demo               a short virtual morning on an embedded engine
//
// Exit codes: 0 every SLO of the scenario held, 1 a threshold was broken,
// 2 a usage, configuration or setup error.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

const usage = `usage:
  presencesim run FILE [flags]     run a scenario (in-process; --target URL for a server)
  presencesim validate FILE...     check scenario files
  presencesim directory FILE --password P
                                   a presenced user directory for the scenario's users
  presencesim demo                 a short virtual morning on an embedded engine
  presencesim help [run]           this text, or the flags of run

exit codes: 0 all SLOs met, 1 a threshold broken, 2 usage or configuration error
`

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

// dispatch runs one subcommand and returns the exit code.
func dispatch(args []string, stdout, stderr io.Writer) int {
	cmd := "demo"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "demo":
		if err := runDemo(stdout); err != nil {
			fmt.Fprintln(stderr, "presencesim:", err)
			return exitFailed
		}
		return exitOK
	case "validate":
		return validate(args, stdout, stderr)
	case "run":
		return runCommand(args, stdout, stderr)
	case "directory":
		return writeDirectory(args, stdout, stderr)
	case "help", "-h", "--help":
		if len(args) > 0 && args[0] == "run" {
			fs, _ := runFlags(io.Discard)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return exitOK
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "presencesim: unknown command %q\n%s", cmd, usage)
	return exitUsage
}
