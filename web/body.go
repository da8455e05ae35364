package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/office"
)

// MaxJSONBody is the largest JSON request body accepted.
const MaxJSONBody = 64 << 10

// decodeJSON reads the request body strictly into v: it must be JSON
// (Content-Type application/json), one value, at most MaxJSONBody bytes, with
// no fields v doesn't have and every value of the right type. Any failure is
// an EBADREQUEST naming the field when there is one; v may be partly filled
// on error, so callers decode into values they throw away on failure.
func decodeJSON(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Get(fiber.HeaderContentType), ";", 2)[0]))
	if ct != fiber.MIMEApplicationJSON && !strings.HasSuffix(ct, "+json") {
		return &okienko.Error{Code: okienko.EBADREQUEST, Message: "the request body must be JSON (Content-Type: application/json)"}
	}
	body := c.Body()
	if len(body) > MaxJSONBody {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge)
	}
	return decodeJSONBytes(body, v)
}

// decodeJSONBytes is decodeJSON on bytes already read.
func decodeJSONBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &okienko.Error{Code: okienko.EBADREQUEST, Message: "the request body is empty; a JSON object is required"}
	}
	if err := checkKeys(body, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &okienko.Error{Code: okienko.EBADREQUEST, Message: "the request body must hold exactly one JSON value"}
	}
	fe := okienko.FieldErrors{}
	checkDates(reflect.ValueOf(v), fe)
	return fe.Err()
}

// checkKeys walks the JSON in body beside the type t it is decoded into and
// refuses, as an EBADREQUEST naming the key by its path ("hours.monday"):
// a key written twice in one object (in any letter case:
// "consent":false,"Consent":true), a key that names a field only in another
// letter case ("SERVICE_ID"), and a key that names no field. Malformed JSON
// is left to the decoder.
func checkKeys(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := walkKeys(dec, t, "")
	var e *okienko.Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// walkKeys reads one JSON value from dec; t is the Go type it decodes into,
// nil where any key goes (maps, interfaces, types that decode themselves).
func walkKeys(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler)) {
		t = nil
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			name := path + key
			if seen[strings.ToLower(key)] {
				return &okienko.Error{Code: okienko.EBADREQUEST, Message: name + ": written twice",
					Fields: map[string]string{name: "written twice; give each field once"}}
			}
			seen[strings.ToLower(key)] = true
			var inner reflect.Type
			switch {
			case t == nil:
			case t.Kind() == reflect.Struct:
				if _, f, ok := jsonField(t, func(n string) bool { return n == key }); ok {
					inner = f.Type
				} else if n, _, ok := jsonField(t, func(n string) bool { return strings.EqualFold(n, key) }); ok {
					return &okienko.Error{Code: okienko.EBADREQUEST, Message: name + ": unknown field",
						Fields: map[string]string{name: "unknown field; names are case-sensitive: " + n}}
				} else {
					return &okienko.Error{Code: okienko.EBADREQUEST, Message: name + ": unknown field",
						Fields: map[string]string{name: "unknown field"}}
				}
			case t.Kind() == reflect.Map:
				inner = t.Elem()
			}
			if err := walkKeys(dec, inner, name+"."); err != nil {
				return err
			}
		}
		_, err = dec.Token() // }
		return err
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := walkKeys(dec, elem, path); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ]
		return err
	}
	return nil
}

var jsonUnmarshaler = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

// jsonField finds the field of struct t whose JSON name match accepts, as
// encoding/json lays them out (embedded structs flattened), with that name.
func jsonField(t reflect.Type, match func(name string) bool) (string, reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if name == "" && f.Anonymous {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if n, g, ok := jsonField(ft, match); ok {
					return n, g, true
				}
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		if match(name) {
			return name, f, true
		}
	}
	return "", reflect.StructField{}, false
}

// checkDates adds to fe, under its JSON name, every date or time in v (a
// decoded body) that lies outside office.MinDate..MaxDate, so no date from a
// request reaches a loop or a query unbounded.
func checkDates(v reflect.Value, fe okienko.FieldErrors) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" && !f.Anonymous {
			name = f.Name
		}
		for fv.Kind() == reflect.Pointer && !fv.IsNil() {
			fv = fv.Elem()
		}
		var day office.Date
		switch x := fv.Interface().(type) {
		case office.Date:
			day = x
		case Instant:
			if !x.IsZero() {
				day = office.DateOf(x.UTC())
			}
		case time.Time:
			if !x.IsZero() {
				day = office.DateOf(x.UTC())
			}
		default:
			if f.Anonymous {
				checkDates(fv, fe)
			}
			continue
		}
		if !day.IsZero() && !day.InBounds() {
			fe.Add(name, office.BoundsMessage)
		}
	}
}

// noBody lets through a request to an action that takes no body: none, {}
// or null alike, since many HTTP clients always send {}. Any other body is
// EBADREQUEST.
func noBody(c *fiber.Ctx) error {
	b := bytes.TrimSpace(c.Body())
	if len(b) == 0 || string(b) == "null" {
		return c.Next()
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err == nil && len(m) == 0 {
		return c.Next()
	}
	return &okienko.Error{Code: okienko.EBADREQUEST, Message: "this action takes no body: send none, {} or null"}
}

// jsonError turns a decoding error into an EBADREQUEST naming the field.
func jsonError(err error) error {
	bad := func(field, msg string) error {
		e := &okienko.Error{Code: okienko.EBADREQUEST, Message: msg}
		if field != "" {
			e.Fields = map[string]string{field: msg}
			e.Message = field + ": " + msg
		}
		return e
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return bad("", fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return bad("", "malformed JSON: the body ends too early")
	case errors.As(err, &typ):
		want := jsonKind(typ.Type.Kind().String())
		if f, ok := reflect.New(typ.Type).Interface().(interface{ JSONFormat() string }); ok {
			want = f.JSONFormat()
		}
		if typ.Field == "" {
			return bad("", fmt.Sprintf("the body must be %s, not %s", want, typ.Value))
		}
		return bad(typ.Field, fmt.Sprintf("must be %s, not %s", want, typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return bad(name, "unknown field")
	}
	// Errors from a type's own UnmarshalJSON (dates, times) carry their message.
	return bad("", err.Error())
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "of another type"
}

// Instant is a time in a JSON body: RFC 3339 with an offset. A bad value is
// reported on its field like any other wrong type.
type Instant struct{ time.Time }

// JSONFormat describes the JSON form of an Instant, for error messages.
func (Instant) JSONFormat() string {
	return "a time in RFC 3339 with an offset, e.g. 2026-11-24T10:00:00+01:00"
}

// UnmarshalJSON reads an RFC 3339 string.
func (t *Instant) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeOf(t).Elem()}
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeOf(t).Elem()}
	}
	t.Time = v
	return nil
}
