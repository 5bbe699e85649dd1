// Package protocol is the wire layer of the estos UCServer "Presence V2" client
// protocol: the ROSE JSON envelope (invoke, result, error, reject), the table of
// operations (ids, names and ASN.1 type names), the Go types of every argument and
// result the presence server handles, an allocation-free encoder for the hot
// presence events, and the raw TCP "J" framing.
//
// The package has no network code and no engine dependency: it turns bytes into
// typed values and typed values into bytes. Wire member names ("u8sContactId",
// "iPresenceState", ...) live only here; Go field names drop the Hungarian prefix.
//
// Value encodings follow the UCServer (esnacc C++ runtime):
//   - INTEGER and ENUMERATED are JSON numbers (Go int64), BOOLEAN is true/false;
//   - OCTET STRING is padded standard base64 (OctetString);
//   - AsnSystemTime is an ISO-8601 UTC string, "" for the zero time (SystemTime);
//   - absent OPTIONAL members are omitted, never null (Optional, nil pointers and
//     nil slices with the omitzero tag); mandatory lists are List and encode a nil
//     list as [];
//   - AsnOptionalParameters encodes as the key-to-value map form and decodes both
//     the map and the array form (AsnOptionalParameters);
//   - "_type" is written only on the top-level argument, result or error value.
//
// Concurrency: every function is safe for concurrent use; values are not
// synchronised and must not be mutated while another goroutine encodes them.
package protocol
