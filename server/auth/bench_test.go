package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ucpresence/presence/directory"
)

// naiveVerify is the baseline for BenchmarkBearer: the textbook
// verification, keying a new HMAC and decoding into fresh buffers per call.
func naiveVerify(key []byte, token string) (string, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != headerSegment {
		return "", false
	}
	signature, err := tokenEncoding.DecodeString(parts[2])
	if err != nil {
		return "", false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(mac.Sum(nil), signature) {
		return "", false
	}
	payload, err := tokenEncoding.DecodeString(parts[1])
	if err != nil {
		return "", false
	}
	var claims incomingClaims
	if json.Unmarshal(payload, &claims) != nil {
		return "", false
	}
	return claims.Subject, true
}

func benchToken(b *testing.B) (*Authenticator, string) {
	a := newTestAuth(b, nil, Config{Issuer: "presenced", Audience: "ucclients"})
	token, err := a.IssueToken("sip:ann@example.com", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	return a, token
}

// BenchmarkBearer is the verification of one token (a session setup with
// a token), from the raw string to the *directory.User.
func BenchmarkBearer(b *testing.B) {
	a, token := benchToken(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Bearer(token); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}

// BenchmarkBearerParallel is BenchmarkBearer on every core (the scratch
// pool must not serialise).
func BenchmarkBearerParallel(b *testing.B) {
	a, token := benchToken(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := a.Bearer(token); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}

// BenchmarkBearerNaive is the baseline: the textbook verification of the
// same token without the pooled HMAC and buffers, claims checks left out.
func BenchmarkBearerNaive(b *testing.B) {
	_, token := benchToken(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, ok := naiveVerify(testKey, token); !ok {
			b.Fatal("refused")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}

// BenchmarkIssueToken signs one token.
func BenchmarkIssueToken(b *testing.B) {
	a := newTestAuth(b, nil, Config{Issuer: "presenced", Audience: "ucclients"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.IssueToken("sip:ann@example.com", time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBasic is one password login at DefaultIterations: the cost a
// session setup with a password pays, and what bounds password guessing
// per core.
func BenchmarkBasic(b *testing.B) {
	hash, err := directory.HashPassword("pw", directory.DefaultIterations)
	if err != nil {
		b.Fatal(err)
	}
	d, err := directory.Parse("bench.yaml", []byte("users:\n  - {id: sip:b@x, login: b, password_hash: "+hash+"}\n"))
	if err != nil {
		b.Fatal(err)
	}
	a := newTestAuth(b, nil, Config{Directory: d})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Basic("b", "pw"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

// TestBearerAllocations guards the verification: it must stay below the
// naive one, and at 11 allocations (all in encoding/json: the decoder state
// and the iss, sub and aud strings), a new one shows up here.
func TestBearerAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	a := newTestAuth(t, nil, Config{Issuer: "presenced", Audience: "ucclients"})
	token, err := a.IssueToken("sip:ann@example.com", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	a.Bearer(token) // fill the pool
	pooled := testing.AllocsPerRun(200, func() { a.Bearer(token) })
	naive := testing.AllocsPerRun(200, func() { naiveVerify(testKey, token) })
	if pooled >= naive || pooled > 11 {
		t.Fatalf("Bearer allocates %.0f per call (naive %.0f): want fewer than naive and at most 11", pooled, naive)
	}
}
