package features

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// wantColumns returns units [u0, u1) of l in the given order, unit-major.
func wantColumns(l *Layer, order Order, u0, u1 int) []float32 {
	out := make([]float32, 0, (u1-u0)*l.Rows())
	flat := make([][]float32, l.Rows())
	for r := range flat {
		flat[r] = Flatten(nil, l.Row(r), l.Shape, order)
	}
	for u := u0; u < u1; u++ {
		for r := range flat {
			out = append(out, flat[r][u])
		}
	}
	return out
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: value %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestPack2Tiling(t *testing.T) {
	ctx := context.Background()
	src := synthStore(t)
	for _, o := range []PackOptions{
		{},                             // one tile per layer
		{BlockBytes: 1, BlockUnits: 7}, // one row per tile, 7 units per block
		{BlockBytes: 100, BlockUnits: 8, COrder: true},
		{BlockUnits: 16, Memory: 3 * 60 * 4}, // memory allows 3 rows of conv1
	} {
		t.Run(fmt.Sprintf("%+v", o), func(t *testing.T) {
			dir := t.TempDir()
			if err := Pack(ctx, src, dir, &o); err != nil {
				t.Fatal(err)
			}
			p, err := OpenPacked(dir, &PackedOptions{Workers: 3})
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
				part, err := p.Rows(ctx, name, 5, 17)
				if err != nil {
					t.Fatal(err)
				}
				wpart, _ := want.slice(5, 17)
				sameLayer(t, part, wpart)

				c, err := p.Columns(name)
				if err != nil {
					t.Fatal(err)
				}
				order := Fortran
				if o.COrder || len(want.Shape) < 2 {
					order = C
				}
				if c.Order() != order {
					t.Errorf("%s: order %v, want %v", name, c.Order(), order)
				}
				n := want.Units()
				for _, r := range [][2]int{{0, n}, {0, 1}, {n - 1, n}, {min(3, n-1), min(n, 19)}} {
					dst := make([]float32, (r[1]-r[0])*want.Rows())
					if err := c.Read(ctx, r[0], r[1], dst); err != nil {
						t.Fatal(err)
					}
					sameBits(t, fmt.Sprintf("%s units %v", name, r), dst, wantColumns(want, order, r[0], r[1]))
				}
				c.Close()
			}
		})
	}
}

// rowSpy records the largest row range Pack asks for.
type rowSpy struct {
	*Mem
	mu  sync.Mutex
	max int
}

func (s *rowSpy) Rows(ctx context.Context, name string, r0, r1 int) (*Layer, error) {
	s.mu.Lock()
	s.max = max(s.max, r1-r0)
	s.mu.Unlock()
	return s.Mem.Rows(ctx, name, r0, r1)
}

