// Command presenced is the presence server: the UCServer client protocol
// (ROSE JSON over WebSocket and raw TCP), the ingest API for phones,
// calendars and other sources, /metrics and /healthz.
//
//	presenced [flags]                 serve (with no flags: the embedded demo directory on loopback)
//	presenced demo [flags]            the demo directory, a simulated office and the board's URL
//	presenced hash-password           read a password on stdin, print its hash for the directory file
//	presenced token USER              print a bearer token for USER (load tests)
//	presenced backup -out FILE        a consistent snapshot of the running server's store
//	presenced restore -backup FILE    replace the store of -data with a backup (server stopped)
//	presenced verify                  check the store of -data
//
// Every flag can also be set by an environment variable: PRESENCED_ plus the
// flag name in upper case with dashes as underscores (docs/OPERATIONS.md).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only on the loopback -pprof listener
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ucpresence/presence/cluster"
	"github.com/ucpresence/presence/directory"
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server"
	"github.com/ucpresence/presence/server/auth"
	"github.com/ucpresence/presence/store"
)

type options struct {
	httpAddr, tcpAddr, pprofAddr string
	directory, jwtKey, logLevel  string
	dataDir                      string
	ingestToken                  string
	adminToken                   string
	jwtKeyFile, ingestTokenFile  string // secrets as files (admin.go)
	adminTokenFile               string
	maxConns, maxUnauth          int
	loginTimeout                 time.Duration
	maxStringBytes, maxNoteBytes int
	allowedOrigins               string
	maxFrame, maxSubsCall        int
	maxSubsConn, invokeRate      int
	maxPending                   int
	writeTimeout, idleTimeout    time.Duration
	writeCoalesce                time.Duration
	shutdownTimeout              time.Duration
	cluster, nodeID              string
	clusterLease                 time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("presenced", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.httpAddr, "http", "127.0.0.1:7224", "HTTP/WebSocket listen address (UCWeb routes, ingest, metrics); empty disables")
	fs.StringVar(&o.tcpAddr, "tcp", "127.0.0.1:7226", "raw TCP listen address ('J' framing); empty disables")
	fs.StringVar(&o.pprofAddr, "pprof", "127.0.0.1:6060", "admin listen address (pprof, /admin/backup), loopback only; empty disables")
	fs.StringVar(&o.dataDir, "data", "data", "data directory of the durable store (created if missing; docs/DURABILITY.md)")
	fs.StringVar(&o.directory, "directory", "", "user directory YAML file (docs/AUTH.md); empty uses the embedded demo directory")
	fs.StringVar(&o.jwtKey, "jwt-key", "", "HS256 signing key for bearer tokens; empty generates a random key per process")
	fs.StringVar(&o.ingestToken, "ingest-token", "", "bearer token sources must present to the ingest API; empty accepts tokens of administrator users")
	fs.StringVar(&o.jwtKeyFile, "jwt-key-file", "", "file holding the HS256 signing key (keeps it off the command line)")
	fs.StringVar(&o.ingestTokenFile, "ingest-token-file", "", "file holding the ingest token")
	fs.StringVar(&o.adminToken, "admin-token", "", "bearer token of the admin listener; empty generates one into DATA/admin.token")
	fs.StringVar(&o.adminTokenFile, "admin-token-file", "", "file holding the admin token")
	fs.IntVar(&o.maxConns, "max-connections", 100_000, "accepted sockets of all listeners; more are closed at accept")
	fs.IntVar(&o.maxUnauth, "max-unauthenticated", 10_000, "accepted sockets that are not logged-in clients; more are closed at accept")
	fs.DurationVar(&o.loginTimeout, "login-timeout", 10*time.Second, "a WebSocket or TCP client that has not logged in this long after connecting is closed")
	fs.IntVar(&o.maxStringBytes, "max-string-bytes", 4<<10, "largest string member of an invoke's argument (contact ids, texts)")
	fs.IntVar(&o.maxNoteBytes, "max-note-bytes", 8<<10, "largest note (client protocol and ingest)")
	fs.StringVar(&o.allowedOrigins, "allowed-origins", "", "comma-separated browser origins allowed to call /ws/client/ (CORS; \"*\" any, \"null\" file:// pages); empty allows loopback pages and file://")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.IntVar(&o.maxFrame, "max-frame-bytes", 1<<20, "largest accepted client message")
	fs.IntVar(&o.maxSubsCall, "max-subscriptions-per-call", 10000, "contact ids per subscribe")
	fs.IntVar(&o.maxSubsConn, "max-subscriptions-per-conn", 20000, "subscriptions per connection")
	fs.IntVar(&o.invokeRate, "invoke-rate", 200, "sustained invokes per second per connection")
	fs.IntVar(&o.maxPending, "max-pending-bytes", 4<<20, "slow-consumer budget of queued bytes per connection")
	fs.DurationVar(&o.writeCoalesce, "write-coalesce", 0, "how long a connection writer waits for more events before writing (0: off, the measured default; see docs/CAPACITY.md)")
	fs.DurationVar(&o.writeTimeout, "write-timeout", 10*time.Second, "a client that does not read for this long is closed")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", 60*time.Second, "a client that sends nothing for this long is closed")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long a graceful shutdown waits for clients")
	fs.StringVar(&o.cluster, "cluster", "", "NATS URL of the cluster (nats://host:4222, docs/CLUSTER.md); empty runs a single node with the local store")
	fs.StringVar(&o.nodeID, "node-id", defaultNodeID(), "this node's id in the cluster (letters, digits, '-', '_')")
	fs.DurationVar(&o.clusterLease, "cluster-lease", 3*time.Second, "cluster: a crashed node's contacts move this long after its last heartbeat (heartbeats every third of it)")
	// Environment variables first, flags override.
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := os.LookupEnv("PRESENCED_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))); ok {
			_ = f.Value.Set(v)
		}
	})
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := o.resolveSecrets(); err != nil {
		return nil, err
	}
	if o.pprofAddr != "" {
		host, _, err := net.SplitHostPort(o.pprofAddr)
		if err != nil || !(host == "127.0.0.1" || host == "::1" || host == "localhost") {
			return nil, fmt.Errorf("-pprof must be a loopback address, got %q", o.pprofAddr)
		}
	}
	return o, nil
}

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "hash-password":
			os.Exit(hashPassword(os.Stdin, os.Stdout, os.Stderr))
		case "token":
			os.Exit(issueToken(os.Args[2:], os.Stdout, os.Stderr))
		case "demo":
			os.Exit(demo(os.Args[2:], os.Stdout, os.Stderr)) // demo.go
		case "backup", "restore", "verify":
			os.Exit(storeCommand(os.Args[1], os.Args[2:], os.Stdout, os.Stderr))
		}
	}
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "presenced:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, nil); err != nil {
		fmt.Fprintln(os.Stderr, "presenced:", err)
		os.Exit(1)
	}
}

