package features

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// synthLayer returns a layer of n images with the given unit shape; every
// fifth value is zero (ReLU-like) so that LZ4 has something to compress.
func synthLayer(name string, labels []string, shape []int, seed uint64) *Layer {
	rng := rand.New(rand.NewPCG(seed, 1))
	units := prod(shape)
	l := &Layer{Name: name, Labels: labels, Shape: shape, SourceShape: shape, Data: make([]float32, len(labels)*units)}
	for i := range l.Data {
		if rng.IntN(5) != 0 {
			l.Data[i] = float32(rng.NormFloat64())
		}
	}
	return l
}

func synthLabels(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("n%08d_%d", i%7, i)
	}
	slices.Sort(s)
	return s
}

func synthStore(t testing.TB) *Mem {
	labels := synthLabels(37)
	conv := synthLayer("conv1", labels, []int{3, 4, 5}, 1)
	conv.Data[7] = float32(math.NaN())
	conv.Data[8] = float32(math.Inf(-1))
	m, err := NewMem(conv, synthLayer("fc6", labels, []int{50}, 2), synthLayer("fc8", labels, []int{1}, 3))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameLayer(t *testing.T, got, want *Layer) {
	t.Helper()
	if got.Name != want.Name || !slices.Equal(got.Labels, want.Labels) || !slices.Equal(got.Shape, want.Shape) ||
		!slices.Equal(got.SourceShape, want.SourceShape) || !slices.Equal(got.Index, want.Index) {
		t.Fatalf("layer %s: metadata differs: got %v %v %v %v, want %v %v %v %v", want.Name,
			got.Shape, got.SourceShape, got.Index, len(got.Labels), want.Shape, want.SourceShape, want.Index, len(want.Labels))
	}
	if len(got.Data) != len(want.Data) {
		t.Fatalf("layer %s: %d values, want %d", want.Name, len(got.Data), len(want.Data))
	}
	for i := range got.Data {
		if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
			t.Fatalf("layer %s: value %d = %v, want %v (bitwise)", want.Name, i, got.Data[i], want.Data[i])
		}
	}
}

func TestPackRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := synthStore(t)
	for _, bb := range []int{0, 1, 700} { // default, one row per block, a few rows per block
		t.Run(fmt.Sprint(bb), func(t *testing.T) {
			dir := t.TempDir()
			if err := Pack(ctx, src, dir, &PackOptions{BlockBytes: bb}); err != nil {
				t.Fatal(err)
			}
			for _, w := range []int{1, 3} {
				p, err := OpenPacked(dir, &PackedOptions{Workers: w})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(p.Layers(), src.Layers()) || !slices.Equal(p.Labels(), src.Labels()) {
					t.Fatalf("layers/labels differ")
				}
				for _, name := range src.Layers() {
					want, _ := src.Layer(ctx, name)
					got, err := p.Layer(ctx, name)
					if err != nil {
						t.Fatal(err)
					}
					sameLayer(t, got, want)
				}
				if got := p.Index(src.Labels()[4]); got != 5 {
					t.Errorf("Index = %d, want 5", got)
				}
			}
		})
	}
}

func TestPackIndexedRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := WithIndex(synthStore(t), UnitIndex{"conv1": {7, 0, 59, -1}, "fc6": {3}, "fc8": {0}})
	dir := t.TempDir()
	if err := Pack(ctx, src, dir, nil); err != nil {
		t.Fatal(err)
	}
	p, err := OpenPacked(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := src.Layer(ctx, "conv1")
	if !slices.Equal(want.Index, []int{7, 0, 59, 59}) || !slices.Equal(want.SourceShape, []int{3, 4, 5}) {
		t.Fatalf("indexed layer: index %v source shape %v", want.Index, want.SourceShape)
	}
	got, err := p.Layer(ctx, "conv1")
	if err != nil {
		t.Fatal(err)
	}
	sameLayer(t, got, want)
	var nf *NonFiniteError
	if err := got.CheckFinite(); !errors.As(err, &nf) || nf.NaN != 1 || nf.Inf != 0 || nf.Unit != 0 {
		t.Errorf("CheckFinite = %v", err)
	}
}

