package server

import (
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/ucpresence/presence/directory"
	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
	"github.com/ucpresence/presence/server/auth"
)

// handle decodes and dispatches one message; false ends the connection.
func (c *conn) handle(msg []byte) bool {
	m, err := protocol.DecodeMessage(msg)
	if err != nil {
		var re *protocol.RejectError
		if errors.As(err, &re) {
			if re.ShouldSend() {
				c.queueReject(re.Reject, re.ArrayWrapped || c.wrapped)
			}
			return true
		}
		// No invoke id could be read: answer with an invokednull reject so
		// the client sees why, and keep the connection.
		c.sendReject(0, c.wrapped || (len(msg) > 0 && msg[0] == '['), protocol.ErrMistypedEnvelope, err.Error())
		return true
	}
	inv := m.Invoke
	if inv == nil {
		return true // results, errors and rejects: the server invokes nothing that needs them
	}
	// A UCWeb session socket wraps every answer as [ {...} ], whatever the
	// client sent: the SDK's browser samples send bare invokes and read
	// JSON.parse(data)[0] (docs/PROTOCOL.md §9).
	wrapped := m.ArrayWrapped || c.wrapped
	event := inv.IsEvent()
	if !c.allowInvoke(time.Now()) {
		if !event {
			c.sendReject(inv.InvokeID, wrapped, protocol.ErrServerBusy, "invoke rate limit exceeded")
		}
		return true
	}
	op := inv.Operation
	switch op.ID {
	case protocol.OperationKeepAlive, protocol.OperationTransportKeepAlive:
		return true
	case protocol.OperationLogoff:
		c.shutdown("logoff")
		return true
	case protocol.OperationNegotiateServerConnectionV2:
		c.negotiate(inv, wrapped)
		return true
	case protocol.OperationLoginV2:
		c.login(inv, wrapped)
		return true
	case protocol.OperationStartTLS:
		c.sendReject(inv.InvokeID, wrapped, protocol.ErrFunctionMissing, "StartTLS is not supported; use a TLS-terminating proxy")
		return true
	}
	if event && op.Name == "asnRequestMyPresenceRightsChallenge" {
		c.sendMyChallenges() // rights_settings.go
		return true
	}
	if event {
		return true // other client events (V1 idle state, challenge requests) carry nothing we act on
	}
	if op.Direction == protocol.ServerToClient {
		c.sendReject(inv.InvokeID, wrapped, protocol.ErrUnknownOperation, "")
		return true
	}
	if c.currentUser() == "" && inv.Authentication != nil {
		if !c.invokeAuthentication(inv, wrapped) {
			return true
		}
	}
	if c.currentUser() == "" {
		c.sendReject(inv.InvokeID, wrapped, protocol.ErrInvalidSessionID, "log in first (asnLoginV2 or a UCWeb session)")
		return true
	}
	arg, err := protocol.DecodeArgument(op, inv.Argument)
	if err == nil {
		if err = c.srv.checkArgument(arg); err != nil {
			c.srv.limits.argumentRejects.Add(1)
		}
	}
	if err != nil {
		c.sendReject(inv.InvokeID, wrapped, err, "")
		return true
	}
	// Hold the writer's pulls while the invoke runs: the answer is queued
	// before any event it causes (a subscribe's updates after its snapshots,
	// asnUpdateMyAbsentStateV2 after the asnSetUserAbsentState result).
	// The invariant "subscribe before update": docs/ARCHITECTURE.md,
	// section "Lock order".
	c.mu.Lock()
	c.holding++
	c.mu.Unlock()
	c.dispatch(inv, wrapped, arg)
	c.mu.Lock()
	c.holding--
	c.mu.Unlock()
	c.signal() // pull what arrived meanwhile
	return true
}

func (c *conn) currentUser() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user
}

