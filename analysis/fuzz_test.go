package analysis

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseConfig feeds arbitrary bytes to the study-config parser (both
// the native format and the original BHscore encoding configs): it must
// never panic, and a config that parses and validates must yield a job
// list whose keys name only safe path elements. The seed corpus in
// testdata/fuzz/FuzzParseConfig holds the pipeline's original configs,
// a native config and malformed variants of them.
func FuzzParseConfig(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := ParseConfig(raw)
		if err != nil {
			return
		}
		if c == nil {
			t.Fatal("nil config without error")
		}
		if c.Validate() != nil {
			return
		}
		c.Output = t.TempDir()
		for _, j := range c.Jobs() {
			for _, el := range []string{j.Layer, j.Subject, j.ROI} {
				if el == "" || el == "." || el == ".." || strings.ContainsAny(el, "/\\\x00") {
					t.Fatalf("validated config yields unsafe path element %q in job %s", el, j.Key())
				}
			}
		}
		for _, n := range c.Networks {
			if !filepath.IsLocal(n.Dir) {
				t.Fatalf("validated config has network dir %q outside the roots", n.Dir)
			}
		}
	})
}