// started reports the bound addresses (tests listen on port 0).
type started struct{ HTTP, TCP, Admin, Board string }

func run(ctx context.Context, o *options, ready func(started)) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	dir, err := loadDirectory(o.directory)
	if err != nil {
		return err
	}
	var key []byte // nil: a random key per process
	if o.jwtKey != "" {
		key = []byte(o.jwtKey)
	}
	authn, err := auth.New(auth.Config{Directory: dir, SigningKey: key})
	if err != nil {
		return err
	}
	e, err := engine.New(engine.Config{})
	if err != nil {
		return err
	}
	defer e.Close()
	if err := dir.Apply(e); err != nil {
		return fmt.Errorf("applying directory %s: %w", dir.File(), err)
	}
	var st *store.Store // single node: user-set state in the local store
	var node *cluster.Node
	if o.cluster != "" {
		// Cluster: user-set state in JetStream, installed by the node.
		if node, err = joinCluster(o, e, log); err != nil {
			return err
		}
		defer node.Close()
	} else {
		st, err = store.Open(store.Config{Dir: o.dataDir})
		if err != nil {
			return err // names the file and what to do (store.ErrCorrupt, ErrLocked, ...)
		}
		defer st.Close()
		restored, err := store.Restore(st, e)
		if err != nil {
			return fmt.Errorf("restoring from %s: %w", st.Path(), err)
		}
		e.SetPersister(store.EnginePersister{Store: st})
		log.Info("store loaded", "path", st.Path(), "rights", restored.Rights, "absent_states", restored.AbsentStates,
			"notes", restored.Notes, "challenges", restored.Challenges, "images", restored.Images, "skipped", restored.Skipped)
	}
	routes, ingestMetrics, ingestHandler, err := ingestRoutes(e, authn, o.ingestToken, stringLimits{strings: o.maxStringBytes, notes: o.maxNoteBytes}, log, node)
	if err != nil {
		return err
	}
	if node != nil {
		routes["/healthz"] = clusterHealth(node)
	}
	var boardServer atomic.Pointer[server.Server]
	boardRouteMap, boardIndex, err := boardRoutes(dir, &boardServer) // board.go
	if err != nil {
		return err
	}
	for path, h := range boardRouteMap {
		routes[path] = h
	}
	srv, err := server.New(server.Config{
		Engine: e, Authenticator: authn, Logger: log,
		MaxFrameBytes: o.maxFrame, MaxSubscriptionsPerCall: o.maxSubsCall, MaxSubscriptionsPerConn: o.maxSubsConn,
		InvokeRate: o.invokeRate, InvokeBurst: 2 * o.invokeRate, MaxPendingBytes: o.maxPending,
		WriteTimeout: o.writeTimeout, IdleTimeout: o.idleTimeout, ExtraRoutes: routes, Index: boardIndex, WriteCoalesce: o.writeCoalesce,
		MaxConnections: o.maxConns, MaxUnauthenticated: o.maxUnauth, LoginTimeout: o.loginTimeout,
		MaxStringBytes: o.maxStringBytes, MaxNoteBytes: o.maxNoteBytes,
		AllowedOrigins: splitList(o.allowedOrigins),
	})
	if err != nil {
		return err
	}
	boardServer.Store(srv)
	srv.AddMetrics(ingestMetrics)
	if node != nil {
		srv.AddMetrics(node.WriteMetrics) // presence_cluster_*: the link's cost
	}
	errc := make(chan error, 3)
	var addrs started
	if o.httpAddr != "" {
		l, err := net.Listen("tcp", o.httpAddr)
		if err != nil {
			return err
		}
		addrs.HTTP = l.Addr().String()
		go func() { errc <- srv.ServeHTTP(l) }()
	}
	if o.tcpAddr != "" {
		l, err := net.Listen("tcp", o.tcpAddr)
		if err != nil {
			return err
		}
		addrs.TCP = l.Addr().String()
		go func() { errc <- srv.ServeTCP(l) }()
	}
	if o.pprofAddr != "" {
		l, err := net.Listen("tcp", o.pprofAddr)
		if err != nil {
			return err
		}
		token, err := ensureAdminToken(o, log)
		if err != nil {
			return err
		}
		addrs.Admin = l.Addr().String()
		ps := &http.Server{Handler: adminHandler(st, token, log), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = ps.Serve(l) }()
		defer ps.Close()
	}
	if addrs.HTTP != "" {
		addrs.Board = "http://" + addrs.HTTP + "/board/"
	}
	log.Info("presenced started", "board", addrs.Board, "http", addrs.HTTP, "tcp", addrs.TCP, "pprof", o.pprofAddr, "directory", dir.File(), "users", dir.Len())
	if ready != nil {
		ready(addrs)
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		if err != nil {
			log.Error("listener failed", "error", err)
		}
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	ingestHandler.Close()
	return srv.Shutdown(sctx)
}

