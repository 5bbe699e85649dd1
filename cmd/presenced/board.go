package main

import (
	"io"
	"sync/atomic"

	"github.com/valyala/fasthttp"

	"github.com/ucpresence/presence/directory"
	"github.com/ucpresence/presence/server"
	"github.com/ucpresence/presence/server/board"
)

// boardRoutes mounts the presence board (server/board) at /board/ and
// returns the handler for GET / (a redirect to it). The board needs the
// server's sessions and metrics, and the server needs the routes first: srv
// is filled in once the server exists (requests only arrive after that).
func boardRoutes(dir *directory.Directory, srv *atomic.Pointer[server.Server]) (map[string]fasthttp.RequestHandler, fasthttp.RequestHandler, error) {
	users := dir.Users()
	ids := make([]string, len(users))
	admin := make(map[string]bool, len(users))
	for i, u := range users {
		ids[i] = u.ID
		admin[u.ID] = u.Administrator
	}
	b, err := board.New(board.Config{
		SessionUser: func(id string) (string, bool) {
			s := srv.Load()
			if s == nil {
				return "", false
			}
			u, ok := s.SessionUser(id)
			if !ok {
				return "", false
			}
			return u.ID, true
		},
		Contacts:        func() []string { return ids },
		IsAdministrator: func(user string) bool { return admin[user] },
		Metrics: func(w io.Writer) {
			if s := srv.Load(); s != nil {
				s.WriteMetrics(w)
			}
		},
	})
	if err != nil {
		return nil, nil, err
	}
	return b.Routes(), b.Redirect, nil
}
