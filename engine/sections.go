package engine

// Section is a set of Presence V2 data sections, encoded with the bit values
// of AsnPresenceSubscriptionFlags so that subscription flags, return filters
// and changed flags share one type with the wire.
type Section uint32

// Section bits (AsnPresenceSubscriptionFlags).
const (
	SectionPresence     Section = 1     // the presence state word
	SectionData         Section = 2     // contact data and property bag
	SectionImage        Section = 4     // the small image bytes inside the contact data
	SectionConfig       Section = 8     // feature set, static rights, monitor rights, current dynamic rights
	SectionAbsentState  Section = 16    // the manual absent state
	SectionNote         Section = 32    // the custom note
	SectionAppointments Section = 64    // active appointments and next appointment(s)
	SectionLines        Section = 128   // phone lines
	SectionCalls        Section = 256   // calls
	SectionForwards     Section = 512   // forwards
	SectionChallenges   Section = 1024  // the watcher's own rights-challenge list (no contact data)
	SectionRightsOwn    Section = 2048  // the watcher's own dynamic rights list changed
	SectionRightsGroup  Section = 4096  // a group rights list changed
	SectionRightsGlobal Section = 8192  // the global rights list changed
	SectionAgent        Section = 32768 // agent state
	SectionGrouping     Section = 65536 // monitor grouping attribute

	// SectionsDefault is what a subscription without explicit flags gets:
	// bits 1..512. Agent state and grouping attribute are opt-in, as the
	// ASN.1 says ("not part of the default value!").
	SectionsDefault Section = 1023

	// SectionsContact is every section that carries contact data.
	SectionsContact Section = 1023 | SectionAgent | SectionGrouping

	// sectionRemoved marks a pending removal of the contact. It is never
	// exposed in Update.Changed.
	sectionRemoved Section = 1 << 31
)

var sectionNames = []struct {
	bit  Section
	name string
}{
	{SectionPresence, "presence"}, {SectionData, "data"}, {SectionImage, "image"}, {SectionConfig, "config"},
	{SectionAbsentState, "absent"}, {SectionNote, "note"}, {SectionAppointments, "appointments"},
	{SectionLines, "lines"}, {SectionCalls, "calls"}, {SectionForwards, "forwards"},
	{SectionChallenges, "challenges"}, {SectionRightsOwn, "rights-own"}, {SectionRightsGroup, "rights-group"},
	{SectionRightsGlobal, "rights-global"}, {SectionAgent, "agent"}, {SectionGrouping, "grouping"},
}

// String lists the section names, e.g. "presence|calls".
func (s Section) String() string {
	out := ""
	for _, n := range sectionNames {
		if s&n.bit != 0 {
			if out != "" {
				out += "|"
			}
			out += n.name
		}
	}
	if out == "" {
		return "none"
	}
	return out
}

// Has reports whether every bit of x is set in s.
func (s Section) Has(x Section) bool { return s&x == x }
