// Package proof is the proof-of-work challenge that matters asking for it
// (office.ServiceSpec.ProofOfWork) put before booking, cancelling and
// looking bookings up. It speaks ALTCHA's version 1 format, so ALTCHA's own
// widget and libraries solve it too: the challenge is
// hex(SHA-256(salt + number)) for a secret number up to maxnumber, signed
// with hex(HMAC-SHA256(key, challenge)); the salt carries the challenge's
// end as "?expires=UNIX&". A solver tries numbers from 0 until the hash
// matches (about maxnumber/2 hashes on average) and hands back the payload
// {algorithm, challenge, number, salt, signature} as base64 JSON.
//
// A solution is good for one request: Verify claims its challenge in the
// proof_claims table in one statement, so a replay is refused on every
// instance sharing the database, until the challenge has expired anyway.
package proof

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
)

// Algorithm is the one hash the challenges use, by ALTCHA's name.
const Algorithm = "SHA-256"

// Field is the name errors give the solution: the API's X-Okienko-Proof
// header and the site's hidden form field.
const Field = "proof"

// DefaultMaxNumber is the difficulty when none is configured: a browser's
// Web Worker hashing with crypto.subtle solves it in about half a second on
// average (half the range is tried on average; see docs/BENCHMARKS.md).
const DefaultMaxNumber = 100_000

// MaxMaxNumber bounds a configured difficulty: beyond it a phone would work
// for minutes.
const MaxMaxNumber = 10_000_000

// DefaultTTL is how long a challenge may be solved and used: long enough
// to fill a form in, short enough to keep few claims. The site's solver
// (web/static/proof.js) solves again a solution older than 10 minutes.
const DefaultTTL = 15 * time.Minute

// Bounds of a solution read from a request, checked before any work.
const (
	maxEncodedLen = 1024
	maxSaltLen    = 200
)

// sweepEvery is how often, at most, a Checker deletes expired claims while
// it claims; sweepGrace keeps claims a little past their expiry so that
// instances whose clocks differ by less can't be tricked into a replay.
const (
	sweepEvery = time.Minute
	sweepGrace = time.Minute
)

// Challenge is what a client solves, in ALTCHA's JSON.
type Challenge struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	MaxNumber int64  `json:"maxnumber"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
}

// Solution is a solved challenge, ALTCHA's payload. Fields ALTCHA's widget
// adds (took, test) are ignored.
type Solution struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	Number    int64  `json:"number"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
}

// Encode returns the solution as the base64 JSON that Verify reads.
func (s Solution) Encode() string {
	b, _ := json.Marshal(s) // a struct of strings and a number always marshals
	return base64.StdEncoding.EncodeToString(b)
}

// Options tune a Checker; zero fields take the defaults.
type Options struct {
	MaxNumber int64         // difficulty: the secret number is below it
	TTL       time.Duration // how long a challenge lives
}

// Checker issues challenges and verifies their solutions. It is safe for
// concurrent use and holds no lock: replays are refused by the database.
type Checker struct {
	db        *gorm.DB
	clock     okienko.Clock
	key       []byte
	maxNumber int64
	ttl       time.Duration
	lastSweep atomic.Int64 // Unix seconds of the last sweep of this Checker
}

// New returns a Checker over db whose challenges are signed with key (the
// same on every instance) and timed by clock. A MaxNumber outside 1 to
// MaxMaxNumber, or a TTL below a minute, takes the default.
func New(db *gorm.DB, clock okienko.Clock, key []byte, o Options) *Checker {
	if o.MaxNumber < 1 || o.MaxNumber > MaxMaxNumber {
		o.MaxNumber = DefaultMaxNumber
	}
	if o.TTL < time.Minute {
		o.TTL = DefaultTTL
	}
	return &Checker{db: db, clock: clock, key: append([]byte(nil), key...), maxNumber: o.MaxNumber, ttl: o.TTL}
}

// KeyOf derives the key that signs challenges from the server's secret, so
// that every instance with the secret signs alike and the key serves
// nothing else.
func KeyOf(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("okienko proof-of-work challenge key v1"))
	return m.Sum(nil)
}

// MaxNumber is the difficulty of the Checker's challenges.
func (c *Checker) MaxNumber() int64 { return c.maxNumber }

// Challenge returns a new challenge that expires after the Checker's TTL.
// Errors are EINTERNAL (no randomness).
func (c *Checker) Challenge() (Challenge, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Challenge{}, okienko.Internal(fmt.Errorf("proof challenge: %w", err))
	}
	number := int64(binary.BigEndian.Uint64(b[12:]) % uint64(c.maxNumber))
	expires := c.clock.Now().Add(c.ttl).Unix()
	salt := hex.EncodeToString(b[:12]) + "?expires=" + strconv.FormatInt(expires, 10) + "&"
	ch := hashHex(salt, number)
	return Challenge{Algorithm: Algorithm, Challenge: ch, MaxNumber: c.maxNumber, Salt: salt, Signature: c.sign(ch)}, nil
}

func (c *Checker) sign(challenge string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(challenge))
	return hex.EncodeToString(m.Sum(nil))
}

// hashHex is ALTCHA's challenge of salt and number.
func hashHex(salt string, number int64) string {
	sum := sha256.Sum256([]byte(salt + strconv.FormatInt(number, 10)))
	return hex.EncodeToString(sum[:])
}

