package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/ucpresence/presence/store"
)

// Secrets (the JWT signing key, the ingest token, the admin token) are best
// given as files (-jwt-key-file, ...) or environment variables
// (PRESENCED_JWT_KEY, ...): a value on the command line is visible to every
// local user in /proc/PID/cmdline and ps. The flags keep working; the admin
// listener's /debug/pprof/cmdline shows them redacted.

// secretFlags are the flags whose values are secrets.
var secretFlags = []string{"jwt-key", "ingest-token", "admin-token"}

// readSecret reads a secret file: its content without the final newline.
func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return s, nil
}

// resolveSecrets fills the secrets given as files; a secret given both as a
// value and as a file is an error (which one would win is not obvious).
func (o *options) resolveSecrets() error {
	for _, s := range []struct {
		name  string
		value *string
		file  string
	}{{"jwt-key", &o.jwtKey, o.jwtKeyFile}, {"ingest-token", &o.ingestToken, o.ingestTokenFile}, {"admin-token", &o.adminToken, o.adminTokenFile}} {
		if s.file == "" {
			continue
		}
		if *s.value != "" {
			return fmt.Errorf("-%s and -%s-file are both set; give one", s.name, s.name)
		}
		v, err := readSecret(s.file)
		if err != nil {
			return fmt.Errorf("-%s-file: %w", s.name, err)
		}
		*s.value = v
	}
	return nil
}

// adminTokenFile is where a generated admin token is written (mode 0600),
// for `presenced backup` on the same host.
func adminTokenFile(dataDir string) string { return filepath.Join(dataDir, "admin.token") }

// ensureAdminToken returns the configured admin token or generates one and
// writes it to DATA/admin.token.
func ensureAdminToken(o *options, log *slog.Logger) (string, error) {
	if o.adminToken != "" {
		return o.adminToken, nil
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b[:])
	path := adminTokenFile(o.dataDir)
	if err := os.WriteFile(path+".tmp", []byte(token+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("writing the admin token: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return "", fmt.Errorf("writing the admin token: %w", err)
	}
	log.Info("admin token generated", "file", path)
	return token, nil
}

// adminHandler serves the admin listener: pprof and /admin/backup, each
// only with "Authorization: Bearer <admin token>" (a profile or a backup
// holds user data, and the listener is reachable by every local user).
func adminHandler(st *store.Store, token string, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/debug/pprof/", http.DefaultServeMux)
	mux.HandleFunc("/debug/pprof/cmdline", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, strings.Join(redactArgs(os.Args), "\x00"))
	})
	mux.HandleFunc("/admin/backup", func(w http.ResponseWriter, r *http.Request) {
		if st == nil {
			http.Error(w, "cluster mode: user-set state is in JetStream (back up its stream)", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if n, err := st.Backup(w); err != nil {
			log.Error("backup failed", "bytes", n, "error", err)
		} else {
			log.Info("backup written", "bytes", n)
		}
	})
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="presenced admin"`)
			http.Error(w, "admin token required (Authorization: Bearer, docs/OPERATIONS.md)", http.StatusUnauthorized)
			log.Warn("admin request refused", "path", r.URL.Path, "remote", r.RemoteAddr)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// redactArgs replaces the values of secret flags in a command line.
func redactArgs(args []string) []string {
	out := append([]string(nil), args...)
	for i := 1; i < len(out); i++ {
		name, _, hasValue := strings.Cut(strings.TrimLeft(out[i], "-"), "=")
		if !strings.HasPrefix(out[i], "-") || !isSecretFlag(name) {
			continue
		}
		if hasValue {
			out[i] = out[i][:strings.Index(out[i], "=")+1] + "REDACTED"
		} else if i+1 < len(out) {
			out[i+1] = "REDACTED"
			i++
		}
	}
	return out
}

func isSecretFlag(name string) bool {
	for _, s := range secretFlags {
		if name == s {
			return true
		}
	}
	return false
}