// dispatch runs an authenticated invoke with its decoded argument.
func (c *conn) dispatch(inv *protocol.Invoke, wrapped bool, arg any) {
	user := c.currentUser()
	e := c.srv.cfg.Engine
	switch a := arg.(type) {
	case *protocol.AsnGetAndSubscribePresenceArgument:
		c.subscribe(inv, wrapped, a)
	case *protocol.AsnUnsubscribePresenceArgument:
		if w := c.currentWatcher(); w != nil {
			w.Unsubscribe(a.ContactIDs)
		}
		c.markEventVersion(a.ContactIDs, false) // forget V1 marks: the map stays bounded by the subscriptions
		c.result(inv, wrapped, &protocol.AsnUnsubscribePresenceResult{Result: 0})
	case *protocol.AsnSetDynamicRightsArgument:
		remote := a.RemoteContactID
		var explicit *engine.Rights
		if a.DynamicRights != nil {
			explicit = &engine.Rights{Presence: uint32(a.DynamicRights.PresenceRights), PhonePrimary: uint32(a.DynamicRights.PhoneControlRightsPrimary), PhoneSecondary: uint32(a.DynamicRights.PhoneControlRightsSecondary)}
			if a.DynamicRights.ObjectID != "" {
				remote = a.DynamicRights.ObjectID // "parameters ... are ignored": the object id names the remote (docs/PROTOCOL.md)
			}
		}
		entry, err := e.SetDynamicRights(user, a.OwnerContactID, remote, engine.Level(a.DynamicRightsLevel), explicit)
		if err != nil {
			c.rightsError(inv, wrapped, err)
			return
		}
		c.result(inv, wrapped, &protocol.AsnSetDynamicRightsResult{Result: 0, DynamicRights: wireRights(entry.Remote, entry.Rights)})
	case *protocol.AsnRemoveDynamicRightsArgument:
		if err := e.RemoveDynamicRights(user, a.OwnerContactID, a.RemoteContactID); err != nil {
			c.rightsError(inv, wrapped, err)
			return
		}
		c.result(inv, wrapped, &protocol.AsnRemoveDynamicRightsResult{Result: 0})
	case *protocol.AsnRequestLargeProfileImageArgument:
		s, ok := e.SnapshotFor(user, a.ContactID)
		var img *engine.Image
		if ok {
			img = s.LargeImage
		}
		res := protocol.AsnRequestLargeProfileImageResult{}
		res.Result, res.ImageData, res.ImageHash = imageResult(img, a.KnownHash)
		c.result(inv, wrapped, &res)
	case *protocol.AsnRequestContactImageArgument:
		s, ok := e.SnapshotFor(user, a.NetDatabaseContactID.EntryID)
		var img *engine.Image
		if ok {
			img = s.SmallImage
		}
		res := protocol.AsnRequestContactImageResult{}
		res.Result, res.ImageData, res.ImageHash = imageResult(img, a.KnownHash)
		c.result(inv, wrapped, &res)
	case *protocol.AsnSetUserAbsentStateArgument:
		if c.setAbsent(inv, wrapped, &a.AbsentState) {
			c.result(inv, wrapped, &protocol.AsnSetUserAbsentStateResult{Success: true})
		}
	case *protocol.AsnAbsentStateSetUserV2Argument:
		if c.setAbsent(inv, wrapped, &a.AbsentState) {
			c.result(inv, wrapped, &protocol.AsnAbsentStateSetUserV2Result{Success: true})
		}
	case *protocol.AsnAbsentStateSetUserArgument:
		v2 := a.AbsentState.AbsentStateV2()
		if c.setAbsent(inv, wrapped, &v2) {
			c.result(inv, wrapped, &protocol.AsnAbsentStateSetUserResult{Success: true})
		}
	case *protocol.AsnGetUserAbsentStateArgument:
		if st, ok := c.getAbsent(inv, wrapped, a.ContactID); ok {
			c.result(inv, wrapped, &protocol.AsnGetUserAbsentStateResult{AbsentState: st})
		}
	case *protocol.AsnAbsentStateGetUserV2Argument:
		if st, ok := c.getAbsent(inv, wrapped, a.ContactID); ok {
			c.result(inv, wrapped, &protocol.AsnAbsentStateGetUserV2Result{AbsentState: st})
		}
	case *protocol.AsnAbsentStateGetUserArgument:
		if st, ok := c.getAbsent(inv, wrapped, a.ContactID); ok {
			c.result(inv, wrapped, &protocol.AsnAbsentStateGetUserResult{AbsentState: protocol.LegacyAbsentState(&st, displayName(e, a.ContactID))})
		}
	case *protocol.AsnResetUserAbsentStateArgument:
		if c.resetAbsent(inv, wrapped, a.ContactID) {
			c.result(inv, wrapped, &protocol.AsnResetUserAbsentStateResult{})
		}
	case *protocol.AsnAbsentStateResetArgument:
		if c.resetAbsent(inv, wrapped, a.ContactID) {
			c.result(inv, wrapped, &protocol.AsnAbsentStateResetResult{})
		}
	case *protocol.AsnCustomNoteSetArgument:
		target := a.CustomNote.ContactID
		if target == "" {
			target = user
		}
		if !c.mayChangePresence(inv, wrapped, target) {
			return
		}
		if err := e.SetNote(target, a.CustomNote.Note); err != nil {
			c.engineError(inv, wrapped, err)
			return
		}
		c.result(inv, wrapped, &protocol.AsnCustomNoteSetResult{})
	case *protocol.AsnGetLoggedInContactArgument:
		if inv.Operation.Legacy {
			c.loggedInContactV1(inv, wrapped)
		} else {
			c.loggedInContact(inv, wrapped)
		}
	case *protocol.AsnGetUserTokenArgument:
		c.userToken(inv, wrapped)
	case *protocol.AsnGetSettingsDynamicRightsArgument:
		c.settingsDynamicRights(inv, wrapped, a) // rights_settings.go
	case *protocol.AsnSubscribeServicesArgument:
		c.result(inv, wrapped, &protocol.AsnSubscribeServicesResult{})
	default:
		c.sendReject(inv.InvokeID, wrapped, protocol.ErrFunctionMissing, "")
	}
}

