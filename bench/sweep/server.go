package sweep

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/ucpresence/presence/bench/probe"
	"github.com/ucpresence/presence/directory"
	"github.com/ucpresence/presence/sim/model"
)

// BuildServer builds cmd/presenced of the module at moduleDir into dir
// and returns the binary's path.
func BuildServer(ctx context.Context, moduleDir, dir string) (string, error) {
	out := filepath.Join(dir, "presenced")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/presenced")
	cmd.Dir = moduleDir
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("sweep: go build ./cmd/presenced: %w\n%s", err, msg)
	}
	return out, nil
}

// ModuleRoot returns the directory of the go.mod above dir.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("sweep: no go.mod above the working directory")
		}
		dir = parent
	}
}

// serverConfig configures one child presenced.
type serverConfig struct {
	binary    string   // path of presenced
	dir       string   // data directory, directory file and server.log go here
	directory string   // user directory YAML
	token     string   // ingest token
	flags     []string // more presenced flags
	startup   time.Duration
}

// child is a running presenced. Its standard error carries the JSON logs
// and, with GODEBUG=gctrace=1, one line per collection.
type child struct {
	cmd     *exec.Cmd
	started time.Time // process start, the zero of gctrace's @ times
	http    string    // bound HTTP address
	admin   string    // pprof listener
	// adminToken is the admin listener's bearer token (given to the child
	// in PRESENCED_ADMIN_TOKEN).
	adminToken string
	gc         probe.GCLog
	log        *os.File
	exited     chan struct{}
	waitErr    error

	mu      sync.Mutex // guards tail
	tail    []string   // last lines of the log
	readyCh chan string
}

// startServer starts presenced and waits until it listens.
func startServer(ctx context.Context, cfg serverConfig) (*child, error) {
	admin, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(cfg.dir, "server.log"))
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	args := []string{"-http", "127.0.0.1:0", "-tcp", "", "-pprof", admin, "-data", filepath.Join(cfg.dir, "data"),
		"-directory", cfg.directory, "-ingest-token", cfg.token, "-log-level", "info"}
	args = append(args, cfg.flags...)
	// The child gets a plain context: it is stopped with SIGTERM by stop,
	// not killed when ctx ends mid-step.
	cmd := exec.Command(cfg.binary, args...)
	adminToken := newAdminToken()
	// The admin listener (pprof) needs its token; the environment keeps it
	// off the command line.
	cmd.Env = append(os.Environ(), "GODEBUG=gctrace=1", "PRESENCED_ADMIN_TOKEN="+adminToken)
	// If this process dies without stopping it, the kernel kills the child.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("sweep: %w", err)
	}
	cmd.Stdout = logFile
	c := &child{cmd: cmd, admin: admin, adminToken: adminToken, log: logFile, exited: make(chan struct{}), readyCh: make(chan string, 1)}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("sweep: start %s: %w", cfg.binary, err)
	}
	c.started = time.Now()
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		c.gc.Consume(stderr, logFile, c.line)
	}()
	go func() {
		<-consumed
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()
	startup := cfg.startup
	if startup <= 0 {
		startup = time.Minute
	}
	select {
	case c.http = <-c.readyCh:
		return c, nil
	case <-c.exited:
		logFile.Close()
		return nil, fmt.Errorf("sweep: presenced exited during startup (%v): %s", c.waitErr, c.lastLines())
	case <-time.After(startup):
	case <-ctx.Done():
	}
	c.stop()
	return nil, fmt.Errorf("sweep: presenced did not start within %s: %s", startup, c.lastLines())
}

// line watches the log for the start message (it carries the bound
// HTTP address) and keeps the last lines for error messages.
func (c *child) line(text string) {
	c.mu.Lock()
	c.tail = append(c.tail, text)
	if len(c.tail) > 20 {
		c.tail = c.tail[len(c.tail)-20:]
	}
	c.mu.Unlock()
	var entry struct {
		Msg  string `json:"msg"`
		HTTP string `json:"http"`
	}
	if json.Unmarshal([]byte(text), &entry) == nil && entry.Msg == "presenced started" && entry.HTTP != "" {
		select {
		case c.readyCh <- entry.HTTP:
		default:
		}
	}
}

func (c *child) lastLines() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := ""
	for _, l := range c.tail {
		out += "\n  " + l
	}
	return out
}

// pid returns the child's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

// since converts a wall time into gctrace's time since process start.
func (c *child) since(t time.Time) time.Duration { return t.Sub(c.started) }

// stop sends SIGTERM, waits for the graceful shutdown (15 s at most, then
// SIGKILL) and closes the log.
func (c *child) stop() error {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	c.log.Close()
	var exit *exec.ExitError
	if c.waitErr != nil && !errors.As(c.waitErr, &exit) {
		return c.waitErr
	}
	return nil
}

// freePort returns a loopback address with a port that was free a moment
// ago (the admin listener must be given one: presenced does not log it).
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("sweep: %w", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr, nil
}

// randomToken returns 32 random hex characters.
func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// writeDirectory writes the user directory of the population: contact id,
// login "user<index>" (the wire driver's default login template) and one
// password hash at the lowest iteration count for all (a thousand PBKDF2
// rounds, 0.2 ms per login, so 20,000 logins do not measure PBKDF2).
func writeDirectory(path string, population *model.Population, password string) error {
	hash, err := directory.HashPassword(password, directory.MinIterations)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	io.WriteString(w, "# Generated by presencebench for one sweep step.\nusers:\n")
	for i := range population.Users {
		id := population.Users[i].ContactID
		fmt.Fprintf(w, "  - {id: %s, login: user%s, password_hash: %s}\n", strconv.Quote(id), strconv.Itoa(i), strconv.Quote(hash))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("sweep: %w", err)
	}
	return f.Close()
}

// newAdminToken returns a random admin token for a child server.
func newAdminToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
