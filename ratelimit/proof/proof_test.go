package proof_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office/officetest"
	"github.com/okienko/okienko/ratelimit/proof"
)

var key = []byte("test-proof-key")

func newChecker(t testing.TB, db *gorm.DB) (*proof.Checker, *okienko.ManualClock) {
	clock := okienko.NewManualClock(officetest.Anchor(t).At(0, 10, 0))
	return proof.New(db, clock, key, proof.Options{MaxNumber: 5000}), clock
}

// solved is a fresh challenge of c solved by the Go solver.
func solved(t testing.TB, c *proof.Checker) proof.Solution {
	t.Helper()
	ch, err := c.Challenge()
	if err != nil {
		t.Fatal(err)
	}
	s, ok := proof.Solve(context.Background(), ch)
	if !ok {
		t.Fatalf("no solution of %+v", ch)
	}
	return s
}

// refusedFor asserts err is the 403 of a bad proof, naming the field, with
// a message containing want.
func refusedFor(t *testing.T, what string, err error, want string) {
	t.Helper()
	e := okienko.AsError(err)
	if err == nil || e.Code != okienko.EFORBIDDEN || !strings.Contains(e.Fields[proof.Field], want) {
		t.Errorf("%s: %v (fields %v), want EFORBIDDEN naming %q with %q", what, err, e.Fields, proof.Field, want)
	}
}

// A challenge is ALTCHA's: the challenge is the SHA-256 of the salt and a
// number below maxnumber, signed by HMAC-SHA256 of the challenge; the salt
// carries its expiry by the clock.
func TestChallengeIsALTCHAs(t *testing.T) {
	c, clock := newChecker(t, databasetest.SQLite(t))
	ch, err := c.Challenge()
	if err != nil {
		t.Fatal(err)
	}
	if ch.Algorithm != "SHA-256" || ch.MaxNumber != 5000 {
		t.Fatalf("challenge %+v", ch)
	}
	want := fmt.Sprintf("?expires=%d&", clock.Now().Add(proof.DefaultTTL).Unix())
	if !strings.HasSuffix(ch.Salt, want) || len(ch.Salt) != 24+len(want) {
		t.Fatalf("salt %q, want 24 hex digits and %q", ch.Salt, want)
	}
	found := -1
	for n := 0; n <= 5000; n++ {
		sum := sha256.Sum256([]byte(ch.Salt + strconv.Itoa(n)))
		if hex.EncodeToString(sum[:]) == ch.Challenge {
			found = n
			break
		}
	}
	if found < 0 {
		t.Fatal("no number up to maxnumber hashes to the challenge")
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ch.Challenge))
	if hex.EncodeToString(m.Sum(nil)) != ch.Signature {
		t.Fatal("signature is not HMAC-SHA256(key, challenge)")
	}
	// ALTCHA's widget sends the payload with extra fields (took, test):
	// they are read past.
	raw, _ := json.Marshal(map[string]any{"algorithm": "SHA-256", "challenge": ch.Challenge, "number": found, "salt": ch.Salt, "signature": ch.Signature, "took": 412})
	if err := c.Verify(context.Background(), base64.StdEncoding.EncodeToString(raw)); err != nil {
		t.Fatalf("the widget's payload: %v", err)
	}
}

