package web

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/okienko/okienko"
)

// formField is one text input of a site form with its label, hint and
// error, rendered by the site_field template.
type formField struct {
	ID           string
	Label        string
	Hint         string
	Value        string
	Type         string // text, email, tel, date
	Autocomplete string
	InputMode    string
	MaxLength    int
	Optional     bool
	Error        string
	Class        string
	// Note marks an optional field, ErrorPrefix starts the error for screen
	// readers; both in the page's language.
	Note        string
	ErrorPrefix string
}

// Fields returns fs with their notes and error prefixes in the locale's
// language.
func (l *locale) Fields(fs ...formField) []formField {
	for i := range fs {
		fs[i] = l.Field(fs[i])
	}
	return fs
}

// Field returns f with its note and error prefix in the locale's language.
func (l *locale) Field(f formField) formField {
	if f.Optional {
		f.Note = l.T("form.optional")
	}
	f.ErrorPrefix = l.T("form.errorPrefix")
	return f
}

// DescribedBy is the field's aria-describedby: its hint and its error.
func (f formField) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// errorItem is one entry of a form's error summary: the message and, for a
// field, a link to it.
type errorItem struct {
	Href string
	Text string
}

// formErrors are a form's errors in the resident's language: per field, and
// all of them in the summary at the top of the form.
type formErrors struct {
	Fields  map[string]string
	Summary []errorItem
	Status  int
	Title   string // the summary's heading; "": the form's errors
}

// fieldErrorsOf says err as the errors of a form whose fields are the ids in
// order with their labels (each field's id is also its name in the domain's
// errors). Messages about no field of the form, and errors without fields,
// go to the summary only; conflicts about the resident's PESEL go on the
// pesel field when the form has one. It reports false for errors that are
// not about the input (the server's failures, rate limits), which the caller
// returns as they are.
func fieldErrorsOf(l *locale, err error, order []string, labels map[string]string) (*formErrors, bool) {
	e := okienko.AsError(err)
	switch e.Code {
	case okienko.EINVALID, okienko.EBADREQUEST, okienko.ECONFLICT, okienko.ENOTFOUND:
	default:
		return nil, false
	}
	fe := &formErrors{Fields: map[string]string{}, Status: errorStatus(e.Code)}
	if e.Code == okienko.EBADREQUEST {
		fe.Status = http.StatusUnprocessableEntity
	}
	fields := map[string]string{}
	for k, v := range e.Fields {
		fields[k] = v
	}
	if len(fields) == 0 {
		msg := l.Message(e.Message)
		if _, ok := labels["pesel"]; ok && strings.Contains(e.Message, "this PESEL") {
			fe.Fields["pesel"] = msg
		} else {
			fe.Summary = append(fe.Summary, errorItem{Text: msg})
		}
	}
	for _, id := range order {
		msg, ok := fields[id]
		if !ok {
			continue
		}
		fe.Fields[id] = l.FieldError(id, msg)
		delete(fields, id)
	}
	// Fields the form doesn't show (the chosen time, the matter) come first
	// in the summary, without a link.
	var rest []errorItem
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		rest = append(rest, errorItem{Text: l.FieldError(k, fields[k])})
	}
	fe.Summary = append(rest, fe.Summary...)
	for _, id := range order {
		if msg, ok := fe.Fields[id]; ok {
			fe.Summary = append(fe.Summary, errorItem{Href: "#" + id, Text: labels[id] + ": " + msg})
		}
	}
	return fe, true
}

// Error returns the error of field id, "" for none; for templates.
func (fe *formErrors) Error(id string) string {
	if fe == nil {
		return ""
	}
	return fe.Fields[id]
}
