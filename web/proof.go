package web

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/ratelimit/proof"
)

// Proof of work (DESIGN section 12): a matter with proof_of_work wants a
// solved challenge (ratelimit/proof) with every booking, cancelling by day
// and look-up by code. API clients read GET /api/v1/challenge and send the
// solution in ProofHeader; the site's forms solve it in the browser
// (static/proof.js) into the hidden field proof.Field. Which matter decides:
// the one named in the body for booking and cancelling by day; the booking's
// own for look-ups by code, so a code that names no booking answers 404 as
// before, and a booking of a matter without proof of work needs none.

// ProofHeader carries a solved challenge on the API: base64 of ALTCHA's JSON
// payload {algorithm, challenge, number, salt, signature}.
const ProofHeader = "X-Okienko-Proof"

// challengePath is where clients get a challenge; the site's forms name it.
const challengePath = "/api/v1/challenge"

// challenge: GET /api/v1/challenge — a new ALTCHA challenge, never cached.
func (s *Server) challenge(c *fiber.Ctx) error {
	ch, err := s.Proofs.Challenge()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(ch)
}

// proofOfService verifies and spends the solution when service id asks for
// proof of work; nil when it doesn't or doesn't exist (the domain call that
// follows says what is wrong with it). EFORBIDDEN naming proof, EINTERNAL.
func (s *Server) proofOfService(ctx context.Context, id int64, solution string) error {
	if id <= 0 {
		return nil
	}
	svc, err := s.Offices.Service(ctx, id)
	if okienko.ErrorCode(err) == okienko.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if !svc.ProofOfWork {
		return nil
	}
	return s.verifyProof(ctx, solution)
}

// proofOfMatters is proofOfService for the matters of a visit (ids, the
// first booking.MaxMatters looked at): a solved challenge when any of them
// asks for one, checked once.
func (s *Server) proofOfMatters(ctx context.Context, ids []int64, solution string) error {
	for _, id := range ids[:min(len(ids), booking.MaxMatters)] {
		if id <= 0 {
			continue
		}
		svc, err := s.Offices.Service(ctx, id)
		if okienko.ErrorCode(err) == okienko.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		if svc.ProofOfWork {
			return s.verifyProof(ctx, solution)
		}
	}
	return nil
}

// proofOfBooking is proofOfService for the matter of booking b.
func (s *Server) proofOfBooking(ctx context.Context, b *booking.Booking, solution string) error {
	return s.proofOfService(ctx, b.ServiceID, solution)
}

// proofOfCode is proofOfBooking for the booking the path's code names. A
// code that names no booking passes: the domain call that follows answers
// it (like a wrong PESEL where one is asked for).
func (s *Server) proofOfCode(c *fiber.Ctx, solution string) error {
	b, err := s.Bookings.Get(c.UserContext(), c.Params("code"))
	if err != nil {
		return nil
	}
	return s.proofOfBooking(c.UserContext(), b, solution)
}

// verifyProof verifies and spends a solution a matter asks for; a missing
// one is refused with where to get a challenge.
func (s *Server) verifyProof(ctx context.Context, solution string) error {
	if solution == "" {
		msg := "required: this matter asks for proof of work; solve a challenge of GET " + challengePath + " and send the solution in the " + ProofHeader + " header"
		return &okienko.Error{Code: okienko.EFORBIDDEN, Message: "proof of work " + msg, Fields: map[string]string{proof.Field: msg}}
	}
	return s.Proofs.Verify(ctx, solution)
}

// proofHeader is the request's solution on the API.
func proofHeader(c *fiber.Ctx) string { return c.Get(ProofHeader) }

// anyProofOfWork reports whether a form that serves every matter (the
// look-up by code, the cancelling by day) should solve a challenge.
func (s *Server) anyProofOfWork(c *fiber.Ctx) (bool, error) {
	return s.Offices.AnyProofOfWork(c.UserContext())
}

// proofFormErrors are a site form's errors for a refused proof: the summary
// asks for scripts when nothing was solved, else to send the form again
// (a fresh challenge is solved meanwhile).
func proofFormErrors(l *locale, solution string) *formErrors {
	msg := l.T("proof.retry")
	if solution == "" {
		msg = l.T("proof.needScripts")
	}
	return &formErrors{Fields: map[string]string{}, Summary: []errorItem{{Text: msg}}, Status: fiber.StatusForbidden}
}

// isProofRefusal reports an error that names the proof.
func isProofRefusal(err error) bool {
	e := okienko.AsError(err)
	return e.Code == okienko.EFORBIDDEN && e.Fields[proof.Field] != ""
}
