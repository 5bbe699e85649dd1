// presence.js: what a contact's AsnPresenceV2 means for a person looking at
// the board. Pure functions over the protocol's values (docs/BOARD.md §2).

// AsnPresenceStateEnum (low byte of iPresenceState) and AsnPresenceStateFlags.
export const STATE_MASK = 0xff;
export const STATE = { UNCONTROLLED: 0, AVAILABLE: 1, BUSY: 2, ABSENT: 3, DONOTDISTURB: 4, OUTOFORDER: 7 };
export const FLAG = {
  WORKINGAFTERCALL: 0x00010000, CONFERENCING: 0x00020000, RINGING: 0x01000000, APPOINTMENT: 0x02000000,
  CALL: 0x04000000, OFFLINE: 0x08000000, NOTESET: 0x10000000, IDLE: 0x20000000, MOBILE: 0x40000000,
};
// AsnAbsentStateEnum.
export const ABSENT = { NOTABSENT: 0, OUTOFOFFICE: 1, BUSY: 2, DONOTDISTURB: 3, NOTSET: 4 };
// EAsnCallState values that mean "the phone is ringing" and "talking".
const RINGING_CALL_STATES = new Set([2, 4, 8]); // offering, dialing, ringback
const TALKING_CALL_STATES = new Set([32, 64, 128]); // connected, conferenced, hold

// AsnAgentStateEnum.
export const AGENT_STATES = ['', 'agent: not ready', 'agent: ready', 'agent: busy', 'agent: wrap-up'];

// AsnPresenceSubscriptionFlags: the default sections (1..512), the
// challenge and rights-list notices of the own contact (1024, 2048, 4096,
// 8192) and the agent state (32768, "not part of the default").
export const SUBSCRIBE_FLAGS = 0x3ff | 1024 | 2048 | 4096 | 8192 | 32768;

const WEEKDAY = new Intl.DateTimeFormat('en-GB', { weekday: 'long' });
const CLOCK = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' });

// parseTime reads an AsnSystemTime ("" is no time).
export function parseTime(s) {
  if (!s) return null;
  const d = new Date(s);
  return isNaN(d.getTime()) ? null : d;
}

// until says when t is, as a person would: "11:00" today, "Monday" within
// a week, "3 Mar" later; now is injectable for tests.
export function until(t, now = new Date()) {
  if (!t) return '';
  const sameDay = t.toDateString() === now.toDateString();
  if (sameDay) return CLOCK.format(t);
  const days = (t - now) / 86400000;
  if (days > 0 && days < 7) return WEEKDAY.format(t);
  return DATE.format(t);
}

// describe returns {kind, text, detail} for a contact: kind is a CSS class
// (available, busy, away, dnd, offline, inactive, phone, meeting, unknown),
// text the short state text, detail an optional longer line.
export function describe(p, now = new Date()) {
  const word = p.iPresenceState || 0;
  const state = word & STATE_MASK;
  const absent = p.asnAbsentState || {};
  const to = parseTime(absent.stTimeTo);
  const untilText = to && to > now ? ' until ' + until(to, now) : '';
  if (state === STATE.UNCONTROLLED) return { kind: 'unknown', text: 'not shared', detail: 'no rights to see the presence' };

  const calls = p.seqCalls || [];
  const ringing = (word & FLAG.RINGING) || calls.some((c) => RINGING_CALL_STATES.has(c.eCallState));
  const talking = (word & FLAG.CALL) || calls.some((c) => TALKING_CALL_STATES.has(c.eCallState));
  const meeting = (p.seqActualAppointments || [])[0];
  const meetingEnd = meeting ? parseTime(meeting.stEnd) : null;
  const meetingUntil = meetingEnd ? ' until ' + until(meetingEnd, now) : '';
  const subject = meeting && meeting.u8sSubject ? meeting.u8sSubject : '';
  const offline = (word & FLAG.OFFLINE) !== 0;
  const mobile = word & FLAG.MOBILE ? 'reachable on mobile' : '';

  // The engine's base state already applies the rules (docs/PRESENCE-RULES.md):
  // do-not-disturb is never overridden, a call beats a meeting, a manual
  // state holds until a new system event. The flags and sections say why.
  if (state === STATE.DONOTDISTURB) return { kind: 'dnd', text: 'do not disturb' + untilText };
  if (ringing) return { kind: 'phone', text: 'on the phone: ringing' };
  if (talking) return { kind: 'phone', text: (word & FLAG.CONFERENCING) ? 'on the phone: conference' : 'on the phone: connected' };
  switch (state) {
    case STATE.ABSENT:
      if (absent.eAbsentState === ABSENT.OUTOFOFFICE) return { kind: 'away', text: 'out of office' + untilText, detail: offline ? 'offline' : '' };
      if ((word & FLAG.APPOINTMENT) && meeting) return { kind: 'away', text: 'out of office' + meetingUntil, detail: subject };
      if (offline) return { kind: 'offline', text: 'offline', detail: mobile };
      return { kind: 'away', text: 'absent' + untilText };
    case STATE.BUSY:
      if ((word & FLAG.APPOINTMENT) && meeting && absent.eAbsentState !== ABSENT.BUSY) {
        return { kind: 'meeting', text: 'in a meeting' + meetingUntil, detail: subject };
      }
      if (word & FLAG.WORKINGAFTERCALL) return { kind: 'busy', text: 'busy: wrap-up' };
      return { kind: 'busy', text: 'busy' + (absent.eAbsentState === ABSENT.BUSY ? untilText : ''), detail: offline ? 'offline' : '' };
    case STATE.AVAILABLE:
      if (offline) return { kind: 'offline', text: 'offline', detail: mobile };
      if (word & FLAG.IDLE) return { kind: 'inactive', text: 'inactive', detail: mobile };
      if ((word & FLAG.APPOINTMENT) && meeting) return { kind: 'available', text: 'available', detail: 'free: ' + (subject || 'appointment') + meetingUntil };
      return { kind: 'available', text: 'available' };
    case STATE.OUTOFORDER:
      return { kind: 'offline', text: 'out of order' };
  }
  return { kind: 'unknown', text: 'state ' + state };
}