func TestPackResume(t *testing.T) {
	ctx := context.Background()
	src := synthStore(t)
	dir := t.TempDir()
	// An interrupted Pack: one layer written, no manifest.
	l, _ := src.Layer(ctx, "fc6")
	b, err := encodeLayer(l, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fc6"+PackExt), b, 0o666); err != nil {
		t.Fatal(err)
	}
	// A corrupt leftover must be rewritten, not trusted.
	bad := slices.Clone(b)
	bad[len(bad)-1] ^= 1
	if err := os.WriteFile(filepath.Join(dir, "fc8"+PackExt), bad, 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenPacked(dir, nil); err == nil {
		t.Fatal("OpenPacked of an unfinished store succeeded")
	}
	var skipped []string
	err = Pack(ctx, src, dir, &PackOptions{Version: 1, Progress: func(layer string, done, total int, skip bool) {
		if skip {
			skipped = append(skipped, layer)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(skipped, []string{"fc6"}) {
		t.Errorf("skipped %v, want [fc6]", skipped)
	}
	p, err := OpenPacked(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range src.Layers() {
		want, _ := src.Layer(ctx, name)
		got, err := p.Layer(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		sameLayer(t, got, want)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name()[0] == '.' {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestPackedCorrupt(t *testing.T) {
	ctx := context.Background()
	src := synthStore(t)
	dir := t.TempDir()
	if err := Pack(ctx, src, dir, &PackOptions{BlockBytes: 500}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "conv1"+PackExt)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Flip one bit anywhere: opening or loading must fail with ErrFormat,
	// naming the file. Try a spread of positions.
	for pos := 0; pos < len(orig); pos += 1 + len(orig)/97 {
		b := slices.Clone(orig)
		b[pos] ^= 0x10
		if err := os.WriteFile(path, b, 0o666); err != nil {
			t.Fatal(err)
		}
		p, err := OpenPacked(dir, nil)
		if err == nil {
			_, err = p.Layer(ctx, "conv1")
		}
		if err == nil {
			t.Fatalf("bit flip at %d not detected", pos)
		}
		var fe *Error
		if !errors.As(err, &fe) || fe.File != path || !errors.Is(err, ErrFormat) {
			t.Fatalf("bit flip at %d: error %v does not name the file with ErrFormat", pos, err)
		}
	}
	// Truncations.
	for _, n := range []int{0, 10, prefixLen, prefixLen + 5, len(orig) - 1} {
		if err := os.WriteFile(path, orig[:n], 0o666); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenPacked(dir, nil); !errors.Is(err, ErrFormat) {
			t.Errorf("truncated to %d: err = %v, want ErrFormat", n, err)
		}
	}
	if _, err := decodeLayer(orig, 1); err != nil {
		t.Fatal(err)
	}
}

// TestPackedHostileHeader builds headers that claim huge sizes with valid
// checksums: they must be rejected before any allocation of that size.
func TestPackedHostileHeader(t *testing.T) {
	labels := []string{"a"}
	l := &Layer{Name: "x", Labels: labels, Shape: []int{2}, SourceShape: []int{2}, Data: []float32{1, 2}}
	good, err := encodeLayer(l, 0)
	if err != nil {
		t.Fatal(err)
	}
	ph, err := readHeaderBytes(good)
	if err != nil {
		t.Fatal(err)
	}
	_ = ph
	for _, tc := range []struct {
		name  string
		shape []int
		rows  int
	}{
		{"huge shape", []int{1 << 40}, 1},
		{"huge product", []int{1 << 20, 1 << 20, 1 << 20, 1 << 20}, 1},
		{"huge rows", []int{2}, 1 << 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := hostile(tc.shape, tc.rows)
			if _, err := decodeLayer(b, 1); !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
		})
	}
}

// hostile returns a file with valid checksums whose header claims shape and
// rows but holds almost nothing.
func hostile(shape []int, rows int) []byte {
	var h []byte
	u32 := func(v uint32) { h = append(h, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)) }
	u64 := func(v uint64) { u32(uint32(v)); u32(uint32(v >> 32)) }
	u32(1)
	h = append(h, 'x')
	for range 2 {
		u32(uint32(len(shape)))
		for _, d := range shape {
			u64(uint64(d))
		}
	}
	u64(0)
	u64(uint64(rows))
	u32(1)
	h = append(h, 'a')
	return withPrefix(h)
}
