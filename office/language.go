package office

// Languages the catalog's texts are written in: Polish (required, the
// fallback), English and Ukrainian (optional).
const (
	LangPL = "pl"
	LangEN = "en"
	LangUK = "uk"
)

// inLang returns the text of lang among the Polish pl, English en and
// Ukrainian uk, with the language it is really in: pl for "pl", an unknown
// language or an empty translation.
func inLang(lang, pl, en, uk string) (string, string) {
	switch {
	case lang == LangEN && en != "":
		return en, LangEN
	case lang == LangUK && uk != "":
		return uk, LangUK
	}
	return pl, LangPL
}

// NameIn returns the department's name in lang ("pl", "en", "uk"), the
// Polish one where there is none.
func (d DepartmentSpec) NameIn(lang string) string {
	s, _ := inLang(lang, d.Name, d.NameEN, d.NameUK)
	return s
}

// NameLang returns the language NameIn(lang) is written in, for a page's
// lang attribute.
func (d DepartmentSpec) NameLang(lang string) string {
	_, l := inLang(lang, d.Name, d.NameEN, d.NameUK)
	return l
}

// NameIn returns the matter's name in lang, the Polish one where there is
// none.
func (s ServiceSpec) NameIn(lang string) string {
	t, _ := inLang(lang, s.Name, s.NameEN, s.NameUK)
	return t
}

// NameLang returns the language NameIn(lang) is written in.
func (s ServiceSpec) NameLang(lang string) string {
	_, l := inLang(lang, s.Name, s.NameEN, s.NameUK)
	return l
}

// DescriptionIn returns the matter's description in lang, the Polish one
// where there is none.
func (s ServiceSpec) DescriptionIn(lang string) string {
	t, _ := inLang(lang, s.Description, s.DescriptionEN, s.DescriptionUK)
	return t
}

// DescriptionLang returns the language DescriptionIn(lang) is written in.
func (s ServiceSpec) DescriptionLang(lang string) string {
	_, l := inLang(lang, s.Description, s.DescriptionEN, s.DescriptionUK)
	return l
}

// InstructionsIn returns the matter's instructions in lang, the Polish ones
// where there are none.
func (s ServiceSpec) InstructionsIn(lang string) string {
	t, _ := inLang(lang, s.Instructions, s.InstructionsEN, s.InstructionsUK)
	return t
}

// InstructionsLang returns the language InstructionsIn(lang) is written in.
func (s ServiceSpec) InstructionsLang(lang string) string {
	_, l := inLang(lang, s.Instructions, s.InstructionsEN, s.InstructionsUK)
	return l
}
