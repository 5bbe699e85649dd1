package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"slices"
	"sync"
	"time"
)

// Bearer tokens are JWTs (RFC 7519) signed with HMAC-SHA256 ("HS256", RFC
// 7518 §3.2), built from the standard library only. The header is always
// {"alg":"HS256","typ":"JWT"}; a token whose header names any other
// algorithm ("none", "RS256", "HS512", ...) is refused before its
// signature is looked at, which rules out the algorithm-confusion attacks.

const (
	// MaxTokenLength bounds a token in bytes; ours are about 250.
	MaxTokenLength = 4096
	// MinSigningKeyLength is the shortest HS256 key accepted: RFC 7518 §3.2
	// requires a key at least as long as the hash output (256 bits).
	MinSigningKeyLength = 32
)

// tokenEncoding is base64url without padding, strict: one token has one
// spelling, so a signature cannot be replayed with altered trailing bits.
var tokenEncoding = base64.RawURLEncoding.Strict()

// headerSegment is the encoded header of every token we issue; verify takes
// a fast path when a token carries exactly this header.
var headerSegment = tokenEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// outgoingClaims is the payload of an issued token (NumericDates in whole
// seconds).
type outgoingClaims struct {
	Issuer    string `json:"iss,omitempty"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud,omitempty"`
	IssuedAt  int64  `json:"iat"`
	NotBefore int64  `json:"nbf"`
	Expires   int64  `json:"exp"`
	ID        string `json:"jti"`
}

// incomingClaims is the payload of a token being verified. NumericDates may
// be fractional (RFC 7519 §2); zero means absent.
type incomingClaims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  audience `json:"aud"`
	IssuedAt  float64  `json:"iat"`
	NotBefore float64  `json:"nbf"`
	Expires   float64  `json:"exp"`
}

// audience is the "aud" claim: a string or an array of strings.
type audience []string

// UnmarshalJSON accepts both spellings of "aud".
func (a *audience) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*a = audience{s}
		return nil
	}
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return err
	}
	*a = list
	return nil
}

// tokenCodec signs and verifies tokens with one key. Safe for concurrent
// use: its fields are read-only after newTokenCodec, and each call takes
// its own scratch from the pool.
type tokenCodec struct {
	key              []byte
	issuer, audience string
	leeway           time.Duration
	scratch          sync.Pool // *tokenScratch
}

// tokenScratch is one HMAC state (keyed) and a reusable byte buffer: keying
// an HMAC costs 5 allocations and 2 SHA-256 blocks, saved on every verify.
type tokenScratch struct {
	mac hash.Hash
	buf []byte
	sum []byte
}

func newTokenCodec(key []byte, issuer, audience string, leeway time.Duration) *tokenCodec {
	c := &tokenCodec{key: bytes.Clone(key), issuer: issuer, audience: audience, leeway: leeway}
	c.scratch.New = func() any {
		return &tokenScratch{mac: hmac.New(sha256.New, c.key), sum: make([]byte, 0, sha256.Size)}
	}
	return c
}

// randomKey returns a fresh random signing key.
func randomKey() ([]byte, error) {
	key := make([]byte, MinSigningKeyLength)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("auth: cannot make a signing key: %w", err)
	}
	return key, nil
}

// sign returns a token for subject valid from now for ttl.
func (c *tokenCodec) sign(subject string, now time.Time, ttl time.Duration) (string, error) {
	var id [12]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", fmt.Errorf("auth: cannot make a token id: %w", err)
	}
	payload, err := json.Marshal(outgoingClaims{
		Issuer:    c.issuer,
		Subject:   subject,
		Audience:  c.audience,
		IssuedAt:  now.Unix(),
		NotBefore: now.Unix(),
		Expires:   now.Add(ttl).Unix(),
		ID:        tokenEncoding.EncodeToString(id[:]),
	})
	if err != nil {
		return "", fmt.Errorf("auth: cannot encode claims: %w", err)
	}
	signed := make([]byte, 0, len(headerSegment)+1+tokenEncoding.EncodedLen(len(payload))+1+tokenEncoding.EncodedLen(sha256.Size))
	signed = append(signed, headerSegment...)
	signed = append(signed, '.')
	signed = tokenEncoding.AppendEncode(signed, payload)
	s := c.scratch.Get().(*tokenScratch)
	s.mac.Reset()
	s.mac.Write(signed)
	s.sum = s.mac.Sum(s.sum[:0])
	signed = append(signed, '.')
	signed = tokenEncoding.AppendEncode(signed, s.sum)
	c.scratch.Put(s)
	return string(signed), nil
}

