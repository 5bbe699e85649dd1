package engine

// Visibility is what one watcher may see of one contact, derived from the
// effective rights (see rights.go and docs/RIGHTS.md). It is a small bit set
// so that it can live inside a subscription and key the per-snapshot cache
// of filtered views: materialising an update never looks rights up.
type Visibility uint16

// Visibility bits.
const (
	VisibilityPresence     Visibility = 1 << iota // state word, absent state, agent state, grouping
	VisibilityDataPublic                          // job title, company, business and mobile phone, image
	VisibilityDataCompany                         // office and business address, department
	VisibilityDataPersonal                        // private and other addresses and numbers
	VisibilityAppointments                        // public appointments (private ones as busy blocks)
	VisibilityPrivateAppts                        // details of private appointments
	VisibilityFirstLine                           // numbers, calls and forwards of the first line and device calls
	VisibilityOtherLines                          // numbers, calls and forwards of further lines
	// The bits below see no data: they keep features in the contact's
	// feature set (AsnContactFeatureSetEnum) that the watcher may use.
	VisibilitySetAbsent    // UR_PRESENCE_CHANGEABLE: eCONTACTFEATURESETABSENT
	VisibilityPickupFirst  // pickup right on the first line: eCONTACTFEATUREPICKUPL1
	VisibilityPickupOther  // pickup right on further lines: eCONTACTFEATUREPICKUPL2
	VisibilityForwardFirst // set-forwards right on the first line: eCONTACTFEATURESETFORWARDL1
	VisibilityForwardOther // set-forwards right on further lines: eCONTACTFEATURESETFORWARDL2

	// VisibilityNone is what a blocked or not-yet-granted watcher sees:
	// display name, e-mail and the note (which estos shows on every level).
	VisibilityNone Visibility = 0

	// visibilityAll is every bit above: the same as unfiltered.
	visibilityAll Visibility = 0x1FFF

	// visibilityFull means unfiltered: the contact itself, administrators,
	// and engines running without rights.
	visibilityFull Visibility = 0xFFFF
)

// FullVisibility returns the unfiltered visibility.
func FullVisibility() Visibility { return visibilityFull }

// Sections returns the sections a watcher with this visibility can receive
// at all. Changes to other sections are not even marked for it.
func (v Visibility) Sections() Section {
	if v == visibilityFull {
		return ^Section(0) &^ sectionRemoved
	}
	s := SectionData | SectionConfig | SectionNote
	if v&VisibilityPresence != 0 {
		s |= SectionPresence | SectionAbsentState | SectionAgent | SectionGrouping
	}
	if v&VisibilityDataPublic != 0 {
		s |= SectionImage
	}
	if v&VisibilityAppointments != 0 {
		s |= SectionAppointments
	}
	if v&(VisibilityFirstLine|VisibilityOtherLines) != 0 {
		s |= SectionLines | SectionCalls | SectionForwards
	}
	return s
}

// visibilityDelta returns the sections whose filtered content can differ
// between visibilities a and b: what a rights change makes visible or hidden
// (the configuration section, which always changes with them, is the
// caller's). Unfiltered and all-bits-set show the same content.
func visibilityDelta(a, b Visibility) Section {
	if a == visibilityFull {
		a = visibilityAll
	}
	if b == visibilityFull {
		b = visibilityAll
	}
	diff := a ^ b
	var s Section
	if diff&VisibilityPresence != 0 {
		s |= SectionPresence | SectionAbsentState | SectionAgent | SectionGrouping
	}
	if diff&VisibilityDataPublic != 0 {
		s |= SectionData | SectionImage
	}
	if diff&(VisibilityDataCompany|VisibilityDataPersonal) != 0 {
		s |= SectionData
	}
	if diff&(VisibilityAppointments|VisibilityPrivateAppts) != 0 {
		s |= SectionAppointments
	}
	if diff&(VisibilityFirstLine|VisibilityOtherLines) != 0 {
		s |= SectionLines | SectionCalls | SectionForwards
	}
	return s
}

