package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
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
	LiteraGrupy      string `json:"literaGrupy"`      // the department's ticket prefix
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

// openDataQueues: GET /api/v1/open-data/queues — every matter's queue now,
// in the City of Warsaw's open-data format. Public, cacheable for 15
// seconds, readable from any origin.
func (s *Server) openDataQueues(c *fiber.Ctx) error {
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	data, err := s.Queue.OpenData(c.UserContext())
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
			IDGrupy: strconv.FormatInt(q.ServiceID, 10), NazwaGrupy: q.Service, LiteraGrupy: q.Prefix,
			LiczbaKlwKolejce: q.Waiting, LiczbaKlwZdalnych: q.WaitingRemote, LiczbaCzynnychStan: q.OpenCounters, AktualnyNumer: q.LastCalled,
			CzasObslugi: strconv.Itoa(q.ServiceMinutes), Status: status, Lp: strconv.Itoa(i + 1),
		})
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=15")
	return c.JSON(out)
}
