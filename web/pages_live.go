package web

import (
	"encoding/json"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/queue"
)

// pageLanguages are the languages of the pages, the first the default.
var pageLanguages = []string{"pl", "en", "uk"}

// pageLang is the page language asked for with ?lang=, or Polish.
func pageLang(c *fiber.Ctx) string {
	want := c.Query("lang")
	for _, l := range pageLanguages {
		if want == l {
			return l
		}
	}
	return pageLanguages[0]
}

// officeView is what the staff and lobby pages are told of the office: its
// name, its time zone (they show times in it, whatever the device's zone)
// and today's date there by the server's clock (a device's clock may be off).
type officeView struct {
	Name, Zone, Today string
}

// officeOf returns the office's view; before the office is seeded its name
// is empty and its zone Europe/Warsaw.
func (s *Server) officeOf(c *fiber.Ctx) (officeView, error) {
	off, err := s.Offices.Office(c.UserContext())
	switch {
	case okienko.ErrorCode(err) == okienko.ENOTFOUND:
		off = nil
	case err != nil:
		return officeView{}, err
	}
	loc := off.Location()
	v := officeView{Zone: loc.String(), Today: office.DateOf(s.Clock.Now().In(loc)).String()}
	if off != nil {
		v.Name = off.Name
	}
	return v, nil
}

