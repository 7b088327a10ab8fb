package bhscore

import (
	"path/filepath"
	"testing"
)

// FuzzParseDesign feeds arbitrary bytes to the settings.json parser: no
// panic, and an accepted design names subjects, ROIs and DNNs whose
// directories stay inside the accuracy root. The seed corpus in
// testdata/fuzz/FuzzParseDesign holds testdata/pipeline/settings.json
// and malformed variants of it.
func FuzzParseDesign(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := ParseDesign(raw)
		if err != nil {
			return
		}
		if len(s.Subjects) == 0 || len(s.ROIs) == 0 || len(s.Order) == 0 {
			t.Fatalf("accepted a design without subjects, ROIs or DNNs: %+v", s)
		}
		for _, name := range s.Order {
			d, ok := s.DNNs[name]
			if !ok {
				t.Fatalf("DNN %q in order but not in the map", name)
			}
			if !filepath.IsLocal(d.Dir) {
				t.Fatalf("accepted DNN dir %q outside the accuracy root", d.Dir)
			}
		}
		if _, err := s.MarshalJSON(); err != nil {
			t.Fatalf("an accepted design does not marshal: %v", err)
		}
	})
}
