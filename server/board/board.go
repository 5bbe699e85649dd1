// Package board is the presence board: a web page served by presenced that
// is the project's own first protocol client. The page logs in through the
// UCWeb session route (POST /ws/client/createsession, then the session
// WebSocket) and speaks ROSE JSON like any other client; this package only
// serves its static files (embedded, no network fetch at run time) and a
// two-route JSON API for what the presence protocol has no operation for:
// the list of contacts to show, and the metrics of the operator view.
//
// docs/BOARD.md describes what the page shows and how it uses the protocol.
package board

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/valyala/fasthttp"
)

//go:embed static
var staticFiles embed.FS

// Prefix is where the board lives on the HTTP listener.
const Prefix = "/board/"

// ContentSecurityPolicy is sent with every board response. Scripts, styles
// and connections only from the page's own origin (the WebSocket included:
// CSP 3 lets 'self' match ws:// and wss:// of the same host); images also
// from data: URLs, which is how avatars (jpegPhoto, base64 in the protocol)
// are shown. No inline script or style, so injected markup cannot run even
// if escaping failed somewhere.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Config wires the board to the server. Every function is required.
type Config struct {
	// SessionUser resolves a UCWeb session id (the X-ucsessionid header the
	// page sends) to its user's contact id.
	SessionUser func(sessionID string) (user string, ok bool)
	// Contacts returns the contact ids the board offers to watch (the user
	// directory). The page subscribes to them over the protocol, which
	// filters what each one shows by the watcher's rights.
	Contacts func() []string
	// IsAdministrator reports whether a user may see the operator view.
	IsAdministrator func(user string) bool
	// Metrics writes the server's Prometheus text (the operator view's data).
	Metrics func(io.Writer)
}

// Board serves the page and its API. It holds no state of its own and is
// safe for concurrent use.
type Board struct {
	cfg   Config
	files map[string]file // path below Prefix -> content
}

type file struct {
	body        []byte
	contentType string
}

// New checks cfg and loads the embedded files.
func New(cfg Config) (*Board, error) {
	if cfg.SessionUser == nil || cfg.Contacts == nil || cfg.IsAdministrator == nil || cfg.Metrics == nil {
		return nil, errors.New("board: Config needs SessionUser, Contacts, IsAdministrator and Metrics")
	}
	b := &Board{cfg: cfg, files: map[string]file{}}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		ct := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) { // not every system's mime table knows these
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".html":
			ct = "text/html; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		b.files[strings.TrimPrefix(p, "static/")] = file{body: body, contentType: ct}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, ok := b.files["index.html"]; !ok {
		return nil, errors.New("board: index.html is not embedded")
	}
	return b, nil
}

// Routes returns the board's exact paths for server.Config.ExtraRoutes:
// Prefix (the page), one path per embedded file, and the API.
func (b *Board) Routes() map[string]fasthttp.RequestHandler {
	routes := map[string]fasthttp.RequestHandler{
		Prefix:                          b.serveFile("index.html"),
		strings.TrimSuffix(Prefix, "/"): b.Redirect,
		Prefix + "api/directory":        b.serveDirectory,
		Prefix + "api/metrics":          b.serveMetrics,
	}
	for name := range b.files {
		routes[Prefix+name] = b.serveFile(name)
	}
	return routes
}

// Redirect sends a browser to the board (server.Config.Index: GET / without
// a WebSocket upgrade).
func (b *Board) Redirect(ctx *fasthttp.RequestCtx) {
	b.headers(ctx)
	ctx.Redirect(Prefix, fasthttp.StatusFound)
}

func (b *Board) headers(ctx *fasthttp.RequestCtx) {
	h := &ctx.Response.Header
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	// The files are small (about 40 KB) and change with the binary: always
	// revalidate so that a new presenced never runs with an old page.
	h.Set("Cache-Control", "no-cache")
}

func (b *Board) serveFile(name string) fasthttp.RequestHandler {
	f := b.files[name]
	return func(ctx *fasthttp.RequestCtx) {
		b.headers(ctx)
		if !ctx.IsGet() && !ctx.IsHead() {
			ctx.Response.Header.Set("Allow", "GET, HEAD")
			ctx.Error("method not allowed", fasthttp.StatusMethodNotAllowed)
			return
		}
		ctx.SetContentType(f.contentType)
		ctx.SetBody(f.body)
	}
}

// user authenticates an API request by its X-ucsessionid header (never the
// query: the id stays out of URLs and logs).
func (b *Board) user(ctx *fasthttp.RequestCtx) (string, bool) {
	b.headers(ctx)
	id := string(ctx.Request.Header.Peek("X-ucsessionid"))
	user, ok := b.cfg.SessionUser(id)
	if !ok {
		ctx.Error("unknown or expired session", fasthttp.StatusUnauthorized)
		return "", false
	}
	return user, true
}

// directoryAnswer is the body of GET api/directory.
type directoryAnswer struct {
	User          string   `json:"user"`
	Administrator bool     `json:"administrator"`
	Contacts      []string `json:"contacts"`
}

func (b *Board) serveDirectory(ctx *fasthttp.RequestCtx) {
	user, ok := b.user(ctx)
	if !ok {
		return
	}
	body, _ := json.Marshal(directoryAnswer{User: user, Administrator: b.cfg.IsAdministrator(user), Contacts: b.cfg.Contacts()})
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}

func (b *Board) serveMetrics(ctx *fasthttp.RequestCtx) {
	user, ok := b.user(ctx)
	if !ok {
		return
	}
	if !b.cfg.IsAdministrator(user) {
		ctx.Error("the operator view is for administrators", fasthttp.StatusForbidden)
		return
	}
	var buf bytes.Buffer
	b.cfg.Metrics(&buf)
	ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8")
	ctx.SetBody(buf.Bytes())
}
