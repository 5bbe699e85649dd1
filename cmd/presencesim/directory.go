package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/ucpresence/presence/directory"
	"github.com/ucpresence/presence/sim/model"
	"github.com/ucpresence/presence/sim/scenario"
)

// writeDirectory writes a presenced user directory (docs/AUTH.md) for the
// scenario's population, so that the wire driver's Basic logins work
// against a real presenced:
//
//	presencesim directory scenarios/office-1k.yaml --password pw > users.yaml
//	presenced --directory users.yaml --ingest-token secret
//	presencesim run scenarios/office-1k.yaml --target ws://127.0.0.1:7224 --token secret --auth basic --password pw
//
// Every user gets the same password, hashed once (one salt for the whole
// file: a load-test directory, not a real one) with a low iteration count
// so that thousands of logins do not cost the server minutes of PBKDF2.
func writeDirectory(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("directory", flag.ContinueOnError)
	fs.SetOutput(stderr)
	password := fs.String("password", "", "password of every user (required)")
	iterations := fs.Int("iterations", directory.MinIterations, "PBKDF2 iterations of the hash")
	out := fs.String("o", "", "output file (default stdout)")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(files) != 1 || *password == "" {
		fmt.Fprintln(stderr, "presencesim directory: want one scenario file and --password")
		return exitUsage
	}
	s, err := scenario.Load(files[0])
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	population, err := model.NewPopulation(s)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	hash, err := directory.HashPassword(*password, *iterations)
	if err != nil {
		fmt.Fprintln(stderr, "presencesim directory:", err)
		return exitUsage
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(stderr, "presencesim directory:", err)
			return exitUsage
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# presenced user directory for scenario %q (%d users), written by presencesim directory.\nusers:\n", s.Name, population.Size())
	for i := range population.Users {
		u := &population.Users[i]
		login := strings.TrimPrefix(u.ContactID, "sip:")
		login = login[:strings.IndexByte(login, '@')]
		fmt.Fprintf(bw, "  - {id: %q, login: %q, password_hash: %q, display_name: %q}\n", u.ContactID, login, hash, "User "+strconv.Itoa(i))
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintln(stderr, "presencesim directory:", err)
		return exitUsage
	}
	return exitOK
}