// A solution is good once; wrong numbers, foreign signatures, changed
// salts, expired challenges and garbage are refused, naming the proof, and
// spend nothing.
func TestVerify(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		c, clock := newChecker(t, db)

		s := solved(t, c)
		if err := c.Verify(ctx, s.Encode()); err != nil {
			t.Fatalf("first use: %v", err)
		}
		refusedFor(t, "replay", c.Verify(ctx, s.Encode()), "used already")

		s = solved(t, c)
		wrong := s
		wrong.Number++
		refusedFor(t, "wrong number", c.Verify(ctx, wrong.Encode()), "does not solve")
		other := proof.New(db, clock, []byte("another key"), proof.Options{MaxNumber: 5000})
		foreign := solved(t, other)
		refusedFor(t, "another key's challenge", c.Verify(ctx, foreign.Encode()), "bad signature")
		resigned := s
		resigned.Signature = strings.Repeat("0", 64)
		refusedFor(t, "bad signature", c.Verify(ctx, resigned.Encode()), "bad signature")
		later := s
		later.Salt = strings.Replace(s.Salt, "expires=", "expires=9", 1)
		refusedFor(t, "salt with a later expiry", c.Verify(ctx, later.Encode()), "does not solve")
		noExpiry := s
		noExpiry.Salt, _, _ = strings.Cut(s.Salt, "?")
		refusedFor(t, "salt without expiry", c.Verify(ctx, noExpiry.Encode()), "no expiry")
		md5 := s
		md5.Algorithm = "SHA-1"
		refusedFor(t, "another algorithm", c.Verify(ctx, md5.Encode()), "SHA-256")
		for _, junk := range []string{"", "not base64!", base64.StdEncoding.EncodeToString([]byte("[1,2]")), strings.Repeat("A", 2000)} {
			refusedFor(t, fmt.Sprintf("junk %.20q", junk), c.Verify(ctx, junk), "")
		}
		// None of the refusals spent the real solution; unpadded and URL
		// base64 read the same.
		if err := c.Verify(ctx, strings.TrimRight(s.Encode(), "=")); err != nil {
			t.Fatalf("the solution after the refusals: %v", err)
		}

		s = solved(t, c)
		clock.Advance(proof.DefaultTTL)
		refusedFor(t, "expired", c.Verify(ctx, s.Encode()), "expired")
	})
}

// Two dozen requests with one solution at once: exactly one passes, the
// others are refused as used.
func TestClaimRace(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := newChecker(t, db)
		s := solved(t, c)
		const n = 24
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = c.Verify(context.Background(), s.Encode()) })
		}
		wg.Wait()
		passed := 0
		for i, err := range errs {
			switch okienko.ErrorCode(err) {
			case "":
				passed++
			case okienko.EFORBIDDEN:
			default:
				t.Errorf("use %d: %v", i, err)
			}
		}
		if passed != 1 {
			t.Fatalf("%d of %d uses of one solution passed, want exactly 1", passed, n)
		}
	})
}

// Claims are forgotten a minute after their challenge expires, swept while
// new ones are claimed: the table holds no more than the live challenges.
func TestClaimsSwept(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		c, clock := newChecker(t, db)
		for range 3 {
			if err := c.Verify(ctx, solved(t, c).Encode()); err != nil {
				t.Fatal(err)
			}
		}
		count := func() int64 {
			var n int64
			if err := db.Table("proof_claims").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(); n != 3 {
			t.Fatalf("%d claims, want 3", n)
		}
		clock.Advance(proof.DefaultTTL)
		if n, err := c.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("sweep at expiry removed %d (%v), want 0: a minute's grace", n, err)
		}
		clock.Advance(time.Minute)
		if err := c.Verify(ctx, solved(t, c).Encode()); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 1 {
			t.Fatalf("%d claims after a claim past the expiry, want only the new one", n)
		}
	})
}

// The default difficulty is solved by the Go solver in well under a second.
func TestDefaultDifficulty(t *testing.T) {
	c := proof.New(databasetest.SQLite(t), okienko.SystemClock{}, key, proof.Options{})
	ch, err := c.Challenge()
	if err != nil || ch.MaxNumber != proof.DefaultMaxNumber {
		t.Fatalf("%+v %v", ch, err)
	}
	start := time.Now()
	s, ok := proof.Solve(context.Background(), ch)
	if !ok || c.Check(s) != nil {
		t.Fatalf("solution %+v %v", s, ok)
	}
	t.Logf("Go solved number %d of %d in %v", s.Number, ch.MaxNumber, time.Since(start))
}

// FuzzParse: any header is read without panicking, and what is read is
// read back the same from its encoding.
func FuzzParse(f *testing.F) {
	f.Add(proof.Solution{Algorithm: "SHA-256", Challenge: strings.Repeat("a", 64), Number: 42, Salt: "abc?expires=1&", Signature: strings.Repeat("b", 64)}.Encode())
	f.Add("")
	f.Add("e30")
	f.Add("eyJudW1iZXIiOi0xfQ==")
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"number":1e99}`)))
	f.Fuzz(func(t *testing.T, encoded string) {
		s, err := proof.Parse(encoded)
		if err != nil {
			if e := okienko.AsError(err); e.Code != okienko.EFORBIDDEN || e.Fields[proof.Field] == "" {
				t.Fatalf("error %v doesn't name the proof", err)
			}
			return
		}
		again, err := proof.Parse(s.Encode())
		if err != nil || again != s {
			t.Fatalf("%+v read back as %+v (%v)", s, again, err)
		}
	})
}
