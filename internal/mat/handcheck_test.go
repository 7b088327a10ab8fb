package mat

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteForPython writes files for checking by hand with Python when
// MAT_HANDCHECK_DIR is set (see /work/notes/README-mat.md).
func TestWriteForPython(t *testing.T) {
	dir := os.Getenv("MAT_HANDCHECK_DIR")
	if dir == "" {
		t.Skip("MAT_HANDCHECK_DIR not set")
	}
	vars := testArrays()
	for name, fn := range map[string]func(string) error{
		"go_v5.mat":  func(p string) error { return WriteV5(p, vars, false) },
		"go_v5z.mat": func(p string) error { return WriteV5(p, vars, true) },
		"go_v73.mat": func(p string) error { return WriteV73(p, vars) },
		"go_W.mat": func(p string) error {
			return WriteSparse(p, "W", &Array{Dims: []int{3, 2, 2}, Class: Single, Data: []float64{0, 1.5, 0, 0, -2, 0, 0, 0, 0.25, 0, 0, 3}})
		},
	} {
		if err := fn(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}
