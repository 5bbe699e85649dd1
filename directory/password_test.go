package directory

import (
	"errors"
	"strings"
	"testing"
)

func TestHashRoundTrip(t *testing.T) {
	encoded, err := HashPassword("correct horse", MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(encoded, "pbkdf2-sha256$1000$") || strings.Count(encoded, "$") != 3 {
		t.Fatalf("unexpected encoding %q", encoded)
	}
	for _, tc := range []struct {
		password string
		want     bool
	}{
		{"correct horse", true},
		{"correct horsE", false},
		{"correct horse ", false},
		{"", false},
	} {
		ok, err := VerifyPassword(encoded, tc.password)
		if err != nil || ok != tc.want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", tc.password, ok, err, tc.want)
		}
	}
	again, err := HashPassword("correct horse", MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	if again == encoded {
		t.Fatal("two hashes of the same password are equal: the salt is not random")
	}
}

func TestHashDefaultIterations(t *testing.T) {
	if testing.Short() {
		t.Skip("one full-cost derivation")
	}
	encoded, err := HashPassword("x", 0)
	if err != nil {
		t.Fatal(err)
	}
	h, err := parseHash(encoded)
	if err != nil || h.iterations != DefaultIterations {
		t.Fatalf("iterations %d, %v; want %d", h.iterations, err, DefaultIterations)
	}
}

func TestHashPasswordLimits(t *testing.T) {
	for _, iterations := range []int{-1, MinIterations - 1, MaxIterations + 1} {
		if _, err := HashPassword("x", iterations); err == nil {
			t.Errorf("HashPassword with %d iterations: no error", iterations)
		}
	}
	if _, err := HashPassword(strings.Repeat("x", MaxPasswordLength+1), MinIterations); err == nil {
		t.Error("overlong password: no error")
	}
	encoded, _ := HashPassword("x", MinIterations)
	if ok, _ := VerifyPassword(encoded, strings.Repeat("x", MaxPasswordLength+1)); ok {
		t.Error("overlong password verified")
	}
}

func TestBadHashes(t *testing.T) {
	good, err := HashPassword("x", MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	join := func(p ...string) string { return strings.Join(p, "$") }
	for name, encoded := range map[string]string{
		"empty":            "",
		"bcrypt":           "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
		"three parts":      join(parts[0], parts[1], parts[2]),
		"five parts":       good + "$x",
		"scheme":           join("pbkdf2-sha1", parts[1], parts[2], parts[3]),
		"iterations text":  join(parts[0], "many", parts[2], parts[3]),
		"iterations plus":  join(parts[0], "+1000", parts[2], parts[3]),
		"iterations zero":  join(parts[0], "01000", parts[2], parts[3]),
		"too few":          join(parts[0], "999", parts[2], parts[3]),
		"too many":         join(parts[0], "10000001", parts[2], parts[3]),
		"salt padded":      join(parts[0], parts[1], parts[2]+"==", parts[3]),
		"salt short":       join(parts[0], parts[1], parts[2][:10], parts[3]),
		"salt not base64":  join(parts[0], parts[1], "!!!!!!!!!!!!!!!!!!!!!!", parts[3]),
		"key short":        join(parts[0], parts[1], parts[2], parts[3][:40]),
		"key long":         join(parts[0], parts[1], parts[2], parts[3]+"AAAA"),
		"key url alphabet": join(parts[0], parts[1], parts[2], strings.NewReplacer("+", "-", "/", "_").Replace(parts[3])+strings.Repeat("-", 0)),
	} {
		if name == "key url alphabet" && !strings.ContainsAny(parts[3], "+/") {
			continue // this random key has no character that differs
		}
		if err := CheckHash(encoded); !errors.Is(err, ErrBadHash) {
			t.Errorf("%s: CheckHash(%q) = %v, want ErrBadHash", name, encoded, err)
		}
		if ok, err := VerifyPassword(encoded, "x"); ok || !errors.Is(err, ErrBadHash) {
			t.Errorf("%s: VerifyPassword = %v, %v", name, ok, err)
		}
	}
	if err := CheckHash(good); err != nil {
		t.Fatal(err)
	}
}