func displayName(e *engine.Engine, id string) string {
	if s, ok := e.Snapshot(id); ok && s.Data != nil {
		return s.Data.DisplayName
	}
	return ""
}

func imageResult(img *engine.Image, known string) (int64, protocol.OctetString, protocol.Optional[string]) {
	switch {
	case img == nil:
		return 2, nil, protocol.Optional[string]{} // eNOIMAGEFOUND
	case img.Hash == known:
		return 1, nil, protocol.Some(img.Hash) // eIMAGEHASHNOTCHANGED
	}
	return 0, protocol.OctetString(img.Data), protocol.Some(img.Hash) // eIMAGEATTACHED
}

func (c *conn) currentWatcher() *engine.Watcher {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.watcher
}

// mayChangePresence allows a user to change its own absent state and note,
// and another's with the CHANGEABLE right ("set presence": Team and up).
func (c *conn) mayChangePresence(inv *protocol.Invoke, wrapped bool, target string) bool {
	user := c.currentUser()
	if target == user || c.srv.cfg.Engine.EffectiveRights(user, target).Presence&engine.RightChangeable != 0 {
		return true
	}
	c.requestError(inv, wrapped, int64(engine.RightsPermissionDenied), "permission denied: "+user+" may not change the presence of "+target)
	return false
}

func (c *conn) setAbsent(inv *protocol.Invoke, wrapped bool, w *protocol.AsnAbsentStateV2) bool {
	target := w.ContactID
	if target == "" {
		target = c.currentUser()
	}
	if !c.mayChangePresence(inv, wrapped, target) {
		return false
	}
	st := engine.AbsentState{Kind: engine.AbsentKind(w.AbsentState)}
	if t, ok := w.TimeFrom.Get(); ok {
		st.From = t.Time
	}
	if t, ok := w.TimeTo.Get(); ok {
		st.To = t.Time
	}
	if r, ok := w.Reachability.Get(); ok {
		st.Reachability, st.HasReachability = engine.Reachability(r), true
	}
	for _, x := range w.ExternalPresenceStates {
		st.External = append(st.External, engine.ExternalPresence{UserName: x.UserName, State: int32(x.State), Type: int32(x.Type)})
	}
	if err := c.srv.cfg.Engine.SetAbsentState(target, st); err != nil {
		c.engineError(inv, wrapped, err)
		return false
	}
	return true
}

func (c *conn) getAbsent(inv *protocol.Invoke, wrapped bool, id string) (protocol.AsnAbsentStateV2, bool) {
	if id == "" {
		id = c.currentUser()
	}
	s, ok := c.srv.cfg.Engine.SnapshotFor(c.currentUser(), id)
	if !ok {
		c.engineError(inv, wrapped, engine.ErrUnknownContact)
		return protocol.AsnAbsentStateV2{}, false
	}
	return absentState(id, s.Absent, s.State), true
}

func (c *conn) resetAbsent(inv *protocol.Invoke, wrapped bool, id string) bool {
	if id == "" {
		id = c.currentUser()
	}
	if !c.mayChangePresence(inv, wrapped, id) {
		return false
	}
	if err := c.srv.cfg.Engine.ResetAbsentState(id); err != nil {
		c.engineError(inv, wrapped, err)
		return false
	}
	return true
}

