package features

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/brainhierarchy/bhscore/internal/mat"
)

func TestDirWriter(t *testing.T) {
	data := []float32{1.5, -2, 3.25, 0, 7, 8}
	for _, v := range []MatVersion{MatV5, MatV73} {
		root := t.TempDir()
		w := &DirWriter{Root: root, Version: v, Compress: true}
		for _, stem := range []string{"img1", "img2"} {
			if w.Has("conv1", stem) {
				t.Errorf("Has before Write")
			}
			if err := w.Write("conv1", stem, []int{2, 1, 3}, data); err != nil {
				t.Fatal(err)
			}
			if err := w.Write("fc", stem, []int{6}, data); err != nil {
				t.Fatal(err)
			}
			if !w.Has("fc", stem) {
				t.Errorf("Has after Write")
			}
		}
		p, _ := w.Path("conv1", "img1")
		f, err := mat.DetectFile(p)
		if err != nil || (v == MatV5) != (f == mat.V5) {
			t.Errorf("version %d wrote format %v (%v)", v, f, err)
		}
		a, err := mat.Read(p, "feat")
		if err != nil || a.Class != mat.Single || !slices.Equal(a.Dims, []int{1, 2, 1, 3}) {
			t.Fatalf("feat: %+v, %v; want single 1x2x1x3", a, err)
		}
		d, err := OpenDir(root, nil)
		if err != nil {
			t.Fatal(err)
		}
		l, err := d.Layer(t.Context(), "conv1")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(l.Shape, []int{2, 1, 3}) || !slices.Equal(l.Row(1), data) {
			t.Errorf("read back shape %v row %v", l.Shape, l.Row(1))
		}
		for _, bad := range [][2]string{{"../x", "a"}, {"conv1", "../../a"}, {"conv1", ".hidden"}} {
			if err := w.Write(bad[0], bad[1], []int{6}, data); err == nil {
				t.Errorf("Write(%q, %q): no error", bad[0], bad[1])
			}
		}
		if err := w.Write("fc", "x", []int{5}, data); err == nil {
			t.Error("Write with a shape that does not match: no error")
		}
		ents, _ := os.ReadDir(filepath.Join(root, "fc"))
		if len(ents) != 2 {
			t.Errorf("fc holds %d files after failed writes, want 2", len(ents))
		}
	}
}