// verify checks token at now and returns its subject. The order matters:
// shape, header (alg), signature, and only then the claims, so that an
// unsigned token never reaches the JSON decoder of the payload and "expired"
// (130) is only said of tokens we really issued.
func (c *tokenCodec) verify(token string, now time.Time) (string, *LogonError) {
	if len(token) > MaxTokenLength {
		return "", invalidCredentials()
	}
	first := indexDot(token, 0)
	second := indexDot(token, first+1)
	if first < 0 || second < 0 || indexDot(token, second+1) >= 0 {
		return "", invalidCredentials()
	}
	if token[:first] != headerSegment && !acceptableHeader(token[:first]) {
		return "", invalidCredentials()
	}

	s := c.scratch.Get().(*tokenScratch)
	defer c.scratch.Put(s)
	s.buf = append(s.buf[:0], token...)
	var signature [sha256.Size]byte
	if tokenEncoding.DecodedLen(len(token)-second-1) != sha256.Size {
		return "", invalidCredentials()
	}
	if n, err := tokenEncoding.Decode(signature[:], s.buf[second+1:]); err != nil || n != sha256.Size {
		return "", invalidCredentials()
	}
	s.mac.Reset()
	s.mac.Write(s.buf[:second])
	s.sum = s.mac.Sum(s.sum[:0])
	if !hmac.Equal(s.sum, signature[:]) {
		return "", invalidCredentials()
	}

	// The payload is decoded into the tail of buf, behind the token copy.
	payloadLength := tokenEncoding.DecodedLen(second - first - 1)
	s.buf = slices.Grow(s.buf[:len(token)], payloadLength)
	payload := s.buf[len(token) : len(token)+payloadLength]
	n, err := tokenEncoding.Decode(payload, s.buf[first+1:second])
	if err != nil {
		return "", invalidCredentials()
	}
	var claims incomingClaims
	if err := json.Unmarshal(payload[:n], &claims); err != nil {
		return "", invalidCredentials()
	}
	return c.checkClaims(&claims, now)
}

// checkClaims applies the time, issuer and audience rules.
func (c *tokenCodec) checkClaims(claims *incomingClaims, now time.Time) (string, *LogonError) {
	if claims.Subject == "" || !validDate(claims.Expires) || !validDate(claims.IssuedAt) || !validDate(claims.NotBefore) {
		return "", invalidCredentials()
	}
	if claims.Expires == 0 {
		return "", invalidCredentials() // a token without expiry is never ours
	}
	nowSeconds := float64(now.UnixNano()) / 1e9
	leeway := c.leeway.Seconds()
	if nowSeconds >= claims.Expires+leeway {
		return "", logonError(CodeTokenExpired, ErrTokenExpired.Msg)
	}
	if claims.NotBefore != 0 && nowSeconds+leeway < claims.NotBefore {
		return "", invalidCredentials()
	}
	if claims.IssuedAt != 0 && nowSeconds+leeway < claims.IssuedAt {
		return "", invalidCredentials()
	}
	if c.issuer != "" && claims.Issuer != c.issuer {
		return "", invalidCredentials()
	}
	if c.audience != "" && !slices.Contains(claims.Audience, c.audience) {
		return "", invalidCredentials()
	}
	return claims.Subject, nil
}

// validDate reports whether a NumericDate is absent (0) or a plausible
// number of seconds (not negative, not NaN, not infinite).
func validDate(v float64) bool {
	return v >= 0 && !math.IsInf(v, 0) && !math.IsNaN(v)
}

// acceptableHeader parses a header that is not byte-for-byte ours (another
// member order, a "kid"): alg must be exactly "HS256", typ absent or "JWT",
// and no "crit" extension (RFC 7515 §4.1.11: we understand none).
func acceptableHeader(segment string) bool {
	data, err := tokenEncoding.DecodeString(segment)
	if err != nil {
		return false
	}
	var header struct {
		Algorithm string          `json:"alg"`
		Type      *string         `json:"typ"`
		Critical  json.RawMessage `json:"crit"`
	}
	if err := json.Unmarshal(data, &header); err != nil {
		return false
	}
	if header.Algorithm != "HS256" || header.Critical != nil {
		return false
	}
	return header.Type == nil || *header.Type == "JWT"
}

func indexDot(s string, from int) int {
	if from < 0 || from > len(s) {
		return -1
	}
	for i := from; i < len(s); i++ {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}
