package fmri

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/internal/h5"
)

func TestPyRepr(t *testing.T) {
	// Expected strings are Python 3.11 repr(float(x)).
	for _, c := range []struct {
		x    float64
		want string
	}{
		{1, "1.0"}, {-1, "-1.0"}, {0, "0.0"}, {math.Copysign(0, -1), "-0.0"},
		{2535895.008083, "2535895.008083"}, {14390596.01431, "14390596.01431"},
		{1e-05, "1e-05"}, {0.0001, "0.0001"}, {1e16, "1e+16"}, {1e15, "1000000000000000.0"},
		{1234567890123456, "1234567890123456.0"}, {12345678901234567, "1.2345678901234568e+16"},
		{1.5e300, "1.5e+300"}, {2.5e-300, "2.5e-300"}, {0.1, "0.1"}, {123.456, "123.456"},
		{1.0 / 3, "0.3333333333333333"}, {1930254.000355, "1930254.000355"},
		{math.Inf(1), "inf"}, {math.Inf(-1), "-inf"}, {math.NaN(), "nan"},
		{5e-324, "5e-324"}, {1.7976931348623157e308, "1.7976931348623157e+308"},
	} {
		if got := PyRepr(c.x); got != c.want {
			t.Errorf("PyRepr(%v) = %q, want %q", c.x, got, c.want)
		}
		if !math.IsNaN(c.x) {
			if back, err := parsePyFloat(c.want); err != nil || back != c.x {
				t.Errorf("parsePyFloat(%q) = %v, %v", c.want, back, err)
			}
		}
	}
	for _, bad := range []string{"", "abc", "0x1p3", "1__0", "_1"} {
		if _, err := parsePyFloat(bad); err == nil {
			t.Errorf("parsePyFloat(%q) succeeded", bad)
		}
	}
}

func tinyMeta(t testing.TB) *Metadata {
	nan := math.NaN()
	m, err := NewMetadata(
		[]string{"A", "B", "C", "code", "B"},
		[]string{"a", "b", "c", "codes", "dup"},
		[]float64{
			1, 1, 0, nan, 1, 0,
			0, 1, 1, 1, nan, 0,
			nan, nan, nan, nan, nan, 1,
			1, 2, 3, 1, 2, 3,
			1, 1, 1, 1, 1, 1, // duplicate key: bdpy uses the first row only
		}, 6)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSelectorQuirks(t *testing.T) {
	m := tinyMeta(t)
	for _, c := range []struct {
		expr string
		want []int
		err  error
	}{
		{"A", []int{0, 1, 4}, nil},
		{"B", []int{1, 2, 3}, nil},
		{"A = 0", []int{2, 3, 5}, nil},
		{"code = 2", nil, nil},
		{"code = 1", []int{0, 3}, nil},
		{"A - B", []int{0, 4}, nil},
		{"A & B | C", []int{1, 5}, nil},
		// Expected columns checked against bdpy d86199fc + NumPy 1.24.2; the
		// ties of A are broken as NumPy's argsort breaks them.
		{"(A)(2)(top)", []int{1, 4}, nil},
		{"(A)(3)(top)", []int{0, 1, 4}, nil},
		{"(A)(3)(top) - B", []int{0, 4}, nil},
		{"(A)(3)(top) @ B", []int{1, 2, 3}, nil},
		{"(A)(6)(top) @ B", []int{0, 1, 2, 3, 4, 5}, nil}, // n >= columns keeps the masked-out ones too
		{"'A'", []int{0, 1, 4}, nil},
		{`"A" + C`, []int{0, 1, 4, 5}, nil},
		{"*", []int{0, 1, 2, 3, 4, 5}, nil},
		{"(A", nil, ErrKeyNotFound}, // the unmatched '(' ends up in the RPN as a key
		{"'A", nil, ErrSyntax},
		{"", nil, ErrSyntax},
		{"=", nil, ErrSyntax},
		{"1", nil, ErrSyntax},
		{"1 = 1", nil, ErrSyntax},
		{"A | 1", nil, ErrSyntax},
		{"top", nil, ErrSyntax},
		{"(A)(top)", nil, ErrSyntax},
		{"A @ B", nil, ErrSyntax},
		{"(A)(99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999)(top)", nil, ErrSyntax},
		{"Z*", nil, ErrKeyNotFound},
	} {
		got, err := m.Select(c.expr)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%q: error %v, want %v", c.expr, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.expr, err)
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q = %v, want %v", c.expr, got, c.want)
		}
	}
}