// subscribe serves asnGetAndSubscribePresenceV2 and its V1 name.
func (c *conn) subscribe(inv *protocol.Invoke, wrapped bool, a *protocol.AsnGetAndSubscribePresenceArgument) {
	c.srv.metrics.subscribeCalls.Add(1)
	w := c.currentWatcher()
	if w == nil {
		c.sendReject(inv.InvokeID, wrapped, protocol.ErrInvalidSessionID, "")
		return
	}
	if len(a.ContactIDs) > c.srv.cfg.MaxSubscriptionsPerCall {
		c.sendReject(inv.InvokeID, wrapped, protocol.ErrResponseTooBig, "")
		return
	}
	if w.Subscriptions()+len(a.ContactIDs) > c.srv.cfg.MaxSubscriptionsPerConn {
		c.requestError(inv, wrapped, 0, "subscription limit of this connection reached")
		return
	}
	opts := engine.SubscribeOptions{}
	if f, ok := a.EventFlagsToSubscribe.Get(); ok {
		opts.Events = engine.Section(f)
	}
	if f, ok := a.ContactDetailsReturnFilter.Get(); ok {
		opts.Return = engine.Section(f)
	}
	if b, ok := a.DontRequestPermissions.Get(); ok {
		opts.DontRequestPermissions = b
	}
	c.markEventVersion(a.ContactIDs, inv.Operation.Legacy)
	snaps, _, err := w.Subscribe(a.ContactIDs, opts, nil)
	if err != nil {
		c.engineError(inv, wrapped, err)
		return
	}
	if !inv.Operation.Legacy {
		c.subscribeResult(inv, wrapped, snaps) // answer.go
		return
	}
	list := make([]protocol.AsnPresenceV2, len(snaps))
	for i := range snaps {
		pe := presenceEncoder{user: c.currentUser()}
		pe.presence(&list[i], &snaps[i]) // a fresh encoder per entry: the list keeps its scratch
	}
	res := protocol.AsnGetAndSubscribePresenceResult{SubscribedPresence: make([]protocol.AsnPresence, len(list))}
	for i := range list {
		res.SubscribedPresence[i] = protocol.LegacyPresence(&list[i], displayName(c.srv.cfg.Engine, list[i].ContactID))
	}
	c.result(inv, wrapped, &res)
}

func (c *conn) loggedInContact(inv *protocol.Invoke, wrapped bool) {
	own, ok := c.ownContact()
	if !ok {
		c.engineError(inv, wrapped, engine.ErrUnknownContact)
		return
	}
	c.result(inv, wrapped, &protocol.AsnGetLoggedInContactV2Result{LoggedInUser: own.ContactID, OwnContact: own})
}

// ownContact builds the logged-in user's AsnContactV2.
func (c *conn) ownContact() (protocol.AsnContactV2, bool) {
	user := c.currentUser()
	s, ok := c.srv.cfg.Engine.Snapshot(user)
	if !ok {
		return protocol.AsnContactV2{}, false
	}
	own := protocol.AsnContactV2{
		ContactID: user, ContactFeatureSet: int64(s.FeatureSet), PresenceState: int64(s.State),
		StaticRights: int64(s.StaticRights), StaticRights2: int64(s.StaticRights2), MonitorAccessRights: int64(s.MonitorRights),
		AbsentState: absentState(user, s.Absent, s.State), CustomNote: customNote(user, s),
		UserPropertyBag: protocol.AsnUserPropertyBag{Properties: stringPairs(s.PropertyBag)},
	}
	if s.Data != nil {
		own.RemoteContact = *contactData(s.Data, s.SmallImage, false)
	}
	for i := range s.Lines {
		l := &s.Lines[i]
		typ := int64(2) // secondary
		if l.Primary {
			typ = 1
		}
		own.PhoneLines = append(own.PhoneLines, protocol.AsnContactPhoneLineV2{Type: typ, LinePhoneNumber: l.URI, Descriptor: l.Number, Number: l.Number, State: int64(l.State), DoNotDisturb: l.DoNotDisturb, ForwardFeaturesPBX: int64(l.ForwardFeatures)})
	}
	own.ActualAppointments = appendAppointments(nil, s.ActiveAppointments)
	if s.NextAppointment != nil {
		own.NextAppointment = wireAppointment(s.NextAppointment)
	}
	return own, true
}

// ---- session setup on the direct path ----