func loadDirectory(path string) (*directory.Directory, error) {
	if path == "" {
		return directory.Demo()
	}
	return directory.Load(path)
}

func hashPassword(stdin io.Reader, stdout, stderr io.Writer) int {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(stderr, "presenced hash-password: reads the password from standard input")
		return 2
	}
	h, err := directory.HashPassword(strings.TrimRight(line, "\r\n"), 0)
	if err != nil {
		fmt.Fprintln(stderr, "presenced hash-password:", err)
		return 1
	}
	fmt.Fprintln(stdout, h)
	return 0
}

func issueToken(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("presenced token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("jwt-key", os.Getenv("PRESENCED_JWT_KEY"), "the server's signing key")
	ttl := fs.Duration("ttl", 8*time.Hour, "token lifetime")
	directoryFile := fs.String("directory", "", "user directory YAML file of the server; empty uses the embedded demo directory")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 || *key == "" {
		fmt.Fprintln(stderr, "usage: presenced token -jwt-key KEY [-directory FILE] [-ttl D] USER-ID")
		return 2
	}
	// The directory says whether the user exists and is enabled: a token
	// for anyone else would be refused at login anyway.
	dir, err := loadDirectory(*directoryFile)
	if err != nil {
		fmt.Fprintln(stderr, "presenced token:", err)
		return 1
	}
	a, err := auth.New(auth.Config{Directory: dir, SigningKey: []byte(*key)})
	if err != nil {
		fmt.Fprintln(stderr, "presenced token:", err)
		return 1
	}
	tok, err := a.IssueToken(fs.Arg(0), *ttl)
	if err != nil {
		fmt.Fprintln(stderr, "presenced token:", err)
		return 1
	}
	fmt.Fprintln(stdout, tok)
	return 0
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
