package features

import (
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// copyTree copies testdata/<name> into a fresh writable directory.
func copyTree(t *testing.T, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	src := filepath.Join("testdata", name)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o777)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o666)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func wantFileErr(t *testing.T, err error, file string, target error, text string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one naming %s", file)
	}
	var fe *Error
	if !errors.As(err, &fe) || fe.File != file {
		t.Fatalf("error %q does not name %s", err, file)
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("error %q does not wrap %v", err, target)
	}
	if !strings.Contains(err.Error(), text) {
		t.Fatalf("error %q does not say %q", err, text)
	}
}

const conv1Stem = "n01443537_9733"

func TestDirListing(t *testing.T) {
	root := copyTree(t, "basic")
	// Not layers or stems: a file in the root, hidden files, other extensions.
	for _, p := range []string{"index_random4.mat", "conv1/.hidden.mat", "conv1/notes.txt", "fc6/x.mat.bak"} {
		if err := os.WriteFile(filepath.Join(root, p), []byte("x"), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	d, err := OpenDir(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Layers(), []string{"conv1", "fc6", "fc8"}) || len(d.Labels()) != 6 {
		t.Errorf("layers %v labels %v", d.Layers(), d.Labels())
	}
	if d.Index("n01443537_9733") != 2 || d.Index("nope") != 0 {
		t.Errorf("Index wrong")
	}
	if _, err := d.Layer(context.Background(), "fc7"); !errors.Is(err, ErrNoLayer) {
		t.Errorf("missing layer: %v", err)
	}
	if _, err := OpenDir(t.TempDir(), nil); err == nil {
		t.Error("empty root opened")
	}
	if _, err := OpenDir(filepath.Join(root, "nope"), nil); err == nil {
		t.Error("missing root opened")
	}
}

func TestDirStemMismatch(t *testing.T) {
	root := copyTree(t, "basic")
	os.Remove(filepath.Join(root, "fc6", conv1Stem+".mat"))
	os.WriteFile(filepath.Join(root, "fc6", "n09999999_1.mat"), nil, 0o666)
	_, err := OpenDir(root, nil)
	wantFileErr(t, err, filepath.Join(root, "fc6"), ErrMismatch,
		"stems differ from layer conv1: missing n01443537_9733.mat; extra n09999999_1.mat")
}

func TestDirBadFiles(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		layer  string
		modify func(t *testing.T, path string)
		target error
		text   string
	}{
		{"truncated v5", "conv1", func(t *testing.T, p string) {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:150], 0o666)
		}, nil, ""},
		{"truncated v7.3", "fc6", func(t *testing.T, p string) {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:1000], 0o666)
		}, nil, ""},
		{"garbage", "fc8", func(t *testing.T, p string) {
			os.WriteFile(p, []byte(strings.Repeat("not a mat file ", 20)), 0o666)
		}, nil, ""},
		{"empty", "conv1", func(t *testing.T, p string) { os.WriteFile(p, nil, 0o666) }, nil, ""},
		{"no feat", "conv1", func(t *testing.T, p string) {
			writeV5(t, p, "x", []int{1, 2, 3, 3}, make([]float64, 18))
		}, nil, ""},
		{"shape", "conv1", func(t *testing.T, p string) {
			writeV5(t, p, "feat", []int{1, 18}, make([]float64, 18))
		}, ErrMismatch, "feat has shape 1x18"},
		{"batch", "conv1", func(t *testing.T, p string) {
			writeV5(t, p, "feat", []int{2, 9}, make([]float64, 18))
		}, ErrFormat, "want 1 x unit shape"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := copyTree(t, "basic")
			path := filepath.Join(root, tc.layer, conv1Stem+".mat")
			tc.modify(t, path)
			d, err := OpenDir(root, &DirOptions{Workers: 3})
			if err != nil {
				t.Fatal(err)
			}
			_, err = d.Layer(ctx, tc.layer)
			wantFileErr(t, err, path, tc.target, tc.text)
			var fe *Error
			if errors.As(err, &fe) && (fe.Layer != tc.layer || fe.Label != conv1Stem) {
				t.Errorf("error %q: layer %q label %q", err, fe.Layer, fe.Label)
			}
		})
	}
}

func TestDirNonFinite(t *testing.T) {
	root := copyTree(t, "basic")
	data := make([]float64, 18)
	data[4], data[5] = math.NaN(), math.Inf(1)
	writeV5(t, filepath.Join(root, "conv1", conv1Stem+".mat"), "feat", []int{1, 2, 3, 3}, data)
	d, err := OpenDir(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := d.Layer(context.Background(), "conv1")
	if err != nil {
		t.Fatal(err)
	}
	if v := l.At(1, 4); !math.IsNaN(float64(v)) || !math.IsInf(float64(l.At(1, 5)), 1) {
		t.Errorf("NaN/Inf not kept: %v %v", v, l.At(1, 5))
	}
	var nf *NonFiniteError
	if err := l.CheckFinite(); !errors.As(err, &nf) || nf.NaN != 1 || nf.Inf != 1 || nf.Label != conv1Stem || nf.Unit != 4 {
		t.Errorf("CheckFinite = %v", err)
	}
}

func TestDirIndexErrors(t *testing.T) {
	ctx := context.Background()
	// with_index's index file knows conv2 and fc7, not basic's layers.
	idx := filepath.Join("testdata", "with_index", "index_random4.mat")
	d, err := OpenDir(filepath.Join("testdata", "basic"), &DirOptions{IndexFile: idx})
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Layer(ctx, "conv1")
	wantFileErr(t, err, idx, nil, "layer missing from the feature index")

	// Out-of-range positions.
	d, err = OpenDir(filepath.Join("testdata", "with_index"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = WithIndex(d, UnitIndex{"fc7": {8}}).Layer(ctx, "fc7")
	if err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("out-of-range index: %v", err)
	}
	if _, err := ReadIndex(filepath.Join("testdata", "basic", "conv1", conv1Stem+".mat")); !errors.Is(err, ErrFormat) {
		t.Errorf("v5 file as index: %v", err)
	}
	if _, err := ReadIndex(filepath.Join("testdata", "basic", "fc6", conv1Stem+".mat")); !errors.Is(err, ErrFormat) {
		t.Errorf("feature file as index: %v", err)
	}
}

func TestDirPackEqual(t *testing.T) {
	ctx := context.Background()
	d, err := OpenDir(filepath.Join("testdata", "with_index"), &DirOptions{IndexFile: filepath.Join("testdata", "with_index", "index_random4.mat")})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Pack(ctx, d, dir, nil); err != nil {
		t.Fatal(err)
	}
	p, err := OpenPacked(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range d.Layers() {
		want, err := d.Layer(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Layer(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		sameLayer(t, got, want)
	}
}
