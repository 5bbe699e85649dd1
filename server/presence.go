package server

import (
	"time"

	"github.com/ucpresence/presence/engine"
	"github.com/ucpresence/presence/protocol"
)

// presenceEncoder turns engine updates into Presence V2 wire values. It keeps
// scratch slices so that steady-state encoding does not allocate; one per
// connection writer (not safe for concurrent use).
type presenceEncoder struct {
	user     string // the watching user (for log lines)
	lines    []protocol.AsnPresenceLine
	calls    []protocol.AsnPresenceCallV2
	forwards []protocol.AsnPresenceForward
	active   []protocol.AsnAppointmentEntry
	next     []protocol.AsnAppointmentEntry
	caps     protocol.AsnClientCapabilitiesV2
	absent   protocol.AsnAbsentStateV2
	note     protocol.AsnCustomNote
	agent    protocol.AsnAgentState
	rights   protocol.AsnActualUserDynamicRights
	contact  protocol.AsnNetDatabaseContact
}

// presence fills p with the sections of u that changed (u.Changed). Values
// of p point into the encoder's scratch space until the next call.
func (pe *presenceEncoder) presence(p *protocol.AsnPresenceV2, u *engine.Update) {
	s := u.Snapshot
	*p = protocol.AsnPresenceV2{ContactID: u.ContactID}
	ch := u.Changed
	if ch&engine.SectionPresence != 0 {
		p.PresenceState = protocol.Some(int64(s.State))
	}
	if ch&(engine.SectionData|engine.SectionImage) != 0 && s.Data != nil {
		fillContactData(&pe.contact, s.Data, s.SmallImage, ch&engine.SectionImage != 0)
		p.RemoteContact = &pe.contact
		if len(s.PropertyBag) > 0 {
			p.UserPropertyBag = &protocol.AsnUserPropertyBag{Properties: stringPairs(s.PropertyBag)}
		}
	}
	if ch&engine.SectionConfig != 0 {
		p.ContactFeatureSet = protocol.Some(int64(s.FeatureSet))
		p.StaticRights = protocol.Some(int64(s.StaticRights))
		p.StaticRights2 = protocol.Some(int64(s.StaticRights2))
		p.MonitorAccessRights = protocol.Some(int64(s.MonitorRights))
		pe.caps.ClientCapabilities = pe.caps.ClientCapabilities[:0]
		for _, c := range s.Capabilities.Values {
			pe.caps.ClientCapabilities = append(pe.caps.ClientCapabilities, int64(c))
		}
		pe.caps.CustomCapabilities = stringPairs(s.Capabilities.Custom)
		p.ContactCapabilitiesEx = &pe.caps
		if cur := u.CurrentRights; cur != nil {
			pe.rights = protocol.AsnActualUserDynamicRights{
				MinPossibleRights: wireRights(u.ContactID, cur.Min),
				MaxPossibleRights: wireRights(u.ContactID, cur.Max),
			}
			if cur.Current != nil {
				r := wireRights(u.ContactID, *cur.Current)
				pe.rights.CurrentRights = &r
			}
			p.CurrentUserDynamicRights = &pe.rights
		}
	}
	if ch&engine.SectionAbsentState != 0 {
		pe.absent = absentState(u.ContactID, s.Absent, s.State)
		p.AbsentState = &pe.absent
	}
	if ch&engine.SectionNote != 0 {
		pe.note = customNote(u.ContactID, s)
		p.CustomNote = &pe.note
	}
	if ch&engine.SectionAppointments != 0 {
		pe.active = appendAppointments(pe.active[:0], s.ActiveAppointments)
		pe.next = appendAppointments(pe.next[:0], s.NextAppointments)
		p.ActualAppointments = emptyNotNil(pe.active)
		p.NextAppointments = emptyNotNil(pe.next)
		if s.NextAppointment != nil && len(pe.next) > 0 {
			p.NextAppointment = &pe.next[0]
		}
	}
	if ch&engine.SectionLines != 0 {
		pe.lines = pe.lines[:0]
		for i := range s.Lines {
			l := &s.Lines[i]
			dnd := int64(0)
			if l.DoNotDisturb {
				dnd = 1
			}
			pe.lines = append(pe.lines, protocol.AsnPresenceLine{LinePhoneNumber: l.URI, LineNumber: l.Number, State: int64(l.State), DoNotDisturb: dnd, ForwardFeaturesPBX: int64(l.ForwardFeatures)})
		}
		p.PhoneLines = emptyNotNil(pe.lines)
	}
	if ch&engine.SectionCalls != 0 {
		pe.calls = pe.calls[:0]
		for _, c := range u.Calls {
			pe.calls = append(pe.calls, wireCall(c.Call, int64(c.Action)))
		}
		p.Calls = emptyNotNil(pe.calls)
	}
	if ch&engine.SectionForwards != 0 {
		pe.forwards = pe.forwards[:0]
		for i := range s.Forwards {
			f := &s.Forwards[i]
			w := protocol.AsnPresenceForward{LinePhoneNumber: f.LineURI, LineNumber: f.LineNumber, InternalID: int64(f.InternalID), Destination: f.Destination, ForwardMode: int64(f.Mode)}
			if f.NoAnswerTime != 0 {
				w.NoAnswerTime = protocol.Some(int64(f.NoAnswerTime))
			}
			pe.forwards = append(pe.forwards, w)
		}
		p.LineForwards = emptyNotNil(pe.forwards)
	}
	if ch&engine.SectionAgent != 0 {
		pe.agent = protocol.AsnAgentState{State: int64(s.Agent.State)}
		for _, d := range s.Agent.Details {
			pe.agent.Details = append(pe.agent.Details, protocol.AsnStringIntegerPair{Text: d.Name, Integer: int64(d.Value)})
		}
		p.AgentState = &pe.agent
	}
	if ch&engine.SectionGrouping != 0 {
		g := &protocol.AsnMonitorGroupingAttribute{}
		if s.Grouping != nil {
			g.AttributeGUID = optionalString(s.Grouping.GUID)
			g.AttributeShort = optionalString(s.Grouping.Short)
			g.AttributeLong = optionalString(s.Grouping.Long)
			g.AdditionalText = optionalString(s.Grouping.AdditionalText)
		}
		p.MonitorGroupingAttribute = g
	}
}