func (c *conn) negotiate(inv *protocol.Invoke, wrapped bool) {
	arg, err := protocol.DecodeArgument(inv.Operation, inv.Argument)
	if err != nil {
		c.sendReject(inv.InvokeID, wrapped, err, "")
		return
	}
	a := arg.(*protocol.AsnNegotiateServerConnectionV2Argument)
	if !interfaceVersionCompatible(a.MinSupportedInterfaceVersion, a.MaxSupportedInterfaceVersion) {
		c.result(inv, wrapped, &protocol.AsnNegotiateServerConnectionV2ResultChoice{Incompatible: &protocol.AsnNegotiateServerConnectionV2IncompatibleInterfaceVersion{ServerInterfaceVersion: serverInterfaceVersion}})
		return
	}
	c.mu.Lock()
	c.negotiated = true
	c.v2 = a.ClientCapabilities&4 != 0 // eASN1V2EVENTS
	c.mu.Unlock()
	c.result(inv, wrapped, &protocol.AsnNegotiateServerConnectionV2ResultChoice{Result: &protocol.AsnNegotiateServerConnectionV2Result{
		ServerType: 0, ServerInterfaceVersion: serverInterfaceVersion, AuthenticationMethod: 1,
		ServerTime: protocol.NewSystemTime(time.Now()), ServerVersion: c.srv.cfg.ServerVersion,
		ConnectionGUID: newID(), PresenceDomains: protocol.List[string]{},
	}})
}

func (c *conn) login(inv *protocol.Invoke, wrapped bool) {
	arg, err := protocol.DecodeArgument(inv.Operation, inv.Argument)
	if err != nil {
		c.sendReject(inv.InvokeID, wrapped, err, "")
		return
	}
	a := arg.(*protocol.AsnLoginV2Argument)
	c.mu.Lock()
	negotiated, already := c.negotiated, c.user != ""
	c.mu.Unlock()
	switch {
	case already:
		c.requestError(inv, wrapped, 113, "already authenticated")
		return
	case !negotiated:
		c.requestError(inv, wrapped, 105, "asnNegotiateServerConnectionV2 is required before asnLoginV2")
		return
	case a.Auth == nil:
		c.result(inv, wrapped, &protocol.AsnLoginV2Result{SupportedAuthMethods: &protocol.AsnLoginV2ResultSupportedAuthMethods{AuthMethodsOrdered: protocol.List[int64]{1, 5}}})
		return
	}
	var user *directory.User
	switch {
	case a.Auth.Basic != nil:
		login, password, ok := decodeBasic(a.Auth.Basic.Credential)
		if !ok {
			c.requestError(inv, wrapped, 101, "authBasic credential is not base64(user:password)")
			c.srv.metrics.loginFailures.Add(1)
			return
		}
		user, err = c.srv.cfg.Authenticator.Basic(login, password)
	case a.Auth.Bearer != nil:
		user, err = c.srv.cfg.Authenticator.Bearer(a.Auth.Bearer.JWT)
	default:
		c.requestError(inv, wrapped, 106, "supported authentication methods: authBasic, authBearer")
		return
	}
	if err != nil {
		c.srv.metrics.loginFailures.Add(1)
		code, msg := logonCode(err)
		c.log.Info("login failed", "code", code, "error", err)
		c.requestError(inv, wrapped, int64(code), msg)
		return
	}
	c.mu.Lock()
	v2 := c.v2
	c.mu.Unlock()
	if err := c.attach(user, v2, engine.DeviceDesktop); err != nil {
		c.engineError(inv, wrapped, err)
		return
	}
	res := &protocol.AsnLoginV2ResultSuccess{LoggedInUser: protocol.Some(user.ID)}
	if tok, err := c.srv.cfg.Authenticator.IssueToken(user.ID, 0); err == nil {
		res.Token = &protocol.AsnLoginV2Token{JWT: protocol.Some(tok)}
	}
	c.result(inv, wrapped, &protocol.AsnLoginV2Result{Succeeded: res})
}