// filterSnapshot builds the copy of s that a watcher with visibility v may
// see. Hidden sections are emptied; hidden fields are cleared. Calls are
// kept or dropped whole (never altered) so that per-watcher call tracking can
// compare call identities across versions.
func filterSnapshot(s *Snapshot, v Visibility) *Snapshot {
	f := &Snapshot{
		ContactID:     s.ContactID,
		Version:       s.Version,
		Published:     s.Published,
		FeatureSet:    filterFeatureSet(s.FeatureSet, v),
		StaticRights:  s.StaticRights,
		StaticRights2: s.StaticRights2,
		MonitorRights: s.MonitorRights,
		Note:          s.Note,
		Absent:        emptyAbsent,
		Capabilities:  s.Capabilities,
		Agent:         emptyAgent,
		visibility:    v,
	}
	if v&VisibilityPresence != 0 {
		f.State = s.State
		f.Absent = s.Absent
		f.Agent = s.Agent
		f.Grouping = s.Grouping
	}
	if s.Data != nil {
		f.Data = s.filtered.get(s.Data, v)
	}
	if v&VisibilityDataPublic != 0 {
		f.PropertyBag = s.PropertyBag
		f.SmallImage = s.SmallImage
		f.LargeImage = s.LargeImage
	}
	if v&VisibilityAppointments != 0 {
		f.ActiveAppointments = filterAppointments(s.ActiveAppointments, v)
		f.NextAppointments = filterAppointments(s.NextAppointments, v)
		if s.NextAppointment != nil {
			f.NextAppointment = filterAppointment(s.NextAppointment, v)
		}
	}
	lines := v & (VisibilityFirstLine | VisibilityOtherLines)
	switch lines {
	case VisibilityFirstLine | VisibilityOtherLines:
		f.Lines, f.Calls, f.Forwards = s.Lines, s.Calls, s.Forwards
	case 0:
	default:
		first := lines == VisibilityFirstLine
		for _, l := range s.Lines {
			if l.Primary == first {
				f.Lines = append(f.Lines, l)
			}
		}
		for _, c := range s.Calls {
			if lineVisible(s.Lines, c.LineURI, first) {
				f.Calls = append(f.Calls, c)
			}
		}
		for _, fw := range s.Forwards {
			if lineVisible(s.Lines, fw.LineURI, first) {
				f.Forwards = append(f.Forwards, fw)
			}
		}
	}
	return f
}

// lineVisible reports whether an item on lineURI belongs to the first line
// (first == true) or to a further line (first == false). Device calls (no
// line) and items on unknown lines count as first-line items.
func lineVisible(lines []Line, lineURI string, first bool) bool {
	primary := true
	if lineURI != "" {
		for i := range lines {
			if lines[i].URI == lineURI {
				primary = lines[i].Primary
				break
			}
		}
	}
	return primary == first
}

func filterAppointments(list []Appointment, v Visibility) []Appointment {
	if len(list) == 0 || v&VisibilityPrivateAppts != 0 {
		return list
	}
	out := make([]Appointment, len(list))
	for i := range list {
		out[i] = *filterAppointment(&list[i], v)
	}
	return out
}

// filterAppointment hides the details of a private appointment from a
// watcher without the private-appointment right: it keeps the times and the
// status (what the presence rule uses) and drops subject, text, location and
// category.
func filterAppointment(a *Appointment, v Visibility) *Appointment {
	if v&VisibilityPrivateAppts != 0 || !a.IsPrivate() {
		return a
	}
	c := *a
	c.Subject, c.Text, c.Location, c.Category = "", "", "", ""
	return &c
}