// emptyNotNil makes a cleared list section travel as [] (a present, empty
// section) rather than being omitted (which would mean "unchanged").
func emptyNotNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func wireRights(object string, r engine.Rights) protocol.AsnUserDynamicRights {
	return protocol.AsnUserDynamicRights{ObjectID: object, PresenceRights: int64(r.Presence), PhoneControlRightsPrimary: int64(r.PhonePrimary), PhoneControlRightsSecondary: int64(r.PhoneSecondary)}
}

func wireCall(c *engine.Call, action int64) protocol.AsnPresenceCallV2 {
	w := protocol.AsnPresenceCallV2{
		Action: action, ConnectionID: c.ConnectionID, LinePhoneNumber: c.LineURI, LineNumber: c.LineNumber,
		CurrentNumberSC: c.RemoteNumber, TrackerID: c.TrackerID, CallState: int64(c.State), Features: int64(c.Features),
		Outbound: c.Outbound, Internal: c.Internal, CallType: int64(c.Type), JournalCallType: int64(c.JournalType),
	}
	if c.Remote != nil {
		w.RemoteContact = contactData(c.Remote, nil, false)
	}
	return w
}

func absentState(id string, a *engine.AbsentState, state engine.PresenceState) protocol.AsnAbsentStateV2 {
	w := protocol.AsnAbsentStateV2{ContactID: id, AbsentState: int64(a.Kind), PresenceState: protocol.Some(int64(state))}
	if !a.From.IsZero() {
		w.TimeFrom = protocol.Some(protocol.NewSystemTime(a.From))
	}
	if !a.To.IsZero() {
		w.TimeTo = protocol.Some(protocol.NewSystemTime(a.To))
	}
	if a.HasReachability {
		w.Reachability = protocol.Some(int64(a.Reachability))
	}
	for _, x := range a.External {
		w.ExternalPresenceStates = append(w.ExternalPresenceStates, protocol.AsnExternalPresenceState{UserName: x.UserName, State: int64(x.State), Type: int64(x.Type)})
	}
	return w
}