// merge applies an asnUpdatePresenceV2 (only the changed sections are
// present) to the stored presence of the contact and returns it.
export function merge(stored, update) {
  const out = Object.assign({}, stored);
  for (const [key, value] of Object.entries(update)) {
    if (key === 'seqCalls') continue;
    if (key === 'asnRemoteContact') {
      const photo = photoOf(value);
      out.asnRemoteContact = value;
      if (photo) out.photo = photo;
      continue;
    }
    out[key] = value;
  }
  if (update.seqCalls) {
    // Calls carry iAction per watcher: 0 added, 1 changed, 2 removed; an
    // empty list clears the section (the watcher lost sight of it).
    const calls = new Map((stored.seqCalls || []).map((c) => [c.u8sConnectionID, c]));
    if (update.seqCalls.length === 0) calls.clear();
    for (const c of update.seqCalls) {
      if (c.iAction === 2) calls.delete(c.u8sConnectionID);
      else calls.set(c.u8sConnectionID, c);
    }
    out.seqCalls = [...calls.values()];
  }
  return out;
}

// photoOf returns a data: URL for the contact's jpegPhoto, or '' when none
// (the base64 is checked so that nothing but an image URL can come out).
export function photoOf(contact) {
  const p = contact && contact.optionalParams && contact.optionalParams.jpegPhoto;
  const b64 = p && typeof p === 'object' ? p.binarydata : null;
  if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return '';
  return 'data:image/jpeg;base64,' + b64;
}

// displayName is the name to show: display name, else first and last, else the id.
export function displayName(p) {
  const c = p.asnRemoteContact || {};
  return c.u8sDisplayName || [c.u8sFirstName, c.u8sLastName].filter(Boolean).join(' ') || p.u8sContactId;
}

// initials for the avatar placeholder.
export function initials(name) {
  const parts = String(name).replace(/^sip:/, '').split(/[\s@._-]+/).filter(Boolean);
  return ((parts[0] || '?')[0] + (parts.length > 1 ? parts[1][0] : '')).toUpperCase();
}

// Rights levels (iDynamicRights of asnSetDynamicRights) and the pattern
// bits of iPresenceRights that tell them apart (docs/RIGHTS.md).
export const LEVELS = [
  { name: 'blocked', value: 0, pattern: 0 },
  { name: 'public', value: 65536, pattern: 0x10000 },
  { name: 'company', value: 131072, pattern: 0x20000 },
  { name: 'team', value: 262144, pattern: 0x40000 },
  { name: 'personal', value: 524288, pattern: 0x80000 },
];

// levelOf names the level of an AsnUserDynamicRights entry.
export function levelOf(rights) {
  const bits = rights.iPresenceRights || 0;
  let best = 'blocked';
  for (const l of LEVELS) if (bits & l.pattern) best = l.name;
  if (best === 'blocked' && bits !== 0) return 'custom';
  return best;
}
