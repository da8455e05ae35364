package booking_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database/databasetest"
)

// A resident finds their booking by code and PESEL; an unknown code and a
// wrong PESEL get the same answer.
func TestFind(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := newWorld(t, db, nil)
		ctx := context.Background()
		b, err := w.store.Book(ctx, w.request(1, w.at(1, 9, 15)))
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range []string{b.Code, strings.ToLower(booking.FormatCode(b.Code))} {
			got, err := w.store.Find(ctx, code, " "+pesel(1)+" ")
			if err != nil || got.ID != b.ID {
				t.Fatalf("Find(%q) = %v, %v", code, got, err)
			}
		}
		wrong := wantCode(t, func() error { _, err := w.store.Find(ctx, b.Code, pesel(2)); return err }(), okienko.ENOTFOUND)
		unknown := wantCode(t, func() error { _, err := w.store.Find(ctx, "ABCD-EFGH", pesel(1)); return err }(), okienko.ENOTFOUND)
		if wrong.Message != unknown.Message {
			t.Fatalf("a wrong PESEL (%q) answers differently from an unknown code (%q)", wrong.Message, unknown.Message)
		}
		bad := wantCode(t, func() error { _, err := w.store.Find(ctx, "AB", "123"); return err }(), okienko.EINVALID)
		if bad.Fields["code"] == "" || bad.Fields["pesel"] == "" {
			t.Fatalf("malformed input: fields %v", bad.Fields)
		}
		// A cancelled booking is still found, with its status.
		if _, err := w.store.CancelByCode(ctx, b.Code, pesel(1)); err != nil {
			t.Fatal(err)
		}
		got, err := w.store.Find(ctx, b.Code, pesel(1))
		if err != nil || got.Status != booking.StatusCancelled {
			t.Fatalf("after cancelling: %v, %v", got, err)
		}
	})
}
