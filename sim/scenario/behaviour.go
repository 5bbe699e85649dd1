package scenario

// Calls is the telephony behaviour of a persona. Each user's call arrivals
// are a non-homogeneous Poisson process with rate
// BusyHourRate × multiplier × curve(t) per hour, where the per-user
// multiplier is 1, or Gamma(RateSpread, 1/RateSpread) (mean 1) when
// RateSpread > 0.
type Calls struct {
	// BusyHourRate is the call attempts per user and hour at curve value
	// 1.0. Default 0 (no calls).
	BusyHourRate float64 `yaml:"busy_hour_rate"`
	// Curve names the diurnal curve of the rate; empty is flat.
	Curve string `yaml:"curve"`
	// RateSpread is the gamma shape k of the per-user rate multiplier
	// (heavy vs light callers; smaller is more spread). Default 0 (none).
	RateSpread float64 `yaml:"rate_spread"`
	// Holding is the talk time of an answered call. Default exponential 3m.
	Holding Distribution `yaml:"holding"`
	// Ring is the ringing time until answer or give-up. Default lognormal
	// 8s, sigma 0.5.
	Ring Distribution `yaml:"ring"`
	// SetupDelay is the time from dialing until the far end rings. Default 1s.
	SetupDelay Duration `yaml:"setup_delay"`
	// Outcomes are the probabilities of the call outcomes; they sum to 1.
	// Default answered 0.85, no_answer 0.10, busy 0.05.
	Outcomes Outcomes `yaml:"outcomes"`
	// InboundShare is the fraction of external calls that come in.
	// Default 0.5.
	InboundShare float64 `yaml:"inbound_share"`
	// InternalShare is the fraction of calls to a colleague; such a call
	// changes the presence of both users. Default 0.
	InternalShare float64 `yaml:"internal_share"`
	// InternalTargets says where internal calls go.
	InternalTargets InternalTargets `yaml:"internal_targets"`
	// Hold puts answered calls on hold for a while.
	Hold Hold `yaml:"hold"`
	// Forwards sets and clears call forwarding.
	Forwards Forwards `yaml:"forwards"`
}

// Outcomes are the probabilities of the outcome of a call attempt.
type Outcomes struct {
	// Answered calls ring, connect for a holding time and clear.
	Answered float64 `yaml:"answered"`
	// NoAnswer calls ring for the ring time and clear.
	NoAnswer float64 `yaml:"no_answer"`
	// Busy calls get a busy signal (outbound) or are rejected (inbound).
	Busy float64 `yaml:"busy"`
}

// InternalTargets are the probabilities that an internal call goes to the
// own team or the own department; the rest go anywhere in the company.
// Default team 0.5, department 0.3 (company 0.2).
type InternalTargets struct {
	// Team is the probability of calling a member of the own team.
	Team float64 `yaml:"team"`
	// Department is the probability of calling a member of the department.
	Department float64 `yaml:"department"`
}

// Hold puts a share of the answered calls on hold once.
type Hold struct {
	// Probability that an answered call is put on hold. Default 0.
	Probability float64 `yaml:"probability"`
	// Duration of the hold. Default exponential 30s.
	Duration Distribution `yaml:"duration"`
}

// Forwards sets call forwarding at a Poisson rate and clears it later.
type Forwards struct {
	// PerDay is the forward-set rate per user over the day. Default 0.
	PerDay float64 `yaml:"per_day"`
	// Duration until the forward is cleared. Default exponential 2h.
	Duration Distribution `yaml:"duration"`
	// InternalShare is the fraction of forwards to a team colleague, the
	// rest go to an external number (e.g. a mobile). Default 0.5.
	InternalShare float64 `yaml:"internal_share"`
}

