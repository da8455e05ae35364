package kiosk

// HoldPrinter makes kiosk id's printer busy as a print in this process
// does, until release.
func (s *Store) HoldPrinter(id int64) (release func()) {
	l := s.printer.of(id)
	l.RLock()
	return l.RUnlock
}
