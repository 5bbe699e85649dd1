package driver

// Version is the simulator's version: written into the interval log and
// sent as the wire clients' ClientVersion at login.
const Version = "0.1"