// Calendar is the calendar behaviour of a persona.
type Calendar struct {
	// MeetingsPerDay is the mean number of random meetings per user and
	// day (Poisson). Default 0.
	MeetingsPerDay float64 `yaml:"meetings_per_day"`
	// Window is the span of the day in which random meetings start.
	// Default 08:00..18:00.
	Window Window `yaml:"window"`
	// Curve names a curve that weights the start time within Window;
	// empty is uniform.
	Curve string `yaml:"curve"`
	// StartSlots are the weights of the minute of the hour a meeting
	// starts at. Default {":00": 0.6, ":30": 0.3, ":15": 0.05, ":45": 0.05}.
	StartSlots map[Minute]float64 `yaml:"start_slots"`
	// Durations are the weights of the scheduled meeting lengths.
	// Default {30m: 0.6, 1h: 0.4}.
	Durations map[Duration]float64 `yaml:"durations"`
	// Status are the weights of the free/busy status of a meeting.
	// Default busy 0.8, tentative 0.1, free 0.05, out_of_office 0.05.
	Status StatusMix `yaml:"status"`
	// RecurringShare is the fraction of meetings that are occurrences of a
	// recurring series. Default 0.
	RecurringShare float64 `yaml:"recurring_share"`
	// AllDayShare is the probability that a user has an all-day (free)
	// appointment today. Default 0.
	AllDayShare float64 `yaml:"all_day_share"`
	// OutOfOfficeDayShare is the probability that a user is out of office
	// all day: an all-day OOF appointment, an immediate forward, no client
	// logins and no own calls. Default 0.
	OutOfOfficeDayShare float64 `yaml:"out_of_office_day_share"`
	// EarlyEnd ends a share of the meetings early (the user shortens the
	// appointment when leaving).
	EarlyEnd Adjustment `yaml:"early_end"`
	// Overrun extends a share of the meetings (the user extends the
	// appointment shortly before its end).
	Overrun Adjustment `yaml:"overrun"`
	// DoNotDisturbShare is the fraction of busy meetings during which the
	// user also sets do-not-disturb manually. Default 0.
	DoNotDisturbShare float64 `yaml:"dnd_share"`
	// SyncInterval is the poll interval of the calendar replication: a
	// change made at t becomes visible at the next multiple of it. Default
	// 0 (pushed immediately).
	SyncInterval Duration `yaml:"sync_interval"`
	// Fixed are meetings at a fixed time for a share of the users, e.g. a
	// third of the company at 10:00.
	Fixed []FixedMeeting `yaml:"fixed"`
}

// Window is a span of the day.
type Window struct {
	// From is the start of the window.
	From TimeOfDay `yaml:"from"`
	// To is the end of the window (exclusive).
	To TimeOfDay `yaml:"to"`
}

// StatusMix are the weights of the four appointment statuses.
type StatusMix struct {
	// Busy makes the user busy.
	Busy float64 `yaml:"busy"`
	// Tentative sets the appointment flag only.
	Tentative float64 `yaml:"tentative"`
	// Free sets the appointment flag only.
	Free float64 `yaml:"free"`
	// OutOfOffice makes the user absent.
	OutOfOffice float64 `yaml:"out_of_office"`
}

// Adjustment changes the end of a share of the meetings by a random span.
type Adjustment struct {
	// Probability that a meeting is adjusted. Default 0.
	Probability float64 `yaml:"probability"`
	// By is the span the end moves by. Default exponential 10m.
	By Distribution `yaml:"by"`
}

// FixedMeeting is a meeting at a fixed time that a share of the users
// attend, the calendar's correlated burst.
type FixedMeeting struct {
	// Start is the time of day. Required.
	Start TimeOfDay `yaml:"start"`
	// Duration of the meeting. Required.
	Duration Duration `yaml:"duration"`
	// Share of the persona's users that attend. Required.
	Share float64 `yaml:"share"`
	// Status of the appointment. Default busy.
	Status AppointmentStatus `yaml:"status"`
	// Recurring marks the meeting as an occurrence of a series.
	Recurring bool `yaml:"recurring"`
}

// Clients is the client behaviour of a persona.
type Clients struct {
	// Devices are the client kinds a user may run. Default one desktop
	// client for every user; an explicit empty list means no clients.
	Devices []Device `yaml:"devices"`
	// Idle is the inactivity behaviour of desktop and web clients.
	Idle Idle `yaml:"idle"`
	// Manual is the rate of manual status changes.
	Manual Manual `yaml:"manual"`
	// Notes is the rate of presence notes.
	Notes Notes `yaml:"notes"`
	// Reconnect is the connection-loss behaviour.
	Reconnect Reconnect `yaml:"reconnect"`
	// SlowReaderShare is the fraction of sessions that read their socket
	// slowly (to exercise back-pressure). Default 0.
	SlowReaderShare float64 `yaml:"slow_reader_share"`
}

// Device is one client kind with its login and logout laws.
type Device struct {
	// Kind is desktop, web or mobile. Required.
	Kind DeviceKind `yaml:"kind"`
	// Share of the persona's users that run this client. Default 1.
	Share float64 `yaml:"share"`
	// Login is the law of the login time. Default normal, mean 08:00,
	// stddev 20m.
	Login TimeDistribution `yaml:"login"`
	// Logout is the law of the logout time; a logout earlier than 30m
	// after login is moved to login+30m. Default normal, mean 17:00,
	// stddev 45m.
	Logout TimeDistribution `yaml:"logout"`
}

