// Package jsonwrite is the module's one JSON string writer: protocol's
// append-style encoders and the ingest API's answers both escape through
// AppendString, so every JSON the server writes escapes strings the same
// way, byte-identical to encoding/json without HTML escaping (a fuzz test
// checks it).
package jsonwrite

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// jsonSafeASCII[b] is true for the ASCII bytes that appear unescaped inside a
// JSON string. HTML characters (<, >, &) are not escaped: the clients parse
// with JSON.parse and never embed the text in HTML.
var jsonSafeASCII = func() (table [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		table[b] = b != '"' && b != '\\'
	}
	return table
}()

// AppendString appends s as a JSON string literal. Quotes, backslashes and
// control characters are escaped, each byte of invalid UTF-8 becomes \ufffd,
// and U+2028/U+2029 are escaped (as encoding/json does), so the output is
// byte-identical to encoding/json with SetEscapeHTML(false).
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for index := 0; index < len(s); {
		b := s[index]
		if b < utf8.RuneSelf {
			if jsonSafeASCII[b] {
				index++
				continue
			}
			dst = append(dst, s[start:index]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			index++
			start = index
			continue
		}
		r, size := utf8.DecodeRuneInString(s[index:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:index]...)
			dst = append(dst, `\ufffd`...)
			index++
			start = index
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:index]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			index += size
			start = index
			continue
		}
		index += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
