package pipelinetest

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Files returns the content of every regular file below root, by path
// relative to root, leaving out the runtime state of workers, live or
// killed (lock files ".lock", configuration claims under .bhscore/claims),
// and the files whose base name skip reports (nil: none).
func Files(t testing.TB, root string, skip func(name string) bool) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, ".lock") || strings.Contains(filepath.ToSlash(p), "/.bhscore/claims/") || skip != nil && skip(d.Name()) {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		m[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// CompareFiles reports each file of want that got lacks or holds with
// other bytes, and each file of got that want lacks.
func CompareFiles(t testing.TB, want, got map[string][]byte) {
	t.Helper()
	for k, b := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s missing", k)
		} else if !bytes.Equal(g, b) {
			t.Errorf("%s differs from the reference", k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s left over: not in the reference", k)
		}
	}
}
