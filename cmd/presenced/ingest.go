package main

import (
	"io"
	"log/slog"

	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/server/auth"
)

// ingestRoutes mounts the ingest API. Until server/ingest lands it mounts nothing.
func ingestRoutes(e *engine.Engine, a *auth.Authenticator, token string, log *slog.Logger) (map[string]fasthttp.RequestHandler, func(io.Writer), error) {
	return nil, nil, nil
}