// filterData applies the contact-data table of docs/RIGHTS.md.
func filterData(d *ContactData, v Visibility) *ContactData {
	if v&(VisibilityDataPublic|VisibilityDataCompany|VisibilityDataPersonal) == VisibilityDataPublic|VisibilityDataCompany|VisibilityDataPersonal {
		return d
	}
	f := &ContactData{
		DisplayName:  d.DisplayName,
		FirstName:    d.FirstName,
		LastName:     d.LastName,
		EMail:        d.EMail,
		EMail2:       d.EMail2,
		EMail3:       d.EMail3,
		SIPAddress:   d.SIPAddress,
		EntryID:      d.EntryID,
		EntryIDDB:    d.EntryIDDB,
		EntryIDStore: d.EntryIDStore,
		DatabaseName: d.DatabaseName,
		Valid:        d.Valid,
	}
	if v&VisibilityDataPublic != 0 {
		f.JobTitle, f.Company = d.JobTitle, d.Company
		f.PhoneBusiness, f.PhoneBusiness2, f.PhoneMobile = d.PhoneBusiness, d.PhoneBusiness2, d.PhoneMobile
		f.CompanyMainPhone, f.PrimaryPhone, f.FaxBusiness = d.CompanyMainPhone, d.PrimaryPhone, d.FaxBusiness
		f.WebPageURL, f.CTIServerUserName, f.CTIServerUser = d.WebPageURL, d.CTIServerUserName, d.CTIServerUser
	}
	if v&VisibilityDataCompany != 0 {
		f.BusinessAddress, f.OfficeRoomNumber, f.Department = d.BusinessAddress, d.OfficeRoomNumber, d.Department
		f.AssistantPhone, f.CustomerID, f.DirectWebLink = d.AssistantPhone, d.CustomerID, d.DirectWebLink
	}
	if v&VisibilityDataPersonal != 0 {
		f.PrivateAddress, f.OtherAddress = d.PrivateAddress, d.OtherAddress
		f.PhoneHome, f.PhoneHome2, f.OtherPhone = d.PhoneHome, d.PhoneHome2, d.OtherPhone
		f.CarPhone, f.RadioPhone, f.PagerPhone = d.CarPhone, d.RadioPhone, d.PagerPhone
		f.CallbackPhone, f.ISDNPhone, f.TTYTDDPhone = d.CallbackPhone, d.ISDNPhone, d.TTYTDDPhone
		f.FaxHome, f.Body, f.CustomFields, f.PrivateContact = d.FaxHome, d.Body, d.CustomFields, d.PrivateContact
	}
	return f
}

// Feature bits of AsnContactFeatureSetEnum (ENetROSEInterface) that act on
// the contact on its behalf and so depend on the watcher's rights.
const (
	featureSetForwardFirst uint32 = 2    // eCONTACTFEATURESETFORWARDL1
	featureSetForwardOther uint32 = 4    // eCONTACTFEATURESETFORWARDL2
	featurePickupFirst     uint32 = 64   // eCONTACTFEATUREPICKUPL1
	featurePickupOther     uint32 = 128  // eCONTACTFEATUREPICKUPL2
	featureSetAbsent       uint32 = 2048 // eCONTACTFEATURESETABSENT
)

// filterFeatureSet removes from a contact's feature set what the watcher
// may not do ("server filters rights and permissions", ENetROSEInterface):
// a Public or blocked watcher is offered neither set-forward, pickup nor
// set-absent (the demo's 0x843 becomes 0x1, dial). Other features (dial,
// message, call control) are left as the contact's configuration says.
func filterFeatureSet(set uint32, v Visibility) uint32 {
	for _, f := range [...]struct {
		bit     uint32
		granted Visibility
	}{
		{featureSetForwardFirst, VisibilityForwardFirst}, {featureSetForwardOther, VisibilityForwardOther},
		{featurePickupFirst, VisibilityPickupFirst}, {featurePickupOther, VisibilityPickupOther},
		{featureSetAbsent, VisibilitySetAbsent},
	} {
		if v&f.granted == 0 {
			set &^= f.bit
		}
	}
	return set
}