// Parse reads a solution sent as base64 JSON (standard or URL alphabet,
// padded or not). Errors are EFORBIDDEN naming Field: missing, too long, not
// base64, not the JSON of a solution.
func Parse(encoded string) (Solution, error) {
	encoded = strings.TrimSpace(encoded)
	switch {
	case encoded == "":
		return Solution{}, refused("required: a solved proof-of-work challenge")
	case len(encoded) > maxEncodedLen:
		return Solution{}, refused(fmt.Sprintf("must be at most %d characters", maxEncodedLen))
	}
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(encoded); err == nil {
			break
		}
	}
	if err != nil {
		return Solution{}, refused("must be base64")
	}
	var s Solution
	if err := json.Unmarshal(raw, &s); err != nil {
		return Solution{}, refused("must be the base64 of the JSON {algorithm, challenge, number, salt, signature}")
	}
	return s, nil
}

// Check verifies a solution without the database: the algorithm, the
// number's hash, the signature and the expiry by the Checker's clock.
// Errors are EFORBIDDEN naming Field.
func (c *Checker) Check(s Solution) error {
	if s.Algorithm != Algorithm {
		return refused(fmt.Sprintf("algorithm must be %s", Algorithm))
	}
	if len(s.Challenge) != 2*sha256.Size || len(s.Signature) != 2*sha256.Size || len(s.Salt) > maxSaltLen || s.Number < 0 {
		return refused("is not a challenge of this server")
	}
	expires, err := saltExpiry(s.Salt)
	if err != nil {
		return refused(err.Error())
	}
	if !hmac.Equal([]byte(s.Signature), []byte(c.sign(s.Challenge))) {
		return refused("is not a challenge of this server: bad signature")
	}
	if hashHex(s.Salt, s.Number) != s.Challenge {
		return refused("the number does not solve the challenge")
	}
	if c.clock.Now().Unix() >= expires {
		return refused("the challenge has expired; solve a new one")
	}
	return nil
}

// saltExpiry reads the expires parameter of an ALTCHA salt ("…?expires=UNIX").
// Every challenge of this package has one.
func saltExpiry(salt string) (int64, error) {
	_, query, ok := strings.Cut(salt, "?")
	if !ok {
		return 0, errors.New("is not a challenge of this server: no expiry")
	}
	params, err := url.ParseQuery(strings.TrimRight(query, "&"))
	if err != nil {
		return 0, errors.New("is not a challenge of this server: bad salt")
	}
	expires, err := strconv.ParseInt(params.Get("expires"), 10, 64)
	if err != nil || expires <= 0 {
		return 0, errors.New("is not a challenge of this server: no expiry")
	}
	return expires, nil
}

// claimSQL records a challenge as used; the insert that loses a race with
// another of the same challenge affects no row.
const claimSQL = `INSERT INTO proof_claims (challenge, expires_at) VALUES (?, ?) ON CONFLICT (challenge) DO NOTHING`

// Claim marks a checked solution's challenge as used, in one statement: of
// any number of claims of one challenge, on any instance, exactly one
// succeeds. Now and then it first deletes claims that have expired. Errors
// are EFORBIDDEN naming Field for a challenge already claimed, EINTERNAL.
func (c *Checker) Claim(ctx context.Context, s Solution) error {
	expires, err := saltExpiry(s.Salt)
	if err != nil {
		return refused(err.Error())
	}
	if err := c.sweepNow(ctx); err != nil {
		return err
	}
	res := c.db.WithContext(ctx).Exec(claimSQL, s.Challenge, expires)
	if res.Error != nil {
		return okienko.Internal(fmt.Errorf("proof claim: %w", res.Error))
	}
	if res.RowsAffected != 1 {
		return refused("this solution has been used already; solve a new challenge")
	}
	return nil
}

// Verify reads, checks and claims an encoded solution: nil means the
// request may go on and the solution is spent. Errors are EFORBIDDEN naming
// Field (missing, malformed, wrong, expired, used), EINTERNAL.
func (c *Checker) Verify(ctx context.Context, encoded string) error {
	s, err := Parse(encoded)
	if err != nil {
		return err
	}
	if err := c.Check(s); err != nil {
		return err
	}
	return c.Claim(ctx, s)
}

// sweepNow deletes expired claims when this Checker hasn't for sweepEvery.
// Claims are right without it; it only keeps the table small.
func (c *Checker) sweepNow(ctx context.Context) error {
	now := c.clock.Now()
	last := c.lastSweep.Load()
	if now.Unix()-last < int64(sweepEvery/time.Second) || !c.lastSweep.CompareAndSwap(last, now.Unix()) {
		return nil
	}
	_, err := c.Sweep(ctx)
	return err
}

// Sweep deletes the claims of challenges expired more than a minute ago and
// returns how many. Errors are EINTERNAL.
func (c *Checker) Sweep(ctx context.Context) (int64, error) {
	res := c.db.WithContext(ctx).Exec(`DELETE FROM proof_claims WHERE expires_at <= ?`, c.clock.Now().Add(-sweepGrace).Unix())
	if res.Error != nil {
		return 0, okienko.Internal(fmt.Errorf("proof claims sweep: %w", res.Error))
	}
	return res.RowsAffected, nil
}

// refused is the EFORBIDDEN of a missing or bad solution, naming Field.
func refused(msg string) error {
	return &okienko.Error{Code: okienko.EFORBIDDEN, Message: "proof of work " + msg, Fields: map[string]string{Field: msg}}
}

// Solve finds the number of ch by trying every number from 0 to its
// maxnumber, as a browser does, and returns the solution; false when none
// solves it (not a challenge of ALTCHA's kind) or ctx ends first.
func Solve(ctx context.Context, ch Challenge) (Solution, bool) {
	for n := int64(0); n <= ch.MaxNumber; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return Solution{}, false
		}
		if hashHex(ch.Salt, n) == ch.Challenge {
			return Solution{Algorithm: ch.Algorithm, Challenge: ch.Challenge, Number: n, Salt: ch.Salt, Signature: ch.Signature}, true
		}
	}
	return Solution{}, false
}
