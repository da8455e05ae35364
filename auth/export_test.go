package auth

import "testing"

// packageDefaultParams are hashParams as the package sets them, before the
// init below lowers them.
var packageDefaultParams = hashParams

// Tests hash with cheap parameters; hashes carry their parameters, so
// checking works the same.
func init() {
	hashParams = argonParams{memory: 64, time: 1, threads: 1, saltLen: 16, keyLen: 32}
}

// UseDefaultHashParams makes new hashes use the package's default
// parameters until t ends.
func UseDefaultHashParams(t testing.TB) {
	old := hashParams
	hashParams = packageDefaultParams
	t.Cleanup(func() { hashParams = old })
}