// writeBData writes a small BData-like file with h5 directly, letting a
// test break one part of it.
func writeBData(t *testing.T, name string, mutate func(f *h5.File)) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	f, err := h5.Create(p, 0)
	if err != nil {
		t.Fatal(err)
	}
	nan := math.NaN()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if mutate == nil {
		mutate = func(*h5.File) {}
	}
	must(f.Write("/dataset", []int{3, 3}, []float64{1, 2, 1, 3, 4, 2, 5, 6, nan}))
	must(f.WriteStrings("/metadata/key", []int{2}, []string{"VoxelData", "stimulus_name"}, true))
	must(f.WriteStrings("/metadata/description", []int{2}, []string{"1 = VoxelData", "1 = stimulus_name"}, true))
	must(f.WriteStrings("/vmap/stimulus_name/1.0", nil, []string{"n01_1"}, true))
	mutate(f)
	if !f.Exists("/metadata/value") {
		must(f.Write("/metadata/value", []int{2, 3}, []float64{1, 1, nan, nan, nan, 1}))
	}
	must(f.Close())
	return p
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	notH5 := filepath.Join(dir, "text.h5")
	os.WriteFile(notH5, []byte("hello, not HDF5"), 0o644)
	noData := writeBData(t, "nodata.h5", func(f *h5.File) {
		f.Write("/other", []int{1}, []float64{1})
	})
	// Replace /dataset by writing the file without it.
	noData = filepath.Join(dir, "nodata.h5")
	{
		f, _ := h5.Create(noData, 0)
		f.WriteStrings("/metadata/key", []int{1}, []string{"A"}, true)
		f.WriteStrings("/metadata/description", []int{1}, []string{"a"}, true)
		f.Write("/metadata/value", []int{1, 2}, []float64{1, 1})
		f.Close()
	}
	wide := writeBData(t, "wide.h5", func(f *h5.File) {
		f.Write("/metadata/value", []int{2, 4}, []float64{1, 1, 1, 1, 1, 1, 1, 1})
	})
	for _, c := range []struct {
		name, file, key string
		err             error
	}{
		{"missing", filepath.Join(dir, "absent.h5"), "", os.ErrNotExist},
		{"not HDF5", notH5, "", ErrFormat},
		{"no dataset", noData, "/dataset", ErrFormat},
		{"metadata width", wide, "/metadata/value", ErrShape},
	} {
		_, err := Open(c.file)
		if !errors.Is(err, c.err) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.err)
			continue
		}
		if !strings.Contains(err.Error(), c.file) || !strings.Contains(err.Error(), c.key) || !strings.HasPrefix(err.Error(), "fmri: ") {
			t.Errorf("%s: error %q does not name file and key %q", c.name, err, c.key)
		}
	}

	// Trial 2 has NaN; trial 1 has value 2.0, which has no vmap entry.
	p := writeBData(t, "labels.h5", nil)
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = f.Labels(ctx, "stimulus_name")
	if !errors.Is(err, ErrNoLabel) || !strings.Contains(err.Error(), "stimulus_name") || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "2.0") {
		t.Errorf("missing label: %v", err)
	}
	if _, err := f.Labels(ctx, "VoxelData"); !errors.Is(err, ErrNoLabel) {
		t.Errorf("key without vmap: %v", err)
	}
	v, err := f.Values(ctx, "stimulus_name")
	if err != nil || len(v) != 3 || v[0] != 1 || v[1] != 2 || !math.IsNaN(v[2]) {
		t.Fatalf("Values = %v, %v", v, err)
	}
	x, _ := f.Select(ctx, "VoxelData")
	if _, _, _, err := MeanByLabel(x, v, Float64); !errors.Is(err, ErrNaNLabel) {
		t.Errorf("NaN label in MeanByLabel: %v", err)
	}
	if _, err := labelsOf([]float64{1, math.NaN()}, map[float64]string{1: "a"}); !errors.Is(err, ErrNaNLabel) {
		t.Errorf("NaN label: %v", err)
	}
	if _, err := f.Select(ctx, "VoxelData - VoxelData"); !errors.Is(err, ErrEmptySelection) {
		t.Errorf("empty selection: %v", err)
	}
	if _, err := f.Select(ctx, "ROI_V9"); !errors.Is(err, ErrKeyNotFound) || !strings.Contains(err.Error(), `"ROI_V9"`) || !strings.Contains(err.Error(), p) {
		t.Errorf("unknown key: %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	src, err := Open(filepath.Join("testdata", "sub-02_tiny_VC.h5"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	b, err := src.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "copy.h5")
	if err := b.Save(out); err != nil {
		t.Fatal(err)
	}
	got, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	g, err := got.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(g.Dataset(), b.Dataset()) {
		t.Error("dataset differs after round trip")
	}
	if !slices.Equal(g.Metadata().Keys(), b.Metadata().Keys()) || !slices.Equal(g.Metadata().Descriptions(), b.Metadata().Descriptions()) {
		t.Error("metadata keys or descriptions differ")
	}
	for i := range b.Metadata().vals {
		if !same(b.Metadata().vals[i], g.Metadata().vals[i]) {
			t.Fatalf("metadata value %d differs", i)
		}
	}
	for _, k := range src.VmapKeys() {
		a, _ := src.Vmap(k)
		c, err := got.Vmap(k)
		if err != nil || len(a) != len(c) {
			t.Fatalf("vmap %s: %v", k, err)
		}
		for x, l := range a {
			if c[x] != l {
				t.Errorf("vmap %s[%v] = %q, want %q", k, x, c[x], l)
			}
		}
		la, _ := src.Labels(ctx, k)
		lc, _ := got.Labels(ctx, k)
		if !slices.Equal(la, lc) {
			t.Errorf("labels %s differ", k)
		}
	}
	h := got.Header()
	if h["ctime"].Strings == nil || h["ctime_epoch"].Numbers == nil || !slices.Equal(h["callstack"].Strings, src.Header()["callstack"].Strings) {
		t.Errorf("header = %+v", h)
	}
	// The layout is the one bdpy writes: variable-length strings, scalar
	// vmap members named by repr(float).
	hf, err := h5.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer hf.Close()
	for _, p := range []string{"/metadata/key", "/metadata/description", "/header/ctime", "/vmap/stimulus_name/2535895.008083"} {
		in, err := hf.Info(p)
		if err != nil || in.Class != h5.ClassString || !in.VarLen {
			t.Errorf("%s: %+v %v, want a variable-length string", p, in, err)
		}
	}
	if in, err := hf.Info("/vmap/stimulus_name/2535895.008083"); err != nil || len(in.Dims) != 0 {
		t.Errorf("vmap member: %+v %v, want a scalar", in, err)
	}
}

func TestBuild(t *testing.T) {
	ctx := context.Background()
	b := New()
	x := mat.NewDense(4, 3, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.Add(x, "VoxelData"))
	must(b.AddMetadata("ROI_V1", []float64{1, 0, 1}, "V1", "VoxelData"))
	must(b.Add(mat.NewDense(4, 1, []float64{1, 2, 1, 1e-05}), "stimulus_name"))
	if err := b.AddVmap("stimulus_name", map[float64]string{1: "a"}); !errors.Is(err, ErrNoLabel) {
		t.Errorf("AddVmap without label for 2.0: %v", err)
	}
	must(b.AddVmap("stimulus_name", map[float64]string{1: "a", 2: "b", 1e-05: "tiny", 7: "unused"}))
	if _, err := b.Vmap("stimulus_name"); err != nil {
		t.Fatal(err)
	}
	if vm, _ := b.Vmap("stimulus_name"); len(vm) != 3 {
		t.Errorf("vmap keeps %d labels, want the 3 in use", len(vm))
	}
	cols, err := b.Columns("ROI_V1")
	if err != nil || !slices.Equal(cols, []int{0, 2}) {
		t.Errorf("ROI_V1 columns %v %v", cols, err)
	}
	v, _ := b.Metadata().Value("ROI_V1")
	if v[1] != 0 || !math.IsNaN(v[3]) {
		t.Errorf("ROI_V1 metadata %v", v)
	}
	p := filepath.Join(t.TempDir(), "built.h5")
	must(b.Save(p))
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := f.Labels(ctx, "stimulus_name")
	if err != nil || !slices.Equal(l, []string{"a", "b", "a", "tiny"}) {
		t.Errorf("labels %q %v", l, err)
	}
	hf, _ := h5.Open(p)
	defer hf.Close()
	if names, _ := hf.Members("/vmap/stimulus_name"); !slices.Equal(names, []string{"1.0", "1e-05", "2.0"}) {
		t.Errorf("vmap member names %q", names)
	}
	got, err := f.Select(ctx, "ROI_V1 = 1")
	if err != nil || !mat.Equal(got, mat.NewDense(4, 2, []float64{1, 3, 4, 6, 7, 9, 10, 12})) {
		t.Errorf("Select ROI_V1 = %v, %v", mat.Formatted(got), err)
	}
	tr, err := ReadTrials(ctx, f, "ROI_V1", "stimulus_name")
	if err != nil || tr.X == nil || len(tr.Labels) != 4 || len(tr.Values) != 4 {
		t.Errorf("ReadTrials = %+v, %v", tr, err)
	}
}

func TestReadColumnsBlocks(t *testing.T) {
	// A dataset much wider than blockBytes/rows forces several row blocks;
	// compare against the in-memory copy.
	ctx := context.Background()
	const rows, cols = 50, 30000
	b := New()
	data := make([]float64, rows*cols)
	for i := range data {
		data[i] = float64(i)
	}
	if err := b.Add(mat.NewDense(rows, cols, data), "VoxelData"); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "wide.h5")
	if err := b.Save(p); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sel := []int{29999, 0, 5, 17000, 5}
	got, err := f.ReadColumns(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := b.ReadColumns(ctx, sel)
	if !mat.Equal(got, want) {
		t.Error("ReadColumns differs from the in-memory copy")
	}
	all, err := f.Select(ctx, "VoxelData")
	if err != nil || !mat.Equal(all, b.Dataset()) {
		t.Errorf("full read differs: %v", err)
	}
}

func TestLegacyFixedLengthStrings(t *testing.T) {
	// The legacy file stores keys and descriptions as fixed-length
	// NUL-padded strings (11 and 35 bytes, conformance README); Open reads
	// them like the variable-length ones (TestConformance checks values).
	p := filepath.Join("testdata", "legacy_dataSet_metaData.h5")
	hf, err := h5.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer hf.Close()
	for _, path := range []string{"/metaData/key", "/metaData/description"} {
		if in, err := hf.Info(path); err != nil || in.VarLen || in.Class != h5.ClassString {
			t.Errorf("%s: %+v %v, want fixed-length strings", path, in, err)
		}
	}
	f, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if k := f.Metadata().Keys(); len(k) != 12 || k[0] != "VoxelData" {
		t.Errorf("keys %q", k)
	}
	if len(f.VmapKeys()) != 0 || len(f.Header()) != 0 {
		t.Errorf("legacy file has vmap %v header %v", f.VmapKeys(), f.Header())
	}
}

func TestConcurrentSelect(t *testing.T) {
	f, err := Open(filepath.Join("testdata", "sub-01_tiny_VC.h5"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	want, err := f.Select(ctx, "ROI_V2")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 8)
	for range 8 {
		go func() {
			got, err := f.Select(ctx, "ROI_V2")
			if err == nil && !mat.Equal(got, want) {
				err = errors.New("concurrent Select differs")
			}
			errc <- err
		}()
	}
	for range 8 {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}