func customNote(id string, s *engine.Snapshot) protocol.AsnCustomNote {
	name := ""
	if s.Data != nil {
		name = s.Data.DisplayName
	}
	return protocol.AsnCustomNote{ContactID: id, Username: name, Note: s.Note.Text}
}

func appendAppointments(dst []protocol.AsnAppointmentEntry, list []engine.Appointment) []protocol.AsnAppointmentEntry {
	for i := range list {
		dst = append(dst, wireAppointment(&list[i]))
	}
	return dst
}

func wireAppointment(a *engine.Appointment) protocol.AsnAppointmentEntry {
	w := protocol.AsnAppointmentEntry{
		EntryID: a.EntryID, Owner: a.Owner, DataSource: a.DataSource,
		Start: protocol.NewSystemTime(a.Start), End: protocol.NewSystemTime(a.End),
		Duration: int64(a.End.Sub(a.Start) / time.Minute), Subject: a.Subject, Text: a.Text, AllDay: a.AllDay,
		Status: int64(a.Status), Category: a.Category, Importance: int64(a.Importance), Sensitivity: int64(a.Sensitivity), IsValid: true,
	}
	if a.Location != "" {
		w.OptionalParams = protocol.AsnOptionalParameters{protocol.StringParam("Location", a.Location)}
	}
	return w
}

func stringPairs(list []engine.StringPair) []protocol.AsnStringPair {
	out := make([]protocol.AsnStringPair, len(list))
	for i, p := range list {
		out[i] = protocol.AsnStringPair{Key: p.Key, Value: p.Value}
	}
	return out
}

func optionalString(s string) protocol.Optional[string] {
	if s == "" {
		return protocol.Optional[string]{}
	}
	return protocol.Some(s)
}

// contactData maps contact data; empty fields are omitted. With image, the
// small picture travels in optionalParams "jpegPhoto", otherwise only its hash.
func contactData(d *engine.ContactData, img *engine.Image, image bool) *protocol.AsnNetDatabaseContact {
	w := &protocol.AsnNetDatabaseContact{}
	fillContactData(w, d, img, image)
	return w
}

