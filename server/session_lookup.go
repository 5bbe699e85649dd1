package server

import "github.com/ucpresence/presence/directory"

// SessionUser returns the user of a UCWeb session (created by
// /ws/client/createsession and not yet expired). Routes mounted next to the
// protocol (the board's small JSON API, server/board) use it to accept the
// same session id a client already holds instead of a second login.
func (s *Server) SessionUser(sessionID string) (*directory.User, bool) {
	if sessionID == "" {
		return nil, false
	}
	ws, ok := s.sessions.Load(sessionID)
	if !ok {
		return nil, false
	}
	return ws.user, true
}
