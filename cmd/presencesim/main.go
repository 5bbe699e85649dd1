// Command presencesim drives the presence engine with virtual users.
//
//	presencesim demo    a short virtual morning on an embedded engine
package main

import (
	"fmt"
	"os"
)

func main() {
	cmd := "demo"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	var err error
	switch cmd {
	case "demo":
		err = runDemo(os.Stdout)
	default:
		fmt.Fprintf(os.Stderr, "presencesim: unknown command %q (commands: demo)\n", cmd)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "presencesim:", err)
		os.Exit(1)
	}
}
