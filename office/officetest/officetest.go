// Package officetest makes the small catalog most tests need: an office in
// Europe/Warsaw with one department and one service.
package officetest

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
)

// New creates office "Urząd Miasta" (Europe/Warsaw), department "Dowody
// osobiste" (prefix D, the demo hours: Monday 08:00–16:00, Tuesday–Friday
// 07:30–15:30) and service "Wniosek o dowód osobisty" with the default
// settings, changed by tune when given.
func New(t testing.TB, db *gorm.DB, clock okienko.Clock, tune func(*office.ServiceSpec)) (*office.Store, *office.Department, *office.Service) {
	t.Helper()
	ctx := context.Background()
	offices := office.NewStore(db, clock)
	if err := offices.CreateOffice(ctx, &office.Office{Name: "Urząd Miasta", TimeZone: "Europe/Warsaw"}); err != nil {
		t.Fatal(err)
	}
	ds := office.DefaultDepartmentSpec()
	ds.Name, ds.TicketPrefix = "Dowody osobiste", "D"
	dep, err := offices.CreateDepartment(ctx, ds)
	if err != nil {
		t.Fatal(err)
	}
	ss := office.DefaultServiceSpec()
	ss.DepartmentID, ss.Name = dep.ID, "Wniosek o dowód osobisty"
	if tune != nil {
		tune(&ss)
	}
	svc, err := offices.CreateService(ctx, ss)
	if err != nil {
		t.Fatal(err)
	}
	return offices, dep, svc
}
