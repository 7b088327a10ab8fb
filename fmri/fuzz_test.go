package fmri

import (
	"slices"
	"testing"
)

// FuzzSelector checks that lexing, parsing and evaluating any expression
// never panics and that a successful evaluation yields valid, ascending
// column indices. Seeds: testdata/fuzz/FuzzSelector plus the grammar
// exercised by the conformance data.
func FuzzSelector(f *testing.F) {
	for _, s := range []string{
		"ROI_V1 = 1", "A | B & C", "(A)(3)(top) @ (B = 1)", "'hemi-*' = 1",
		"A - (B) = 0", "(A", "A)", "'unterminated", "+-@=|&()", "top", "1 = 1",
	} {
		f.Add(s)
	}
	m := tinyMeta(f)
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := ParseSelector(expr)
		if err != nil {
			return
		}
		if got := parse(s.Tokens()); !slices.Equal(got, s.RPN()) {
			t.Fatalf("%q: RPN not reproducible", expr)
		}
		for _, tok := range s.Tokens() {
			if tok == "" || tok == "+" {
				t.Fatalf("%q: bad token %q", expr, tok)
			}
		}
		cols, err := s.Columns(m)
		if err != nil {
			return
		}
		for i, c := range cols {
			if c < 0 || c >= m.Len() || (i > 0 && c <= cols[i-1]) {
				t.Fatalf("%q: bad columns %v", expr, cols)
			}
		}
	})
}
