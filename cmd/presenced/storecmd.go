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
	tokenFile := fs.String("admin-token-file", os.Getenv("PRESENCED_ADMIN_TOKEN_FILE"), "file holding the server's admin token (backup); default PRESENCED_ADMIN_TOKEN or DATA/admin.token")
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
		token, err := backupToken(*tokenFile, *data)
		if err != nil {
			return fail(err)
		}
		client := &http.Client{Timeout: 10 * time.Minute}
		req, err := http.NewRequest("GET", "http://"+*admin+"/admin/backup", nil)
		if err != nil {
			return fail(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
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

// backupToken finds the admin token: -admin-token-file, else
// PRESENCED_ADMIN_TOKEN, else the token the server generated in DATA.
func backupToken(file, dataDir string) (string, error) {
	if file != "" {
		return readSecret(file)
	}
	if v := os.Getenv("PRESENCED_ADMIN_TOKEN"); v != "" {
		return v, nil
	}
	t, err := readSecret(adminTokenFile(dataDir))
	if err != nil {
		return "", fmt.Errorf("no admin token: give -admin-token-file or PRESENCED_ADMIN_TOKEN, or -data of the running server (%w)", err)
	}
	return t, nil
}
