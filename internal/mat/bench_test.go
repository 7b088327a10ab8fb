package mat

import (
	"math/rand/v2"
	"path/filepath"
	"testing"
)

func featArray(dims []int, c Class) *Array {
	rng := rand.New(rand.NewPCG(3, 4))
	a := &Array{Dims: dims, Class: c, Data: make([]float64, product(dims))}
	for i := range a.Data {
		a.Data[i] = float64(float32(rng.NormFloat64()))
	}
	return a
}

// BenchmarkDecodeV5 decodes one DNN feature file of 4,096 units (1 x 4096
// and 1 x 256 x 4 x 4, the latter needing the column-major conversion)
// from memory, as written by scipy.io.savemat (single, compressed or not).
func BenchmarkDecodeV5(b *testing.B) {
	for _, dims := range [][]int{{1, 4096}, {1, 256, 4, 4}} {
		for _, c := range []Class{Single, Double} {
			for _, z := range []bool{false, true} {
				name := c.String()
				if z {
					name += "_compressed"
				}
				if len(dims) == 4 {
					name += "_4d"
				}
				raw, err := EncodeV5(map[string]*Array{"feat": featArray(dims, c)}, z)
				if err != nil {
					b.Fatal(err)
				}
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					b.SetBytes(int64(4096 * c.size()))
					for b.Loop() {
						if _, err := DecodeV5(raw, "feat"); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// BenchmarkRead reads one 1 x 4096 single file from disk per format.
func BenchmarkRead(b *testing.B) {
	dir := b.TempDir()
	vars := map[string]*Array{"feat": featArray([]int{1, 4096}, Single)}
	for _, f := range []struct {
		name  string
		write func(string) error
	}{
		{"v5", func(p string) error { return WriteV5(p, vars, false) }},
		{"v5_compressed", func(p string) error { return WriteV5(p, vars, true) }},
		{"v73", func(p string) error { return WriteV73(p, vars) }},
	} {
		p := filepath.Join(dir, f.name+".mat")
		if err := f.write(p); err != nil {
			b.Fatal(err)
		}
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(4096 * 4)
			for b.Loop() {
				if _, err := Read(p, "feat"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
