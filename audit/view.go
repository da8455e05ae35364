package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
)

// Change is one field an entry changed: its path in the object's JSON
// (nested objects joined with dots, as "hours.mon" or "printer.uri") and
// its value before and after; nil where the object did not exist.
type Change struct {
	Field  string `json:"field"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// View is an entry as an administrator reads it: the object's name and the
// fields that changed, old → new.
type View struct {
	Entry
	// ObjectName is the object's current name; for an object deleted since,
	// the name it had in the entry; "" where neither is known.
	ObjectName string `json:"object_name"`
	// Changes are, for an update, only the fields whose value differs; for
	// a create every field of the new object, for a delete every field of
	// the old one; ids and timestamps are left out.
	Changes []Change `json:"changes"`
}

// quiet are the fields never shown as changes: bookkeeping, not content.
var quiet = map[string]bool{"id": true, "office_id": true, "created_at": true, "updated_at": true, "position": true,
	"last_seen_at": true, "printer_checked_at": true, "agent_seen_at": true, "agent_online": true, "path": true, "url": true, "sha256": true}

// nameQueries read the current names of objects of a type by id, as
// (id, name) rows; a closure's name is its days and reason, joined in Go.
var nameQueries = map[string]string{
	"department": `SELECT id, name FROM departments WHERE id IN ?`,
	"service":    `SELECT id, name FROM services WHERE id IN ?`,
	"counter":    `SELECT id, name FROM counters WHERE id IN ?`,
	"kiosk":      `SELECT id, name FROM kiosks WHERE id IN ?`,
	"display":    `SELECT id, name FROM displays WHERE id IN ?`,
	"attachment": `SELECT id, title AS name FROM attachments WHERE id IN ?`,
	"office":     `SELECT id, name FROM offices WHERE id IN ?`,
	"booking":    `SELECT id, code AS name FROM bookings WHERE id IN ?`,
	"ticket":     `SELECT id, number AS name FROM tickets WHERE id IN ?`,
	"user": `SELECT id, CASE WHEN display_name = '' THEN username ELSE display_name || ' (' || username || ')' END AS name
		FROM users WHERE id IN ?`,
	"pause_reason": `SELECT id, name FROM pause_reasons WHERE id IN ?`,
	"closure":      `SELECT id, CAST(starts_on AS TEXT) AS a, CAST(ends_on AS TEXT) AS b, reason FROM closures WHERE id IN ?`,
}

// Describe answers entries as views, in their order: each object's name
// (one query per object type) and the changed fields. EINTERNAL when the
// database fails.
func Describe(ctx context.Context, db *gorm.DB, entries []Entry) ([]View, error) {
	ids := map[string][]int64{}
	for _, e := range entries {
		ids[e.ObjectType] = append(ids[e.ObjectType], e.ObjectID)
	}
	names := map[string]map[int64]string{}
	for typ, list := range ids {
		q, ok := nameQueries[typ]
		if !ok {
			continue
		}
		var rows []struct {
			ID     int64
			Name   string
			A, B   string
			Reason string
		}
		if err := db.WithContext(ctx).Raw(q, list).Scan(&rows).Error; err != nil {
			return nil, okienko.Internal(err)
		}
		m := map[int64]string{}
		for _, r := range rows {
			if typ == "closure" {
				r.Name = closureName(r.A, r.B, r.Reason)
			}
			m[r.ID] = r.Name
		}
		names[typ] = m
	}
	out := make([]View, len(entries))
	for i, e := range entries {
		before, after := fields(e.BeforeJSON), fields(e.AfterJSON)
		name, ok := names[e.ObjectType][e.ObjectID]
		if !ok {
			name = nameIn(e.ObjectType, after)
			if name == "" {
				name = nameIn(e.ObjectType, before)
			}
		}
		out[i] = View{Entry: e, ObjectName: name, Changes: diff(before, after)}
	}
	return out, nil
}

// closureName is "from – to" (one day alone) with the reason after a dash.
func closureName(from, to, reason string) string {
	from, to = dateOnly(from), dateOnly(to)
	s := from
	if to != "" && to != from {
		s += " – " + to
	}
	if reason != "" {
		s += " — " + reason
	}
	return s
}

// dateOnly cuts a time a driver may add to a stored date.
func dateOnly(s string) string {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}

// nameIn finds an object's name among its fields as the entry recorded them.
func nameIn(typ string, f *flat) string {
	if f == nil {
		return ""
	}
	if typ == "closure" {
		a, _ := f.values["starts_on"].(string)
		b, _ := f.values["ends_on"].(string)
		r, _ := f.values["reason"].(string)
		if a == "" {
			return ""
		}
		return closureName(a, b, r)
	}
	for _, k := range []string{"name", "title", "display_name", "username", "code", "url"} {
		if s, ok := f.values[k].(string); ok && s != "" {
			if k == "display_name" {
				if u, ok := f.values["username"].(string); ok && u != "" {
					return s + " (" + u + ")"
				}
			}
			return s
		}
	}
	return ""
}

// flat is a JSON object flattened to dotted paths, in the order written.
type flat struct {
	keys   []string
	values map[string]any
}

// fields flattens the JSON object in s; nil for none or for JSON that is
// not an object (which then shows no changes).
func fields(s *string) *flat {
	if s == nil {
		return nil
	}
	f := &flat{values: map[string]any{}}
	dec := json.NewDecoder(strings.NewReader(*s))
	dec.UseNumber()
	if err := f.object(dec, ""); err != nil {
		return nil
	}
	return f
}

func (f *flat) object(dec *json.Decoder, prefix string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("not an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key := prefix + tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
			if err := f.object(json.NewDecoder(bytes.NewReader(t)), key+"."); err != nil {
				return err
			}
			continue
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return err
		}
		f.keys = append(f.keys, key)
		f.values[key] = v
	}
	_, err = dec.Token() // '}'
	return err
}

// diff lists the fields whose values differ between before and after, in
// the order after (else before) wrote them, then the fields only before had.
func diff(before, after *flat) []Change {
	out := []Change{}
	empty := &flat{values: map[string]any{}}
	if before == nil && after == nil {
		return out
	}
	b, a := before, after
	if b == nil {
		b = empty
	}
	if a == nil {
		a = empty
	}
	seen := map[string]bool{}
	for _, list := range [][]string{a.keys, b.keys} {
		for _, k := range list {
			if seen[k] || quiet[k] {
				continue
			}
			seen[k] = true
			bv, bok := b.values[k]
			av, aok := a.values[k]
			if bok && aok && reflect.DeepEqual(bv, av) {
				continue
			}
			out = append(out, Change{Field: k, Before: bv, After: av})
		}
	}
	return out
}