// Idle is when desktop and web clients report the user idle.
type Idle struct {
	// After is the inactivity before a client reports idle after the user
	// walks away (lunch). Screen locks report at once. Default 5m.
	After Duration `yaml:"after"`
	// Lunch is the midday idle wave.
	Lunch Lunch `yaml:"lunch"`
	// ScreenLock is the rate of short absences with a locked screen.
	ScreenLock ScreenLock `yaml:"screen_lock"`
}

// Lunch is the midday break.
type Lunch struct {
	// Share of the users that take a lunch break. Default 0.
	Share float64 `yaml:"share"`
	// Start is the law of the break's start. Default normal, mean 12:15,
	// stddev 20m.
	Start TimeDistribution `yaml:"start"`
	// Duration of the break. Default lognormal 40m, sigma 0.3.
	Duration Distribution `yaml:"duration"`
}

// ScreenLock is a Poisson process of short absences while logged in.
type ScreenLock struct {
	// PerHour is the lock rate while logged in. Default 0.
	PerHour float64 `yaml:"per_hour"`
	// Duration of a lock. Default lognormal 8m, sigma 0.8.
	Duration Distribution `yaml:"duration"`
}

// Manual is the rate of manual status changes (do-not-disturb, busy, out
// of office, available), each reset after a while.
type Manual struct {
	// PerHour is the change rate while logged in, at curve value 1.
	// Default 0.
	PerHour float64 `yaml:"per_hour"`
	// Curve names the diurnal curve of the rate; empty is flat.
	Curve string `yaml:"curve"`
	// States are the weights of the chosen state. Default
	// do_not_disturb 0.4, busy 0.3, out_of_office 0.3.
	States ManualStates `yaml:"states"`
	// Duration until the user resets the state. Default exponential 30m.
	Duration Distribution `yaml:"duration"`
}

// ManualStates are the weights of the manual states.
type ManualStates struct {
	// Available (explicitly "not absent").
	Available float64 `yaml:"available"`
	// Busy.
	Busy float64 `yaml:"busy"`
	// DoNotDisturb.
	DoNotDisturb float64 `yaml:"do_not_disturb"`
	// OutOfOffice (away).
	OutOfOffice float64 `yaml:"out_of_office"`
}

// Notes is the rate of presence notes.
type Notes struct {
	// PerHour is the note rate while logged in. Default 0.
	PerHour float64 `yaml:"per_hour"`
	// Duration until the note is cleared. Default exponential 1h.
	Duration Distribution `yaml:"duration"`
	// LunchShare is the fraction of lunch breaks announced with a note
	// "back at HH:MM", cleared on return. Default 0.
	LunchShare float64 `yaml:"lunch_share"`
}

// Reconnect is the connection-loss and reconnect behaviour.
type Reconnect struct {
	// DropsPerDay is the rate of connection losses per session and
	// (virtual) day. Default 0.
	DropsPerDay float64 `yaml:"drops_per_day"`
	// Outage is how long the network stays down. Default exponential 10s.
	Outage Distribution `yaml:"outage"`
	// Backoff is the client's reconnect schedule.
	Backoff Backoff `yaml:"backoff"`
}

// Backoff is an exponential reconnect backoff with jitter: attempt k waits
// min(Max, Initial·Multiplier^k) × (1 − Jitter·U), U uniform in [0,1).
type Backoff struct {
	// Initial is the first delay. Default 1s.
	Initial Duration `yaml:"initial"`
	// Max caps the delay. Default 1m.
	Max Duration `yaml:"max"`
	// Multiplier grows the delay per attempt. Default 2.
	Multiplier float64 `yaml:"multiplier"`
	// Jitter is the random fraction taken off each delay (0..1). Default 0.5.
	Jitter float64 `yaml:"jitter"`
}

// Agent is the contact-center agent behaviour. An agent is ready after the
// first login, busy while on a call, in working-after-call for a wrap-up
// time after each answered call, and takes not-ready breaks. Call arrivals
// that find the agent not ready are not offered to it (the ACD routes them
// to another agent).
type Agent struct {
	// NotReadyPerHour is the rate of not-ready breaks. Default 0.
	NotReadyPerHour float64 `yaml:"not_ready_per_hour"`
	// NotReady is the length of a break. Default exponential 5m.
	NotReady Distribution `yaml:"not_ready"`
	// WorkingAfterCall is the wrap-up time after an answered call.
	// Default exponential 30s.
	WorkingAfterCall Distribution `yaml:"working_after_call"`
}
