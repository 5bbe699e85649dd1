package engine

// rightsModel holds the dynamic rights lists. Until a list is configured the
// engine runs without rights: every watcher sees everything.
type rightsModel struct{}

func newRightsModel() *rightsModel { return &rightsModel{} }

// visibilityOf returns what watcher user may see of c.
func (e *Engine) visibilityOf(user string, c *contact) Visibility {
	return visibilityFull
}

// maybeChallenge starts a rights challenge of user on c when no rights exist.
func (e *Engine) maybeChallenge(user string, c *contact) {}

// groupsChanged re-evaluates rights after c's group membership changed.
func (e *Engine) groupsChanged(c *contact) {}
