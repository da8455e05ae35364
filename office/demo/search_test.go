package demo_test

import (
	"context"
	"slices"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/demo"
)

// The demo matters by their Polish names, in groups the search table uses.
var (
	zameldowanie  = "Zameldowanie na pobyt stały lub czasowy"
	wymeldowanie  = "Wymeldowanie z pobytu stałego lub czasowego"
	zaswiadczenie = "Zaświadczenie o zameldowaniu"
	idCards       = []string{"Wniosek o wydanie dowodu osobistego", "Odbiór dowodu osobistego", "Zgłoszenie utraty lub uszkodzenia dowodu osobistego"}
	vehicles      = []string{"Rejestracja pojazdu kupionego w Polsce", "Rejestracja pojazdu sprowadzonego z Unii Europejskiej",
		"Odbiór stałego dowodu rejestracyjnego", "Zawiadomienie o zbyciu pojazdu", "Wyrejestrowanie pojazdu"}
	licences = []string{"Profil kandydata na kierowcę (PKK)", "Odbiór prawa jazdy", "Wymiana prawa jazdy", "Międzynarodowe prawo jazdy"}
)

func names(groups ...any) []string {
	var out []string
	for _, g := range groups {
		switch g := g.(type) {
		case string:
			out = append(out, g)
		case []string:
			out = append(out, g...)
		}
	}
	slices.Sort(out)
	return out
}

// TestSearchFindsMattersAsResidentsTypeThem runs the searches residents
// make, in Polish (with and without Polish letters, in other word forms),
// English and Ukrainian, over the demo catalog read from each database: each
// finds exactly the matters it should.
func TestSearchFindsMattersAsResidentsTypeThem(t *testing.T) {
	cases := []struct {
		lang, query string
		want        []string
	}{
		{"pl", "meldunek", names(zameldowanie, wymeldowanie, zaswiadczenie)},
		{"pl", "meldun", names(zameldowanie, wymeldowanie, zaswiadczenie)},
		{"pl", "zameldowanie", names(zameldowanie, zaswiadczenie)},
		{"pl", "wymeldowanie", names(wymeldowanie)},
		{"pl", "pobyt", names(zameldowanie, wymeldowanie)},
		{"pl", "zaswiadczenie o zameldowaniu", names(zaswiadczenie)},
		{"pl", "dowód osobisty", names(idCards)},
		{"pl", "dowodu osobistego", names(idCards)},
		{"pl", "DOWOD OSOBISTY", names(idCards)},
		{"pl", "dowód", names(idCards, "Odbiór stałego dowodu rejestracyjnego")},
		{"pl", "odbiór dowodu", names("Odbiór dowodu osobistego", "Odbiór stałego dowodu rejestracyjnego")},
		{"pl", "prawo jazdy", names(licences)},
		{"pl", "wymiana prawa jazdy", names("Wymiana prawa jazdy")},
		{"pl", "rejestracja pojazdu", names(vehicles)},
		{"pl", "samochód", names(vehicles)},
		{"pl", "profil zaufany", names("Potwierdzenie Profilu Zaufanego")},
		{"pl", "PKK", names("Profil kandydata na kierowcę (PKK)")},
		{"pl", "zamek", nil},
		{"en", "ID card", names(idCards)},
		{"en", "lost ID card", names("Zgłoszenie utraty lub uszkodzenia dowodu osobistego")},
		{"en", "registration", names(zameldowanie, zaswiadczenie, vehicles)},
		{"en", "residence", names(zameldowanie, wymeldowanie, zaswiadczenie)},
		{"en", "registration of residence", names(zameldowanie, zaswiadczenie)},
		{"en", "driving licence", names(licences)},
		{"en", "driving license", names(licences)},
		{"en", "car", names(vehicles)},
		{"uk", "посвідчення особи", names(idCards)},
		{"uk", "посвідчення", names(idCards, licences)},
		{"uk", "посвідчення водія", names(licences)},
		{"uk", "прописка", names(zameldowanie, zaswiadczenie)},
		{"uk", "реєстрація транспортного засобу", names(vehicles)},
		{"uk", "автомобіль", names(vehicles)},
	}
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		s := newStores(db)
		if _, err := demo.Seed(ctx, s.offices, s.users, "haslo-demo-1"); err != nil {
			t.Fatalf("Seed: %v", err)
		}
		deps, err := s.offices.Departments(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			found, n := office.Search(deps, office.ParseQuery(c.query))
			var got []string
			for _, d := range found {
				for _, sv := range d.Services {
					got = append(got, sv.Name)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) || n != len(c.want) {
				t.Errorf("%s %q found %d %q, want %q", c.lang, c.query, n, got, c.want)
			}
		}
	})
}

// TestDemoCatalogSpeaksThreeLanguages: every demo department and matter
// carries its English and Ukrainian texts, and every matter keywords.
func TestDemoCatalogSpeaksThreeLanguages(t *testing.T) {
	db := databasetest.SQLite(t)
	ctx := context.Background()
	s := newStores(db)
	if _, err := demo.Seed(ctx, s.offices, s.users, "haslo-demo-1"); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	deps, err := s.offices.Departments(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deps {
		if d.NameEN == "" || d.NameUK == "" {
			t.Errorf("department %q lacks a translated name: %q, %q", d.Name, d.NameEN, d.NameUK)
		}
		for _, sv := range d.Services {
			for field, v := range map[string]string{
				"name_en": sv.NameEN, "name_uk": sv.NameUK, "description_en": sv.DescriptionEN,
				"description_uk": sv.DescriptionUK, "instructions_en": sv.InstructionsEN,
				"instructions_uk": sv.InstructionsUK, "keywords": sv.Keywords,
			} {
				if v == "" {
					t.Errorf("matter %q has no %s", sv.Name, field)
				}
			}
		}
	}
}
