package booking

import (
	"context"
	"crypto/subtle"

	"github.com/okienko/okienko"
)

// Find returns the booking with code (with or without the dash, any case) if
// pesel is the one it was made with, for a resident to view it before
// cancelling. The same ENOTFOUND answers an unknown code and a wrong PESEL,
// so it is no oracle for either; EINVALID naming code or pesel when
// malformed.
func (s *Store) Find(ctx context.Context, code, pesel string) (*Booking, error) {
	fe := okienko.FieldErrors{}
	c, err := ParseCode(code)
	if err != nil {
		fe.Add("code", err.Error())
	}
	p, err := ParsePESEL(pesel)
	if err != nil {
		fe.Add("pesel", err.Error())
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	hash := p.HMAC(s.peselKey)
	b, err := byCode(s.db.WithContext(ctx), c)
	if okienko.ErrorCode(err) == okienko.ENOTFOUND {
		return nil, errNoBooking
	}
	if err != nil {
		return nil, err
	}
	if b.PESELHMAC == nil || subtle.ConstantTimeCompare([]byte(*b.PESELHMAC), []byte(hash)) != 1 {
		return nil, errNoBooking
	}
	return b, nil
}
