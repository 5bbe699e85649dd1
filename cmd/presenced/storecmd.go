package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/ucpresence/presence/store"
)

// storeCommand runs backup, restore and verify.
func storeCommand(name string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("presenced "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("PRESENCED_DATA", "data"), "data directory of the store")
	admin := fs.String("admin", envOr("PRESENCED_PPROF", "127.0.0.1:6060"), "admin address of the running server (backup)")
	out := fs.String("out", "", "backup file to write (backup)")
	from := fs.String("backup", "", "backup file to restore from (restore)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "presenced %s: %v\n", name, err)
		return 1
	}
	switch name {
	case "backup":
		if *out == "" {
			fmt.Fprintln(stderr, "usage: presenced backup -out FILE [-admin 127.0.0.1:6060]")
			return 2
		}
		client := &http.Client{Timeout: 10 * time.Minute}
		resp, err := client.Get("http://" + *admin + "/admin/backup")
		if err != nil {
			return fail(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fail(fmt.Errorf("admin endpoint: %s", resp.Status))
		}
		tmp := *out + ".tmp"
		f, err := os.Create(tmp)
		if err != nil {
			return fail(err)
		}
		n, err := io.Copy(f, resp.Body)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = store.VerifyFile(tmp)
		}
		if err == nil {
			err = os.Rename(tmp, *out)
		}
		if err != nil {
			os.Remove(tmp)
			return fail(err)
		}
		fmt.Fprintf(stdout, "wrote %s (%d bytes, verified)\n", *out, n)
	case "restore":
		if *from == "" {
			fmt.Fprintln(stderr, "usage: presenced restore -backup FILE [-data DIR]")
			return 2
		}
		if err := store.RestoreFromFile(*from, *data); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "restored %s into %s\n", *from, *data)
	case "verify":
		if err := store.Verify(*data); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%s: ok\n", *data)
	}
	return 0
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}
