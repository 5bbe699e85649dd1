package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ucpresence/presence/directory"
)

// rawToken signs arbitrary header and payload JSON with key.
func rawToken(key []byte, header, payload string) string {
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(signed))
	return signed + "." + enc.EncodeToString(mac.Sum(nil))
}

var testKey = []byte(strings.Repeat("k", MinSigningKeyLength))

func TestTokenValid(t *testing.T) {
	clock := newFakeClock()
	a := newTestAuth(t, clock, Config{})
	token, err := a.IssueToken("sip:ann@example.com", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(token, ".") != 2 || !strings.HasPrefix(token, headerSegment+".") {
		t.Fatalf("token %q", token)
	}
	u, err := a.Bearer(token)
	if err != nil || u.ID != "sip:ann@example.com" {
		t.Fatalf("Bearer = %v, %v", u, err)
	}
	// The same token through the header, with every accepted scheme spelling.
	for _, h := range []string{"Bearer " + token, "bearer " + token, "JWT " + token, "  Bearer   " + token + " "} {
		if u, err := a.FromAuthorizationHeader(h); err != nil || u.ID != "sip:ann@example.com" {
			t.Errorf("header %q: %v, %v", h, u, err)
		}
	}
	// A token made by hand in another member order, with a kid, still verifies.
	now := clock.Now().Unix()
	other := rawToken(testKey, `{"typ":"JWT","kid":"1","alg":"HS256"}`, fmt.Sprintf(`{"sub":"sip:ann@example.com","exp":%d.5,"aud":["x"]}`, now+60))
	if _, err := a.Bearer(other); err != nil {
		t.Fatalf("hand-made token: %v", err)
	}
}

func TestTokenExpired(t *testing.T) {
	clock := newFakeClock()
	a := newTestAuth(t, clock, Config{Leeway: 10 * time.Second})
	token, err := a.IssueToken("sip:ann@example.com", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute + 9*time.Second) // inside the leeway
	if _, err := a.Bearer(token); err != nil {
		t.Fatalf("inside leeway: %v", err)
	}
	clock.Advance(time.Second)
	logon := wantCode(t, mustFail(a.Bearer(token)), CodeTokenExpired)
	if logon.Msg == "" {
		t.Fatal("empty message")
	}
	// Zero TTL means Config.TokenTTL (8 h by default).
	token, _ = a.IssueToken("sip:ann@example.com", 0)
	clock.Advance(8*time.Hour - time.Minute)
	if _, err := a.Bearer(token); err != nil {
		t.Fatalf("before the default TTL: %v", err)
	}
	clock.Advance(2 * time.Minute)
	wantCode(t, mustFail(a.Bearer(token)), CodeTokenExpired)
}

func mustFail(_ *directory.User, err error) error { return err }

func TestTokenRefused(t *testing.T) {
	clock := newFakeClock()
	a := newTestAuth(t, clock, Config{Issuer: "presenced", Audience: "ucclients"})
	token, err := a.IssueToken("sip:ann@example.com", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bearer(token); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(token, ".")
	now := clock.Now().Unix()
	claims := func(extra string) string {
		return fmt.Sprintf(`{"iss":"presenced","aud":"ucclients","sub":"sip:ann@example.com","iat":%d,"exp":%d%s}`, now, now+600, extra)
	}
	hs := `{"alg":"HS256","typ":"JWT"}`
	flip := func(s string) string { // change one character
		b := []byte(s)
		if b[5] == 'A' {
			b[5] = 'B'
		} else {
			b[5] = 'A'
		}
		return string(b)
	}
	otherKey := []byte(strings.Repeat("z", MinSigningKeyLength))
	cases := map[string]string{
		"empty":              "",
		"one part":           parts[0],
		"two parts":          parts[0] + "." + parts[1],
		"four parts":         token + ".x",
		"tampered signature": parts[0] + "." + parts[1] + "." + flip(parts[2]),
		"tampered payload":   parts[0] + "." + flip(parts[1]) + "." + parts[2],
		"signature padded":   token + "=",
		"signature short":    parts[0] + "." + parts[1] + "." + parts[2][:40],
		"alg none":           base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + ".",
		"alg none signed":    rawToken(testKey, `{"alg":"none"}`, claims("")),
		"alg None":           rawToken(testKey, `{"alg":"None"}`, claims("")),
		"alg hs256":          rawToken(testKey, `{"alg":"hs256"}`, claims("")),
		"alg HS512":          rawToken(testKey, `{"alg":"HS512"}`, claims("")),
		"alg RS256":          rawToken(testKey, `{"alg":"RS256"}`, claims("")),
		"alg missing":        rawToken(testKey, `{"typ":"JWT"}`, claims("")),
		"crit header":        rawToken(testKey, `{"alg":"HS256","crit":["exp"]}`, claims("")),
		"typ other":          rawToken(testKey, `{"alg":"HS256","typ":"at+jwt"}`, claims("")),
		"header not json":    rawToken(testKey, `alg=HS256`, claims("")),
		"wrong key":          rawToken(otherKey, hs, claims("")),
		"payload not json":   rawToken(testKey, hs, `sub=ann`),
		"no exp":             rawToken(testKey, hs, `{"iss":"presenced","aud":"ucclients","sub":"sip:ann@example.com"}`),
		"negative exp":       rawToken(testKey, hs, `{"iss":"presenced","aud":"ucclients","sub":"sip:ann@example.com","exp":-1}`),
		"exp as string":      rawToken(testKey, hs, fmt.Sprintf(`{"iss":"presenced","aud":"ucclients","sub":"sip:ann@example.com","exp":"%d"}`, now+600)),
		"no subject":         rawToken(testKey, hs, fmt.Sprintf(`{"iss":"presenced","aud":"ucclients","exp":%d}`, now+600)),
		"unknown subject":    rawToken(testKey, hs, fmt.Sprintf(`{"iss":"presenced","aud":"ucclients","sub":"sip:zed@example.com","exp":%d}`, now+600)),
		"not yet valid":      rawToken(testKey, hs, claims(fmt.Sprintf(`,"nbf":%d`, now+120))),
		"issued in future":   rawToken(testKey, hs, fmt.Sprintf(`{"iss":"presenced","aud":"ucclients","sub":"sip:ann@example.com","iat":%d,"exp":%d}`, now+120, now+600)),
		"wrong issuer":       rawToken(testKey, hs, fmt.Sprintf(`{"iss":"evil","aud":"ucclients","sub":"sip:ann@example.com","exp":%d}`, now+600)),
		"no issuer":          rawToken(testKey, hs, fmt.Sprintf(`{"aud":"ucclients","sub":"sip:ann@example.com","exp":%d}`, now+600)),
		"wrong audience":     rawToken(testKey, hs, fmt.Sprintf(`{"iss":"presenced","aud":["a","b"],"sub":"sip:ann@example.com","exp":%d}`, now+600)),
		"no audience":        rawToken(testKey, hs, fmt.Sprintf(`{"iss":"presenced","sub":"sip:ann@example.com","exp":%d}`, now+600)),
		"too long":           rawToken(testKey, hs, claims(`,"pad":"`+strings.Repeat("x", MaxTokenLength)+`"`)),
	}
	// The control: the claims helper itself makes a token that verifies.
	if _, err := a.Bearer(rawToken(testKey, hs, claims(""))); err != nil {
		t.Fatalf("control token refused: %v", err)
	}
	if _, err := a.Bearer(rawToken(testKey, hs, claims(fmt.Sprintf(`,"nbf":%d`, now+20)))); err != nil {
		t.Fatalf("nbf inside the leeway refused: %v", err)
	}
	for name, bad := range cases {
		_, err := a.Bearer(bad)
		wantCodeNamed(t, name, err, CodeInvalidCredentials)
	}
	// An expired token signed with another key is 101, not 130: "expired" is
	// only said of our own tokens.
	expired := rawToken(otherKey, hs, fmt.Sprintf(`{"iss":"presenced","aud":"ucclients","sub":"sip:ann@example.com","exp":%d}`, now-3600))
	wantCode(t, mustFail(a.Bearer(expired)), CodeInvalidCredentials)
}

func wantCodeNamed(t *testing.T, name string, err error, code int) {
	t.Helper()
	logon, ok := err.(*LogonError)
	if !ok || logon.Code != code {
		t.Errorf("%s: got %v, want logon error %d", name, err, code)
	}
}

func TestTokenRandomKeyPerInstance(t *testing.T) {
	d := testDirectory(t)
	a1, err := New(Config{Directory: d})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := New(Config{Directory: d})
	if err != nil {
		t.Fatal(err)
	}
	token, err := a1.IssueToken("sip:ann@example.com", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a1.Bearer(token); err != nil {
		t.Fatal(err)
	}
	wantCode(t, mustFail(a2.Bearer(token)), CodeInvalidCredentials)
	if _, err := New(Config{Directory: d, SigningKey: []byte("short")}); err == nil {
		t.Fatal("short signing key accepted")
	}
}

func TestIssueToken(t *testing.T) {
	a := newTestAuth(t, newFakeClock(), Config{})
	if _, err := a.IssueToken("sip:zed@example.com", time.Hour); err == nil {
		t.Error("token for an unknown user")
	}
	if _, err := a.IssueToken("sip:ben@example.com", time.Hour); err == nil {
		t.Error("token for a disabled user")
	}
	if _, err := a.IssueToken("sip:ann@example.com", -time.Second); err == nil {
		t.Error("negative lifetime accepted")
	}
	t1, _ := a.IssueToken("sip:ann@example.com", time.Hour)
	t2, _ := a.IssueToken("sip:ann@example.com", time.Hour)
	if t1 == t2 {
		t.Error("two tokens at the same instant are equal: no jti")
	}
}
