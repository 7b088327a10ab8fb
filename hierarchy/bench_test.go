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

// publishedLayers is the number of layers of each of the 29 published
// networks (BHscore settings.json, in its order).
var publishedLayers = []int{8, 8, 8, 8, 9, 9, 60, 80, 84, 99, 18, 35, 52, 6, 6, 12, 13, 15, 21, 46, 10, 10, 15, 21, 15, 6, 6, 6, 19}

// studyNetworks builds the published study's shape from synthetic tables:
// each network's decoding table (layers × 5 ROIs, 3,000 units per layer)
// and encoding table (5 ROIs × layers, 3,000 voxels per ROI).
func studyNetworks(b *testing.B) []Network {
	rng := rand.New(rand.NewPCG(3, 4))
	var nets []Network
	for _, L := range publishedLayers {
		dec := &Result{Entries: make([]Entry, L), Table: &Table{Entries: L, Rows: 5, Counts: make([]int, L*5)}}
		for i := range L {
			dec.Entries[i].Units = 3000
			for range 1500 {
				r := min(4, max(0, int(math.Round(float64(i)/float64(L-1)*4+rng.NormFloat64()))))
				dec.Table.Counts[i*5+r]++
			}
		}
		enc := &Result{Entries: make([]Entry, 5), Table: &Table{Entries: 5, Rows: L, Counts: make([]int, 5*L)}}
		for i := range 5 {
			enc.Entries[i].Units = 3000
			for range 1500 {
				r := min(L-1, max(0, int(math.Round(float64(i)/4*float64(L-1)+rng.NormFloat64()*float64(L)/5))))
				enc.Table.Counts[i*L+r]++
			}
		}
		sel, err := SelectLayers(context.Background(), dec.Table, nil)
		if err != nil {
			b.Fatal(err)
		}
		nets = append(nets, Network{Decoding: dec, Encoding: enc, DecodingScore: sel.Score, EncodingScore: enc.Table.Spearman()})
	}
	return nets
}

// BenchmarkUncertaintiesPublished runs Uncertainties on the shape of the
// published 29-network study with 20 bootstrap replicates and 20
// permutations (the cost is linear in both; the default of 1,000 each
// costs 50 times as much), exact 5-layer selection for decoding.
func BenchmarkUncertaintiesPublished(b *testing.B) {
	nets := studyNetworks(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Uncertainties(ctx, nets, &Uncertainty{Bootstrap: 20, Permutations: 20, Src: rand.NewPCG(1, 2)}); err != nil {
			b.Fatal(err)
		}
	}
}