// fillContactData is contactData into w (an encoder's scratch: the struct
// is ~1.3 KB, and a subscribe result of 50 contacts allocated one per
// entry).
func fillContactData(w *protocol.AsnNetDatabaseContact, d *engine.ContactData, img *engine.Image, image bool) {
	o := optionalString
	*w = protocol.AsnNetDatabaseContact{
		Found: o(d.Found), DatabaseName: o(d.DatabaseName), EntryIDDB: o(d.EntryIDDB), EntryIDStore: o(d.EntryIDStore), EntryID: o(d.EntryID),
		CtiServerUserName: o(d.CTIServerUserName), DisplayName: o(d.DisplayName), FirstName: o(d.FirstName), LastName: o(d.LastName),
		JobTitle: o(d.JobTitle), Company: o(d.Company), Department: o(d.Department), OfficeRoomNumber: o(d.OfficeRoomNumber), CustomerID: o(d.CustomerID),
		BusinessAddressStreet: o(d.BusinessAddress.Street), BusinessAddressPostalCode: o(d.BusinessAddress.PostalCode), BusinessAddressCity: o(d.BusinessAddress.City),
		BusinessAddressState: o(d.BusinessAddress.State), BusinessAddressCountry: o(d.BusinessAddress.Country),
		PrivateAddressStreet: o(d.PrivateAddress.Street), PrivateAddressPostalCode: o(d.PrivateAddress.PostalCode), PrivateAddressCity: o(d.PrivateAddress.City),
		PrivateAddressState: o(d.PrivateAddress.State), PrivateAddressCountry: o(d.PrivateAddress.Country),
		OtherAddressStreet: o(d.OtherAddress.Street), OtherAddressPostalCode: o(d.OtherAddress.PostalCode), OtherAddressCity: o(d.OtherAddress.City),
		OtherAddressState: o(d.OtherAddress.State), OtherAddressCountry: o(d.OtherAddress.Country),
		EMail: o(d.EMail), EMail2: o(d.EMail2), EMail3: o(d.EMail3), SIPAddress: o(d.SIPAddress), WebPageURL: o(d.WebPageURL),
		PhoneBusiness: o(d.PhoneBusiness), PhoneBusiness2: o(d.PhoneBusiness2), CompanyMainTelephoneNumber: o(d.CompanyMainPhone),
		AssistantTelephoneNumber: o(d.AssistantPhone), PhoneHome: o(d.PhoneHome), PhoneHome2: o(d.PhoneHome2), PrimaryTelephoneNumber: o(d.PrimaryPhone),
		PhoneMobile: o(d.PhoneMobile), CarTelephoneNumber: o(d.CarPhone), RadioTelephoneNumber: o(d.RadioPhone), PagerTelephoneNumber: o(d.PagerPhone),
		OtherTelephoneNumber: o(d.OtherPhone), CallbackTelephoneNumber: o(d.CallbackPhone), ISDNTelephoneNumber: o(d.ISDNPhone), TTYTTDTelephoneNumber: o(d.TTYTDDPhone),
		FaxBusiness: o(d.FaxBusiness), FaxHome: o(d.FaxHome), Body: o(d.Body), DirectWebLink: o(d.DirectWebLink),
	}
	for _, p := range d.CustomFields {
		w.CustomFields = append(w.CustomFields, protocol.AsnStringPair{Key: p.Key, Value: p.Value})
	}
	if d.Valid {
		w.Valid = protocol.Some(true)
	}
	// iPrivateContact and iCtiServerUser ([55], [56]); zero is omitted like
	// the empty strings above.
	if d.PrivateContact != 0 {
		w.PrivateContact = protocol.Some(int64(d.PrivateContact))
	}
	if d.CTIServerUser != 0 {
		w.CtiServerUser = protocol.Some(int64(d.CTIServerUser))
	}
	if img != nil {
		if image {
			w.OptionalParams = protocol.AsnOptionalParameters{protocol.BinaryParam("jpegPhoto", img.Data), protocol.StringParam("jpegPhotoHash", img.Hash)}
		} else {
			w.OptionalParams = protocol.AsnOptionalParameters{protocol.StringParam("jpegPhotoHash", img.Hash)}
		}
	}
}

var legacyUpdateOperation, _ = protocol.OperationByName("asnUpdatePresence")

// appendLegacyUpdate encodes asnUpdatePresence (V1) for clients that did not
// announce V2 events. Not a hot path: V1 clients are the exception.
func appendLegacyUpdate(dst []byte, p *protocol.AsnPresenceV2, u *engine.Update, wrapped bool) []byte {
	name := ""
	if u.Snapshot.Data != nil {
		name = u.Snapshot.Data.DisplayName
	}
	out, err := protocol.AppendEvent(dst, legacyUpdateOperation, &protocol.AsnUpdatePresenceArgument{Presence: protocol.LegacyPresence(p, name), ChangedFlags: int64(u.Changed)}, wrapped)
	if err != nil {
		panic("BUG: cannot encode asnUpdatePresence: " + err.Error())
	}
	return out
}