// displayPage: GET /display — the hall display. The page is a shell that
// /static/display.js fills from the /ws/display feed; ?departments=1,3,
// ?office= and ?lang= are read by the script. ?display=ID shows a display
// as the administrator set it up (its departments and language, which the
// page keeps checking). The Version it carries lets the page reload itself
// when a new version is deployed.
func (s *Server) displayPage(c *fiber.Ctx) error {
	off, err := s.officeOf(c)
	if err != nil {
		return err
	}
	d, err := s.displayOf(c.UserContext(), c)
	if err != nil {
		return err
	}
	data := map[string]any{"Lang": pageLang(c), "Office": off.Name, "Zone": off.Zone, "Version": s.Version}
	if d != nil {
		ids := make([]string, len(d.DepartmentIDs))
		for i, id := range d.DepartmentIDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		data["Display"] = map[string]any{"ID": d.ID, "Departments": strings.Join(ids, ","), "Lang": d.Lang, "Sound": d.Sound}
		if c.Query("lang") == "" {
			data["Lang"] = d.Lang
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return render(c, "display.html", data)
}

// ticketPageData is what ticket.html shows: the ticket's public view as
// GET /api/v1/tickets/{public_id} answers it, with its texts in the page's
// language, so the page reads right before (and without) JavaScript.
type ticketPageData struct {
	Lang     string
	Office   string
	Version  string
	T        map[string]string // every text of the page in Lang
	Messages string            // T as JSON, for ticket.js
	PublicID string
	Found    bool
	Final    bool // done, no-show or expired: nothing more will change
	Ticket   publicTicket
	Status   string // the headline: "Twoja kolej: Stanowisko 3"
	// StatusHTML is Status with the counter's name marked Polish on a page
	// in another language (WCAG 3.1.2), as ticket.js marks it.
	StatusHTML template.HTML
	// ServiceLang is the language the matter's name is written in.
	ServiceLang string
	Detail      string // what to do now
	Ahead       string // "Przed Tobą: 3 osoby, ok. 12 min", waiting tickets only
	// FeedbackGiven: the visit was rated already (the page thanks instead
	// of asking).
	FeedbackGiven bool
	Scores        []int // the scores the page offers, 1–5
}

// ticketPage: GET /t/{public_id} — the resident's ticket page, where the QR
// code on a printed ticket leads. It renders the ticket's status at load
// time; /static/ticket.js then follows it over /ws/tickets/{public_id}. An
// unknown ticket is a 404 page.
func (s *Server) ticketPage(c *fiber.Ctx) error {
	// The resident's own phone: ?lang=, then the cookie, then the phone's
	// languages, as the site. (The kiosk and the hall display are the
	// office's devices: their browser's language is whoever set them up, so
	// they speak what their address or the panel says.)
	lang := s.siteLocale(c).Lang
	c.Vary(fiber.HeaderAcceptLanguage, fiber.HeaderCookie)
	off, err := s.officeOf(c)
	if err != nil {
		return err
	}
	d := ticketPageData{Lang: lang, Office: off.Name, Version: s.Version, T: ticketMessages[lang], PublicID: c.Params("public_id")}
	msgs, err := json.Marshal(d.T)
	if err != nil {
		return okienko.Internal(err)
	}
	d.Messages = string(msgs)
	t, err := s.Queue.ByPublicID(c.UserContext(), d.PublicID)
	switch {
	case okienko.ErrorCode(err) == okienko.ENOTFOUND:
		c.Status(fiber.StatusNotFound)
	case err != nil:
		return err
	default:
		v, err := s.publicTicket(c.UserContext(), t)
		if err != nil {
			return err
		}
		v.Service = serviceIn(v, lang) // the page's language; ticket.js keeps it on updates
		d.Found, d.Ticket = true, v
		d.Final = v.Status == queue.StatusDone || v.Status == queue.StatusNoShow || v.Status == queue.StatusExpired
		d.Status, d.Detail, d.Ahead = ticketTexts(lang, v)
		d.StatusHTML = statusHTML(lang, v)
		d.ServiceLang = serviceLang(v, lang)
		if v.Status == queue.StatusDone {
			if d.FeedbackGiven, err = s.Queue.FeedbackGiven(c.UserContext(), t.ID); err != nil {
				return err
			}
		}
	}
	for n := queue.MinFeedbackScore; n <= queue.MaxFeedbackScore; n++ {
		d.Scores = append(d.Scores, n)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return render(c, "ticket.html", d)
}

// statusHTML is the ticket's headline as HTML, the counter's name (the
// office's Polish words) in a span with lang="pl" on a page in another
// language.
func statusHTML(lang string, v publicTicket) template.HTML {
	msg := ticketMessages[lang]["status."+v.Status]
	counter := ""
	if v.Counter != nil {
		counter = *v.Counter
	}
	before, after, found := strings.Cut(msg, "{counter}")
	if !found {
		return template.HTML(template.HTMLEscapeString(msg))
	}
	part := template.HTMLEscapeString(counter)
	if lang != office.LangPL && counter != "" {
		part = `<span lang="pl">` + part + `</span>`
	}
	return template.HTML(template.HTMLEscapeString(before) + part + template.HTMLEscapeString(after))
}

// serviceLang is the language the ticket's matter is named in on a page in
// lang: lang where the office wrote a translation, else Polish.
// (publicTicket's service_names fall back to the Polish name.)
func serviceLang(v publicTicket, lang string) string {
	if n := v.ServiceNames[lang]; n != "" && (lang == office.LangPL || n != v.ServiceNames[office.LangPL]) {
		return lang
	}
	return office.LangPL
}

// ticketTexts words a ticket's state in lang as ticket.js does: a headline,
// what to do, and for a waiting ticket who is ahead and for how long.
func ticketTexts(lang string, v publicTicket) (status, detail, ahead string) {
	m := ticketMessages[lang]
	counter := ""
	if v.Counter != nil {
		counter = *v.Counter
	}
	status = strings.ReplaceAll(m["status."+v.Status], "{counter}", counter)
	detail = m["detail."+v.Status]
	if v.Status != queue.StatusWaiting {
		return status, detail, ""
	}
	people := strings.ReplaceAll(m["people."+pluralCategory(lang, v.PeopleAhead)], "{n}", strconv.Itoa(v.PeopleAhead))
	if v.CountersOpen != nil && *v.CountersOpen == 0 {
		// Nobody serves the matter now: no "nobody ahead, 0 min".
		if v.PeopleAhead == 0 {
			return status, detail, m["ahead.unserved"]
		}
		return status, detail, strings.ReplaceAll(m["ahead.unservedPeople"], "{people}", people)
	}
	if v.PeopleAhead == 0 {
		return status, detail, m["ahead.none"]
	}
	key := "ahead.people"
	if v.EstimatedWaitMinutes > 0 {
		key = "ahead.peopleWait"
	}
	ahead = strings.NewReplacer("{people}", people, "{minutes}", strconv.Itoa(v.EstimatedWaitMinutes)).Replace(m[key])
	return status, detail, ahead
}

// pluralCategory is the CLDR plural category of the whole number n in lang,
// as Intl.PluralRules names it: Polish and Ukrainian tell one, few and many;
// English one and other.
func pluralCategory(lang string, n int) string {
	n10, n100 := n%10, n%100
	few := n10 >= 2 && n10 <= 4 && (n100 < 12 || n100 > 14)
	switch lang {
	case "pl":
		switch {
		case n == 1:
			return "one"
		case few:
			return "few"
		default:
			return "many"
		}
	case "uk":
		switch {
		case n10 == 1 && n100 != 11:
			return "one"
		case few:
			return "few"
		default:
			return "many"
		}
	default:
		if n == 1 {
			return "one"
		}
		return "other"
	}
}

// ticketMessages are the ticket page's texts per language, the one source
// for the server's rendering and for /static/ticket.js, which gets the page
// language's dictionary in the body's data-messages. A message is a string
// with {placeholders}; plural forms are keys ending in Intl.PluralRules
// categories (people.one, people.few, …).
var ticketMessages = map[string]map[string]string{
	"pl": {
		"page.title":             "Twój bilet — Okienko",
		"page.heading":           "Twój bilet",
		"page.skip":              "Przejdź do treści",
		"page.notFound":          "Nie znaleziono biletu. Sprawdź adres albo zeskanuj kod QR z biletu jeszcze raz.",
		"page.static":            "Strona odświeża się co pół minuty.",
		"page.refresh":           "Odśwież",
		"page.live":              "Stan odświeża się samoczynnie.",
		"page.offline":           "Brak połączenia — ponawiam…",
		"ticket.number":          "Numer",
		"ticket.service":         "Sprawa",
		"status.waiting":         "Czekasz w kolejce",
		"status.called":          "Twoja kolej: {counter}",
		"status.serving":         "Obsługa przy: {counter}",
		"status.done":            "Sprawa zakończona",
		"status.no_show":         "Bilet nieważny",
		"status.expired":         "Bilet wygasł",
		"detail.waiting":         "Gdy nadejdzie Twoja kolej, ta strona pokaże stanowisko.",
		"remote.arrivalRequired": "Numer z kolejki zdalnej. Po przyjściu do urzędu pokaż ten kod QR czytnikowi biletomatu („Mam rezerwację”): dopiero wtedy zostaniesz wywołany, a Twoje miejsce jest zachowane.",
		"remote.arrivalFree":     "Numer z kolejki zdalnej. Gdy przyjdziesz do urzędu, możesz pokazać ten kod QR czytnikowi biletomatu.",
		"remote.arrived":         "Przybycie potwierdzone w biletomacie.",
		"remote.qr":              "Kod QR tego numeru",
		"detail.called":          "Podejdź teraz do stanowiska.",
		"detail.serving":         "",
		"detail.done":            "Dziękujemy za wizytę.",
		"detail.no_show":         "Nie zgłoszono się po wezwaniu. Pobierz nowy bilet w biletomacie.",
		"detail.expired":         "Pobierz nowy bilet w biletomacie.",
		"ahead.none":             "Nikt nie czeka przed Tobą.",
		"ahead.unserved":         "Teraz nikt nie obsługuje tej sprawy: żadne stanowisko nie jest dla niej otwarte, więc nie da się podać czasu oczekiwania.",
		"ahead.unservedPeople":   "Teraz nikt nie obsługuje tej sprawy: żadne stanowisko nie jest dla niej otwarte. Przed Tobą: {people}.",
		"ahead.people":           "Przed Tobą: {people}",
		"ahead.peopleWait":       "Przed Tobą: {people}, ok. {minutes} min",
		"people.one":             "{n} osoba",
		"people.few":             "{n} osoby",
		"people.many":            "{n} osób",
		"people.other":           "{n} osoby",
		"sound.enable":           "Powiadom mnie dźwiękiem",
		"sound.on":               "Usłyszysz sygnał, gdy nadejdzie Twoja kolej.",
		"recall.text":            "Wzywamy ponownie: {counter}",
		"feedback.question":      "Jak oceniasz obsługę?",
		"feedback.scale":         "1 — bardzo źle, 5 — bardzo dobrze.",
		"feedback.comment":       "Komentarz (nieobowiązkowo)",
		"feedback.send":          "Wyślij",
		"feedback.thanks":        "Dziękujemy za ocenę.",
		"feedback.pick":          "Wybierz ocenę od 1 do 5.",
		"feedback.tooLong":       "Komentarz może mieć najwyżej 500 znaków.",
		"feedback.failed":        "Nie udało się wysłać oceny. Spróbuj jeszcze raz za chwilę.",
	},
	"en": {
		"page.title":             "Your ticket — Okienko",
		"page.heading":           "Your ticket",
		"page.skip":              "Skip to content",
		"page.notFound":          "Ticket not found. Check the address or scan the QR code on your ticket again.",
		"page.static":            "This page reloads every half minute.",
		"page.refresh":           "Reload",
		"page.live":              "This page updates by itself.",
		"page.offline":           "No connection — retrying…",
		"ticket.number":          "Number",
		"ticket.service":         "Matter",
		"status.waiting":         "You are in the queue",
		"status.called":          "Your turn: {counter}",
		"status.serving":         "Being served at: {counter}",
		"status.done":            "Visit finished",
		"status.no_show":         "Ticket no longer valid",
		"status.expired":         "Ticket expired",
		"detail.waiting":         "When it is your turn, this page will show the counter.",
		"remote.arrivalRequired": "A number from the remote queue. When you arrive at the office, show this QR code to the kiosk's reader (\"I have a booking\"): only then are you called, and your place is kept.",
		"remote.arrivalFree":     "A number from the remote queue. When you arrive at the office, you can show this QR code to the kiosk's reader.",
		"remote.arrived":         "Arrival confirmed at the kiosk.",
		"remote.qr":              "The QR code of this number",
		"detail.called":          "Please go to the counter now.",
		"detail.serving":         "",
		"detail.done":            "Thank you for your visit.",
		"detail.no_show":         "Nobody came when the ticket was called. Please take a new ticket at the kiosk.",
		"detail.expired":         "Please take a new ticket at the kiosk.",
		"ahead.none":             "Nobody is ahead of you.",
		"ahead.unserved":         "Nobody is serving this matter now: no counter is open for it, so the wait can't be estimated.",
		"ahead.unservedPeople":   "Nobody is serving this matter now: no counter is open for it. Ahead of you: {people}.",
		"ahead.people":           "Ahead of you: {people}",
		"ahead.peopleWait":       "Ahead of you: {people}, about {minutes} min",
		"people.one":             "{n} person",
		"people.few":             "{n} people",
		"people.many":            "{n} people",
		"people.other":           "{n} people",
		"sound.enable":           "Notify me with a sound",
		"sound.on":               "You will hear a sound when it is your turn.",
		"recall.text":            "Called again: {counter}",
		"feedback.question":      "How was the service?",
		"feedback.scale":         "1 — very bad, 5 — very good.",
		"feedback.comment":       "Comment (optional)",
		"feedback.send":          "Send",
		"feedback.thanks":        "Thank you for your rating.",
		"feedback.pick":          "Choose a rating from 1 to 5.",
		"feedback.tooLong":       "The comment can be at most 500 characters long.",
		"feedback.failed":        "The rating couldn't be sent. Please try again in a moment.",
	},
	"uk": {
		"page.title":             "Ваш квиток — Okienko",
		"page.heading":           "Ваш квиток",
		"page.skip":              "Перейти до змісту",
		"page.notFound":          "Квиток не знайдено. Перевірте адресу або ще раз скануйте QR-код з квитка.",
		"page.static":            "Сторінка оновлюється кожні пів хвилини.",
		"page.refresh":           "Оновити",
		"page.live":              "Сторінка оновлюється автоматично.",
		"page.offline":           "Немає з’єднання — повторюю…",
		"ticket.number":          "Номер",
		"ticket.service":         "Справа",
		"status.waiting":         "Ви в черзі",
		"status.called":          "Ваша черга: {counter}",
		"status.serving":         "Обслуговування: {counter}",
		"status.done":            "Справу завершено",
		"status.no_show":         "Квиток недійсний",
		"status.expired":         "Термін дії квитка минув",
		"detail.waiting":         "Коли настане ваша черга, ця сторінка покаже віконце.",
		"remote.arrivalRequired": "Номер із дистанційної черги. Прийшовши до установи, покажіть цей QR-код зчитувачу термінала: лише тоді вас викличуть, а ваше місце збережеться.",
		"remote.arrivalFree":     "Номер із дистанційної черги. Прийшовши до установи, ви можете показати цей QR-код зчитувачу термінала.",
		"remote.arrived":         "Прибуття підтверджено в терміналі.",
		"remote.qr":              "QR-код цього номера",
		"detail.called":          "Підійдіть зараз до віконця.",
		"detail.serving":         "",
		"detail.done":            "Дякуємо за візит.",
		"detail.no_show":         "Після виклику ніхто не підійшов. Візьміть новий квиток у терміналі.",
		"detail.expired":         "Візьміть новий квиток у терміналі.",
		"ahead.none":             "Перед вами нікого немає.",
		"ahead.unserved":         "Зараз цю справу ніхто не обслуговує: для неї не відкрите жодне віконце, тому час очікування оцінити неможливо.",
		"ahead.unservedPeople":   "Зараз цю справу ніхто не обслуговує: для неї не відкрите жодне віконце. Перед вами: {people}.",
		"ahead.people":           "Перед вами: {people}",
		"ahead.peopleWait":       "Перед вами: {people}, бл. {minutes} хв",
		"people.one":             "{n} особа",
		"people.few":             "{n} особи",
		"people.many":            "{n} осіб",
		"people.other":           "{n} особи",
		"sound.enable":           "Сповістити мене звуком",
		"sound.on":               "Ви почуєте сигнал, коли настане ваша черга.",
		"recall.text":            "Вас викликають повторно: {counter}",
		"feedback.question":      "Як ви оцінюєте обслуговування?",
		"feedback.scale":         "1 — дуже погано, 5 — дуже добре.",
		"feedback.comment":       "Коментар (необов’язково)",
		"feedback.send":          "Надіслати",
		"feedback.thanks":        "Дякуємо за оцінку.",
		"feedback.pick":          "Виберіть оцінку від 1 до 5.",
		"feedback.tooLong":       "Коментар може мати щонайбільше 500 символів.",
		"feedback.failed":        "Не вдалося надіслати оцінку. Спробуйте ще раз за хвилину.",
	},
}