// invokeAuthentication logs in with the ROSE envelope's per-invoke
// authentication; false (after a reject 10) when it fails.
func (c *conn) invokeAuthentication(inv *protocol.Invoke, wrapped bool) bool {
	credential := inv.Authentication.Auth
	var user *directory.User
	var err error
	switch strings.ToLower(credential.Method) {
	case "basic":
		raw := string(credential.AuthData)
		login, password, ok := strings.Cut(raw, ":")
		if !ok {
			login, password, ok = decodeBasic(raw)
		}
		if !ok {
			err = &auth.LogonError{Code: auth.CodeInvalidCredentials, Msg: "bad Basic authdata"}
		} else {
			user, err = c.srv.cfg.Authenticator.Basic(login, password)
		}
	case "jwt", "bearer":
		user, err = c.srv.cfg.Authenticator.Bearer(string(credential.AuthData))
	default:
		err = &auth.LogonError{Code: auth.CodeInvalidAuthMethod, Msg: "unsupported method " + credential.Method}
	}
	if err == nil {
		err = c.attach(user, true, engine.DeviceDesktop)
	}
	if err != nil {
		c.srv.metrics.loginFailures.Add(1)
		code, _ := logonCode(err)
		details := "authenticationFailed"
		if code == 131 {
			details = "temporaryLockedOut"
		}
		c.sendReject(inv.InvokeID, wrapped, protocol.ErrAuthenticationFailed, details)
		return false
	}
	return true
}

func decodeBasic(credential string) (login, password string, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(credential)
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

func logonCode(err error) (int, string) {
	var le *auth.LogonError
	if errors.As(err, &le) {
		return le.Code, le.Msg
	}
	return auth.CodeInternalError, "internal server error"
}

// attach makes the connection a logged-in client of user: a watcher for
// its subscriptions, a watcher of its own contact for the asnUpdateMy...
// events, and a client session in the engine (the user is online).
func (c *conn) attach(user *directory.User, v2 bool, device engine.Device) error {
	e := c.srv.cfg.Engine
	w := e.NewWatcher(engine.WatcherConfig{User: user.ID, Notify: c.signal})
	mine := e.NewWatcher(engine.WatcherConfig{User: user.ID, Notify: c.signal})
	if _, _, err := mine.Subscribe([]string{user.ID}, engine.SubscribeOptions{Events: engine.SectionAbsentState | engine.SectionNote, Return: engine.SectionPresence, DontRequestPermissions: true}, nil); err != nil {
		w.Close()
		mine.Close()
		return err
	}
	c.mu.Lock()
	c.user, c.v2, c.watcher, c.mine = user.ID, v2, w, mine
	c.mu.Unlock()
	if err := e.ClientLogin(user.ID, c.id, device); err != nil {
		c.log.Warn("client login not recorded", "user", user.ID, "error", err)
	}
	c.markAuthenticated()
	c.srv.metrics.logins.Add(1)
	c.signal()
	return nil
}

// ---- answers ----

func (c *conn) result(inv *protocol.Invoke, wrapped bool, v any) {
	out, err := protocol.AppendResult(nil, inv.InvokeID, inv.Operation, v, wrapped)
	if err != nil {
		c.log.Error("cannot encode result", "operation", inv.Operation.Name, "error", err)
		c.requestError(inv, wrapped, 0, "internal error encoding the result")
		return
	}
	c.answer(inv, wrapped, out)
}

// answer queues an encoded result, or reject 3 (responseIsTooBig) when the
// transport's framing cannot carry it (raw TCP: 9,999,999 bytes).
func (c *conn) answer(inv *protocol.Invoke, wrapped bool, out []byte) {
	if len(out) > c.t.maxPayload() {
		c.sendReject(inv.InvokeID, wrapped, protocol.ErrResponseTooBig, "")
		return
	}
	c.queue(out)
}

func (c *conn) requestError(inv *protocol.Invoke, wrapped bool, detail int64, msg string) {
	c.srv.metrics.errors.Add(1)
	c.queue(protocol.AppendError(nil, inv.InvokeID, &protocol.AsnRequestError{ErrorDetail: detail, ErrorString: msg}, wrapped))
}

func (c *conn) rightsError(inv *protocol.Invoke, wrapped bool, err error) {
	var re *engine.RightsError
	if errors.As(err, &re) {
		c.requestError(inv, wrapped, int64(re.Detail), re.Msg)
		return
	}
	c.engineError(inv, wrapped, err)
}

func (c *conn) engineError(inv *protocol.Invoke, wrapped bool, err error) {
	c.requestError(inv, wrapped, 0, err.Error())
}

// sendReject answers invokeID with a reject for err; details, when not
// empty, replace the standard details text.
func (c *conn) sendReject(invokeID int64, wrapped bool, err error, details string) {
	r := protocol.RejectFor(invokeID, err)
	if details != "" {
		r.Details = protocol.Some(details)
	}
	c.queueReject(r, wrapped)
}

func (c *conn) queueReject(r protocol.Reject, wrapped bool) {
	c.srv.metrics.rejects.Add(1)
	c.queue(protocol.AppendReject(nil, &r, wrapped))
}
