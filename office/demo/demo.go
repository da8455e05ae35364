// Package demo seeds a demo office on the first start of an empty database:
// a town hall with four departments, their matters, counters, an
// administrator, a clerk and a kiosk, so that every surface has something to
// show.
package demo

import (
	"context"
	"crypto/rand"
	"fmt"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/office"
)

// Credentials are the demo sign-ins, to be shown once on the console.
// AdminUser and ClerkUser are empty when users existed before the seed and
// none were created. KioskToken is always new and is the only copy: the
// database keeps just its hash.
type Credentials struct {
	AdminUser     string
	AdminPassword string
	ClerkUser     string
	ClerkPassword string
	KioskToken    string
	// Generated is true when the passwords were generated (no administrator
	// password was given): print them once, they are not stored anywhere.
	Generated bool
}

// Seed fills an empty database with the demo office and returns its
// credentials. When an office already exists it does nothing and returns
// (nil, nil): seeding happens only on the first start.
//
// The administrator "admin" gets adminPassword; when adminPassword is empty a
// readable password is generated (Credentials.Generated). The clerk
// "urzednik" gets the same adminPassword when one is given, otherwise a
// generated password of its own. When users already exist (say, created from
// the shell before the first start) no demo users are created.
//
// Audit records name the actor in ctx, okienko.SystemActor when there is none.
// Errors are the stores' own: EINVALID (password) for an adminPassword the
// auth rules reject. The whole seed is one transaction: after a failure
// nothing of it is left, and the next start seeds again.
func Seed(ctx context.Context, offices *office.Store, users *auth.Store, adminPassword string) (*Credentials, error) {
	var creds *Credentials
	err := offices.Transaction(ctx, func(tx *gorm.DB) error {
		var err error
		creds, err = seed(ctx, offices.WithTx(tx), users.WithTx(tx), adminPassword)
		return err
	})
	if err != nil {
		return nil, err
	}
	return creds, nil
}

// seed is Seed in the stores' transaction.
func seed(ctx context.Context, offices *office.Store, users *auth.Store, adminPassword string) (*Credentials, error) {
	_, err := offices.Office(ctx)
	switch okienko.ErrorCode(err) {
	case "":
		return nil, nil
	case okienko.ENOTFOUND:
	default:
		return nil, err
	}

	creds := &Credentials{}
	hasUsers, err := users.HasUsers(ctx)
	if err != nil {
		return nil, err
	}
	if !hasUsers {
		if err := seedUsers(ctx, users, adminPassword, creds); err != nil {
			return nil, err
		}
	}

	o := &office.Office{Name: officeName, TimeZone: officeZone, Address: officeAddress}
	if err := offices.CreateOffice(ctx, o); err != nil {
		return nil, err
	}
	if err := seedCatalog(ctx, offices); err != nil {
		return nil, err
	}
	_, token, err := users.CreateKiosk(ctx, o.ID, kioskName)
	if err != nil {
		return nil, err
	}
	creds.KioskToken = token
	return creds, nil
}

// seedUsers creates the administrator and the clerk and records their
// passwords in creds.
func seedUsers(ctx context.Context, users *auth.Store, adminPassword string, creds *Credentials) error {
	creds.AdminPassword, creds.ClerkPassword = adminPassword, adminPassword
	if adminPassword == "" {
		creds.Generated = true
		creds.AdminPassword = newPassword()
		creds.ClerkPassword = newPassword()
	}
	for _, u := range []auth.UserSpec{
		{Username: adminUser, Password: creds.AdminPassword, Role: okienko.RoleAdmin, DisplayName: adminDisplayName},
		{Username: clerkUser, Password: creds.ClerkPassword, Role: okienko.RoleClerk, DisplayName: clerkDisplayName},
	} {
		if _, err := users.CreateUser(ctx, u); err != nil {
			return err
		}
	}
	creds.AdminUser, creds.ClerkUser = adminUser, clerkUser
	return nil
}

// seedCatalog creates the departments, their services and counters of the
// catalog, numbering counters across the office.
func seedCatalog(ctx context.Context, offices *office.Store) error {
	counterNo := 0
	for _, d := range catalog {
		spec := office.DefaultDepartmentSpec() // demo hours, tickets until 15 minutes before closing
		spec.Name, spec.TicketPrefix = d.name, d.prefix
		tr := departmentTranslations[d.name]
		spec.NameEN, spec.NameUK = tr.nameEN, tr.nameUK
		dep, err := offices.CreateDepartment(ctx, spec)
		if err != nil {
			return fmt.Errorf("demo department %s: %w", d.name, err)
		}
		serviceIDs := make([]int64, 0, len(d.services))
		for _, s := range d.services {
			svc, err := offices.CreateService(ctx, serviceSpec(dep.ID, s))
			if err != nil {
				return fmt.Errorf("demo service %s: %w", s.name, err)
			}
			serviceIDs = append(serviceIDs, svc.ID)
		}
		for range d.counters {
			counterNo++
			spec := office.CounterSpec{
				DepartmentID: dep.ID,
				Name:         fmt.Sprintf("Stanowisko %d", counterNo),
				ServiceIDs:   serviceIDs,
			}
			if _, err := offices.CreateCounter(ctx, spec); err != nil {
				return fmt.Errorf("demo counter %s: %w", spec.Name, err)
			}
		}
	}
	return nil
}

// serviceSpec returns the spec of demo service s in department departmentID,
// starting from the defaults.
func serviceSpec(departmentID int64, s demoService) office.ServiceSpec {
	spec := office.DefaultServiceSpec()
	spec.DepartmentID = departmentID
	spec.Name, spec.Description, spec.Instructions = s.name, s.description, s.instructions
	tr := serviceTranslations[s.name]
	spec.NameEN, spec.DescriptionEN, spec.InstructionsEN = tr.nameEN, tr.descriptionEN, tr.instructionsEN
	spec.NameUK, spec.DescriptionUK, spec.InstructionsUK = tr.nameUK, tr.descriptionUK, tr.instructionsUK
	spec.Keywords = tr.keywords
	spec.ProofOfWork = s.proofOfWork
	if s.slotMinutes > 0 {
		spec.SlotMinutes = s.slotMinutes
	}
	if s.capacity > 0 {
		spec.Capacity = s.capacity
	}
	spec.ConfirmMinutes = s.confirmMinutes
	return spec
}

// passwordAlphabet has no look-alikes (0/O, 1/l/I), so a password read off a
// console is typed right.
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newPassword returns a random password of 15 characters from
// passwordAlphabet in groups of five ("xxxxx-xxxxx-xxxxx"), about 74 bits.
func newPassword() string {
	const groups, size = 3, 5
	b := make([]byte, 0, groups*(size+1)-1)
	for g := range groups {
		if g > 0 {
			b = append(b, '-')
		}
		for range size {
			b = append(b, passwordAlphabet[randIndex(len(passwordAlphabet))])
		}
	}
	return string(b)
}

// randIndex returns a uniform random number in [0, n) from crypto/rand.
func randIndex(n int) int {
	limit := 256 - 256%n // reject bytes past the last whole multiple of n
	var buf [1]byte
	for {
		if _, err := rand.Read(buf[:]); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		if int(buf[0]) < limit {
			return int(buf[0]) % n
		}
	}
}
