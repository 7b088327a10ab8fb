package fastl2lir

import (
	"context"
	"fmt"
	"testing"
)

// Benchmark families of issue 4 (sizes: W1 = 6000×1000 → 1000, α 100,
// n_feat 500; the dual case 1200×8000 → 1000; predict; whole-layer
// encoding via FitImages at reduced size).
func BenchmarkFit(b *testing.B) {
	for _, c := range []struct {
		name       string
		n, p, q, k int
		prec       Precision
	}{
		{"W1-quarter", 1500, 250, 250, 125, Float64},
		{"W1", 6000, 1000, 1000, 500, Float64},
		{"W1-float32", 6000, 1000, 1000, 500, Float32},
		{"dual-1200x8000", 1200, 8000, 1000, 0, Float64},
	} {
		b.Run(c.name, func(b *testing.B) {
			x, y := randProblem(1, c.n, c.p, c.q)
			o := &Options{Alpha: 100, NFeat: c.k, Precision: c.prec}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Fit(context.Background(), x, y, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPredict(b *testing.B) {
	x, y := randProblem(1, 1500, 1000, 1000)
	m, err := Fit(context.Background(), x, y, &Options{Alpha: 100, NFeat: 500})
	if err != nil {
		b.Fatal(err)
	}
	xt, _ := randProblem(2, 50, 1000, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Predict(xt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWholeLayer is the whole-layer encoding at reduced size: 1200
// images × 5 repeats, p units, 100 voxels, n_feat 500, float32 (the
// encoding scripts' precision).
func BenchmarkWholeLayer(b *testing.B) {
	for _, p := range []int{5000, 20000} {
		b.Run(fmt.Sprintf("p=%d", p), func(b *testing.B) {
			const m, reps, q = 1200, 5, 100
			x, _ := randProblem(3, m, p, 1)
			index := make([]int, m*reps)
			for t := range index {
				index[t] = t % m
			}
			_, y := randProblem(4, m*reps, 10, q)
			o := &Options{Alpha: 100, NFeat: 500, Precision: Float32}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := FitImages(context.Background(), x, index, y, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
