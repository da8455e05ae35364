package web

import (
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
)

// openDataQueues is the answer of the open-data endpoint, in the format of
// the City of Warsaw's "kolejki w urzędach" API (api.um.warszawa.pl), so
// apps and portals that read Warsaw's offices read ours. Field types follow
// what Warsaw publishes: idGrupy, czasObslugi, status and lp are strings;
// liczbaKlwKolejce and liczbaCzynnychStan are numbers.
type openDataQueues struct {
	Result openDataResult `json:"result"`
}

type openDataResult struct {
	Date  string          `json:"date"` // YYYY-MM-DD in the office's zone
	Time  string          `json:"time"` // HH:MM in the office's zone
	Grupy []openDataGroup `json:"grupy"`
}

// openDataGroup is one matter's queue.
type openDataGroup struct {
	IDGrupy          string `json:"idGrupy"`          // the service id
	NazwaGrupy       string `json:"nazwaGrupy"`       // the service name
	LiteraGrupy      string `json:"literaGrupy"`      // the matter's letter: its own, else its department's prefix
	LiczbaKlwKolejce int    `json:"liczbaKlwKolejce"` // tickets waiting today
	// LiczbaKlwZdalnych is ours, not Warsaw's: of those waiting, the
	// tickets taken from the phone (the remote queue). Readers of Warsaw's
	// format skip a field they don't know.
	LiczbaKlwZdalnych  int    `json:"liczbaKlwZdalnych"`
	LiczbaCzynnychStan int    `json:"liczbaCzynnychStan"` // open (not paused) counters serving it
	AktualnyNumer      string `json:"aktualnyNumer"`      // the number called last today, "" when none
	CzasObslugi        string `json:"czasObslugi"`        // mean serving time in whole minutes
	Status             string `json:"status"`             // "1" served or open now, else "0"
	Lp                 string `json:"lp"`                 // 1-based position in the list
}

// openDataPrefix is where the open-data endpoints live: their errors are
// Warsaw's {"result":"false","error":"…"}, not problem+json.
const openDataPrefix = "/api/v1/open-data/"

// openDataError is the City of Warsaw API's error answer: result is the
// string "false".
type openDataError struct {
	Result string `json:"result"`
	Error  string `json:"error"`
}

// openDataFailure answers an error of an open-data endpoint in Warsaw's
// shape with the status errorHandler chose (its headers, Retry-After, kept)
// and the problem's detail, its field messages after it.
func openDataFailure(c *fiber.Ctx, p Problem) error {
	msg := p.Detail
	if msg == "" {
		msg = p.Title
	}
	fields := make([]string, 0, len(p.Errors))
	for f := range p.Errors {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	if len(fields) == 1 && p.Errors[fields[0]] == p.Detail {
		msg = fields[0] + ": " + p.Detail // okienko.Invalid: the message is the field's
	} else {
		for _, f := range fields {
			msg += "; " + f + ": " + p.Errors[f]
		}
	}
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(p.Status).JSON(openDataError{Result: "false", Error: msg})
}

// openDataOffice is one office in the list of GET /api/v1/open-data/offices:
// its id is what /open-data/queues?id= takes.
type openDataOffice struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// openDataOffices: GET /api/v1/open-data/offices — the offices whose queues
// the feed gives, by id. Public, cacheable for a minute, any origin.
func (s *Server) openDataOffices(c *fiber.Ctx) error {
	offs, err := s.Offices.Offices(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]openDataOffice, 0, len(offs))
	for _, o := range offs {
		out = append(out, openDataOffice{ID: o.ID, Name: o.Name})
	}
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(out)
}

// openDataQueues: GET /api/v1/open-data/queues?id= — every matter's queue
// of office id now, in the City of Warsaw's open-data format. Warsaw asks
// for the id; without one, as before offices had ids here, the answer is
// the installation's office (the first). An id that isn't a positive whole
// number is 422, an unknown one 404, both in Warsaw's error shape. Public,
// cacheable for 15 seconds, readable from any origin.
func (s *Server) openDataQueues(c *fiber.Ctx) error {
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	var officeID int64
	if c.Request().URI().QueryArgs().Has("id") {
		v := strings.TrimSpace(c.Query("id"))
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return okienko.Invalid("id", "must be the id of an office, a positive whole number (GET /api/v1/open-data/offices lists them)")
		}
		officeID = n
	}
	data, err := s.Queue.OpenData(c.UserContext(), officeID)
	if err != nil {
		return err
	}
	out := openDataQueues{Result: openDataResult{
		Date:  data.At.Format("2006-01-02"),
		Time:  data.At.Format("15:04"),
		Grupy: make([]openDataGroup, 0, len(data.Services)),
	}}
	for i, q := range data.Services {
		status := "0"
		if q.Active {
			status = "1"
		}
		out.Result.Grupy = append(out.Result.Grupy, openDataGroup{
			IDGrupy: strconv.FormatInt(q.ServiceID, 10), NazwaGrupy: q.Service, LiteraGrupy: q.Letter,
			LiczbaKlwKolejce: q.Waiting, LiczbaKlwZdalnych: q.WaitingRemote, LiczbaCzynnychStan: q.OpenCounters, AktualnyNumer: q.LastCalled,
			CzasObslugi: strconv.Itoa(q.ServiceMinutes), Status: status, Lp: strconv.Itoa(i + 1),
		})
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=15")
	return c.JSON(out)
}
