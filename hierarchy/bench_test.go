package hierarchy

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// TestBandDecision checks that the fast critical-t band makes the same
// decision as evaluating p for every r on a fine grid.
func TestBandDecision(t *testing.T) {
	for _, pval := range []float64{0.05, 0.01, 0.001} {
		for _, df := range []int{48, 8, 197} {
			for _, ts := range []TStatistic{ReferenceT, TextbookT} {
				lo, hi := tBand(pval, df)
				for i := 0; i <= 200000; i++ {
					r := float64(i) / 200000
					tt := tStat64(r, df, ts)
					exact := 2*(1-studentTCDF(tt, df)) < pval
					fast := tt > hi || (tt >= lo && exact)
					if fast != exact {
						t.Fatalf("p<%v df %d %v r=%v: band %v, exact %v", pval, df, ts, r, fast, exact)
					}
				}
			}
		}
	}
}

// benchNets returns n synthetic networks of L layers × R ROIs × units
// float32 accuracies (the paper's scale: 80 layers, 5 ROIs, 3 subjects ×
// 1,000 units pooled).
func benchNets(n, L, R, units int) [][][][]float32 {
	rng := rand.New(rand.NewPCG(42, 1))
	nets := make([][][][]float32, n)
	for d := range nets {
		nets[d] = make([][][]float32, L)
		for i := range L {
			centre := float64(i) / float64(L-1) * float64(R-1)
			nets[d][i] = make([][]float32, R)
			for r := range R {
				row := make([]float32, units)
				g := math.Exp(-(float64(r) - centre) * (float64(r) - centre) / 2)
				for u := range row {
					row[u] = float32(0.5*g + 0.15*rng.NormFloat64())
				}
				nets[d][i][r] = row
			}
		}
	}
	return nets
}

func BenchmarkStudy(b *testing.B) {
	nets := benchNets(29, 80, 5, 3000)
	ctx := context.Background()
	b.Run("Compute/29DNNs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, acc := range nets {
				if _, err := Compute(acc, nil); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("ComputeExact5/29DNNs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, acc := range nets {
				res, err := Compute(acc, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := SelectLayers(ctx, res.Table, nil); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	res, _ := Compute(nets[0], nil)
	b.Run("Exact5/1DNN", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			SelectLayers(ctx, res.Table, nil)
		}
	})
	b.Run("Numpy100/1DNN", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			SelectLayers(ctx, res.Table, &Selection{Method: Numpy})
		}
	})
}
