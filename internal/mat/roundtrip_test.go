package mat

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
)

// testArrays returns arrays of every class and a range of shapes, with
// values each class holds exactly (special floats included).
func testArrays() map[string]*Array {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][]int{{1, 7}, {5, 1}, {3, 4}, {1, 3, 4, 2}, {2, 3, 2, 2, 3}, {6}, {}, {0, 3}}
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 5e-324, math.MaxFloat64}
	m := map[string]*Array{}
	for c := Double; c <= Logical; c++ {
		for si, sh := range shapes {
			a := &Array{Dims: slices.Clone(sh), Class: c, Data: make([]float64, product(sh))}
			for i := range a.Data {
				switch c {
				case Double:
					a.Data[i] = rng.NormFloat64() * 1e3
					if i < len(specials) && si == 2 {
						a.Data[i] = specials[i]
					}
				case Single:
					a.Data[i] = float64(float32(rng.NormFloat64()))
					if i < 4 && si == 2 {
						a.Data[i] = float64(float32(specials[i]))
					}
				case Logical:
					a.Data[i] = float64(rng.IntN(2))
				default:
					r := classRange[c]
					lo, hi := r[0], r[1]
					switch i {
					case 0:
						a.Data[i] = lo
					case 1:
						a.Data[i] = hi - 1
						if c == Int64 || c == Uint64 {
							a.Data[i] = hi - 4096 // representable float64 below 2^63 / 2^64
						}
					default:
						a.Data[i] = math.Floor(lo + rng.Float64()*(min(hi, 1<<40)-lo))
					}
				}
			}
			m[c.String()+"_"+string(rune('a'+si))] = a
		}
	}
	return m
}

func sameArray(t *testing.T, what string, got, want *Array, wantDims []int) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: missing", what)
		return
	}
	if !slices.Equal(got.Dims, wantDims) || got.Class != want.Class || len(got.Data) != len(want.Data) {
		t.Errorf("%s: got %v %v (%d values), want %v %v (%d)", what, got.Dims, got.Class, len(got.Data), wantDims, want.Class, len(want.Data))
		return
	}
	for i := range got.Data {
		if math.Float64bits(got.Data[i]) != math.Float64bits(want.Data[i]) {
			t.Errorf("%s[%d] = %v, want %v", what, i, got.Data[i], want.Data[i])
			return
		}
	}
}

// v5Dims is what a v5 file gives back for numpy dims d.
func v5Dims(d []int) []int {
	switch len(d) {
	case 0:
		return []int{1, 1}
	case 1:
		return []int{1, d[0]}
	}
	return d
}

func TestRoundTrip(t *testing.T) {
	vars := testArrays()
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		write func(string) error
		dims  func([]int) []int
	}{
		{"v5", func(p string) error { return WriteV5(p, vars, false) }, v5Dims},
		{"v5z", func(p string) error { return WriteV5(p, vars, true) }, v5Dims},
		{"v73", func(p string) error { return WriteV73(p, vars) }, func(d []int) []int { return d }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".mat")
			if err := tc.write(p); err != nil {
				t.Fatal(err)
			}
			all, err := ReadAll(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != len(vars) {
				t.Errorf("ReadAll: %d variables, want %d", len(all), len(vars))
			}
			for n, want := range vars {
				sameArray(t, n, all[n], want, tc.dims(want.Dims))
				a, err := Read(p, n)
				if err != nil {
					t.Fatal(err)
				}
				sameArray(t, n, a, want, tc.dims(want.Dims))
			}
		})
	}
}

func TestSparseRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, sh := range [][]int{{15, 6}, {12, 2, 3}, {7}, {4, 0}} {
		a := &Array{Dims: sh, Class: Single, Data: make([]float64, product(sh))}
		for i := range a.Data {
			if i%3 == 1 {
				a.Data[i] = float64(float32(i) / 7)
			}
		}
		if len(a.Data) > 4 {
			a.Data[4] = float64(float32(math.NaN())) // what a float32 file holds
		}
		p := filepath.Join(dir, "W.mat")
		if err := WriteSparse(p, "W", a); err != nil {
			t.Fatal(err)
		}
		got, err := ReadSparse(p, "W")
		if err != nil {
			t.Fatal(err)
		}
		want := *a
		want.Class = Double
		sameArray(t, "W", got, &want, sh)
		s, err := ReadSparseComponents(p, "W")
		if err != nil {
			t.Fatal(err)
		}
		if s.Class != Single {
			t.Errorf("value class %v, want single", s.Class)
		}
	}
}