func TestPack2Memory(t *testing.T) {
	ctx := context.Background()
	labels := synthLabels(50)
	big := synthLayer("conv", labels, []int{4, 10, 10}, 5) // 400 units, 1600 B a row
	m, _ := NewMem(big)
	spy := &rowSpy{Mem: m}
	dir := t.TempDir()
	if err := Pack(ctx, spy, dir, &PackOptions{Memory: 8000}); err != nil {
		t.Fatal(err)
	}
	if spy.max != 5 { // 8000 / 1600
		t.Errorf("Pack read %d rows at once, want 5", spy.max)
	}
	p, err := OpenPacked(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Layer(ctx, "conv")
	if err != nil {
		t.Fatal(err)
	}
	sameLayer(t, got, big)
	c, _ := p.Columns("conv")
	defer c.Close()
	// Memory capped rows at 5: unit blocks grow to keep 1 MiB tiles
	// (capped by the layer's 400 units).
	if c.ph.rowsPerBlk != 5 || c.BlockUnits() != 400 {
		t.Errorf("tiling %d rows x %d units", c.ph.rowsPerBlk, c.BlockUnits())
	}
}

func TestChooseTiling(t *testing.T) {
	for _, c := range []struct {
		rows, units, bb, bu int
		mem                 int64
		want                tiling
	}{
		{1200, 3211264, 0, 0, 0, tiling{20, 13312}}, // 256 MiB / 12.8 MB = 20 rows; 1 MiB / 80 B
		{1200, 4096, 0, 0, 0, tiling{64, 4096}},
		{1200, 1000, 0, 0, 0, tiling{262, 1000}},
		{10, 1000, 0, 0, 0, tiling{10, 1000}},
		{1200, 290400, 0, 0, 1 << 30, tiling{64, 4096}},
	} {
		got := chooseTiling(c.rows, c.units, c.bb, c.bu, c.mem)
		if got != c.want {
			t.Errorf("chooseTiling(%d, %d, %d, %d, %d) = %+v, want %+v", c.rows, c.units, c.bb, c.bu, c.mem, got, c.want)
		}
	}
}

func TestOpenColumns(t *testing.T) {
	ctx := context.Background()
	src := synthStore(t)
	conv, _ := src.Layer(ctx, "conv1")
	scratch := t.TempDir()
	check := func(t *testing.T, s Store, order Order, inPlace bool) {
		t.Helper()
		c, err := OpenColumns(ctx, s, "conv1", &ColumnsOptions{Order: order, ScratchDir: scratch})
		if err != nil {
			t.Fatal(err)
		}
		if c.Order() != order || (c.scratch == "") != inPlace {
			t.Errorf("order %v scratch %q, want %v in place %v", c.Order(), c.scratch, order, inPlace)
		}
		dst := make([]float32, conv.Units()*conv.Rows())
		if err := c.Read(ctx, 0, conv.Units(), dst); err != nil {
			t.Fatal(err)
		}
		sameBits(t, "conv1", dst, wantColumns(conv, order, 0, conv.Units()))
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if ents, _ := os.ReadDir(scratch); len(ents) != 0 {
			t.Errorf("scratch files left: %v", ents)
		}
	}
	check(t, src, Fortran, false)
	check(t, src, C, false)
	dirF, dirC, dir1 := t.TempDir(), t.TempDir(), t.TempDir()
	for d, o := range map[string]*PackOptions{dirF: {BlockUnits: 8}, dirC: {COrder: true}, dir1: {Version: 1, BlockBytes: 300}} {
		if err := Pack(ctx, src, d, o); err != nil {
			t.Fatal(err)
		}
	}
	pf, _ := OpenPacked(dirF, nil)
	pc, _ := OpenPacked(dirC, nil)
	p1, _ := OpenPacked(dir1, nil)
	check(t, pf, Fortran, true)
	check(t, pf, C, false)
	check(t, pc, C, true)
	check(t, p1, Fortran, false)
	// A version 1 file reads in C order in place.
	c, err := p1.Columns("conv1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dst := make([]float32, 5*conv.Rows())
	if err := c.Read(ctx, 40, 45, dst); err != nil {
		t.Fatal(err)
	}
	sameBits(t, "v1 columns", dst, wantColumns(conv, C, 40, 45))
	if _, err := OpenColumns(ctx, src, "nope", nil); !errors.Is(err, ErrNoLayer) {
		t.Errorf("missing layer: %v", err)
	}
}

func TestColumnsCorrupt(t *testing.T) {
	ctx := context.Background()
	src := synthStore(t)
	dir := t.TempDir()
	if err := Pack(ctx, src, dir, &PackOptions{BlockUnits: 8, BlockBytes: 200}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "conv1"+PackExt)
	b, _ := os.ReadFile(path)
	b[len(b)-5] ^= 0x40 // inside the last tile
	if err := os.WriteFile(path, b, 0o666); err != nil {
		t.Fatal(err)
	}
	p, err := OpenPacked(dir, nil) // headers are intact
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Columns("conv1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dst := make([]float32, 8*37)
	if err := c.Read(ctx, 0, 8, dst); err != nil {
		t.Errorf("first block: %v", err)
	}
	dst = make([]float32, 4*37)
	var fe *Error
	if err := c.Read(ctx, 56, 60, dst); !errors.Is(err, ErrFormat) || !errors.As(err, &fe) || fe.File != path {
		t.Errorf("last block: err = %v, want ErrFormat naming %s", err, path)
	}
}
