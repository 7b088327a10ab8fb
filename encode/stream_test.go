package encode

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/bdmodel"
	"github.com/brainhierarchy/bhscore/features"
)

// streamData returns a layer of m training images and nt test images with
// the given unit shape, and two ROIs' training and test trials (voxels
// driven by a few units plus noise; 3 and 2 repetitions, the second ROI
// without trials for two training images).
func streamData(shape []int, m, nt int) (train, test *features.Layer, tr, te []Target) {
	rng := rand.New(rand.NewPCG(11, uint64(len(shape))))
	units := 1
	for _, d := range shape {
		units *= d
	}
	mk := func(prefix string, n int) *features.Layer {
		labels := make([]string, n)
		for i := range labels {
			labels[i] = fmt.Sprintf("%s%04d", prefix, i)
		}
		l := &features.Layer{Name: "conv", Labels: labels, Shape: shape, SourceShape: shape, Data: make([]float32, n*units)}
		for i := range l.Data {
			if rng.IntN(4) != 0 {
				l.Data[i] = float32(rng.ExpFloat64())
			}
		}
		return l
	}
	train, test = mk("a", m), mk("b", nt)
	roi := func(l *features.Layer, voxels, reps, skip int) Target {
		var t Target
		var rows [][]float64
		for r := range reps {
			for i := skip; i < l.Rows(); i++ {
				row := make([]float64, voxels)
				for v := range row {
					row[v] = float64(l.Row(i)[(v*37+r)%units]) + rng.NormFloat64()
				}
				rows = append(rows, row)
				t.Labels = append(t.Labels, l.Labels[i])
			}
		}
		y := mat.NewDense(len(rows), voxels, nil)
		for i, r := range rows {
			y.SetRow(i, r)
		}
		t.Y = y
		return t
	}
	tr = []Target{roi(train, 9, 3, 0), roi(train, 70, 2, 2)}
	te = []Target{roi(test, 9, 2, 0), roi(test, 70, 2, 0)}
	return train, test, tr, te
}

func TestTrainStreamIdentical(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		shape []int
		block int
	}{
		{"conv", []int{4, 6, 50}, 1024},
		{"fc, last block of one unit", []int{2049}, 1024},
	} {
		t.Run(tc.name, func(t *testing.T) {
			train, test, tr, te := streamData(tc.shape, 30, 8)
			nfeat := 20
			o := &Options{NFeat: &nfeat, Workers: 2}
			// A packed store (Fortran order) for training, a bdpy-like
			// Mem store through a scratch file for testing.
			trainMem, _ := features.NewMem(train)
			testMem, _ := features.NewMem(test)
			dir := t.TempDir()
			if err := features.Pack(ctx, trainMem, dir, &features.PackOptions{BlockUnits: 2048}); err != nil {
				t.Fatal(err)
			}
			p, err := features.OpenPacked(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			cols, err := features.OpenColumns(ctx, p, "conv", &features.ColumnsOptions{Order: features.Fortran})
			if err != nil {
				t.Fatal(err)
			}
			defer cols.Close()
			tcols, err := features.OpenColumns(ctx, testMem, "conv", &features.ColumnsOptions{Order: features.Fortran, ScratchDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer tcols.Close()
			got, err := TrainStream(ctx, cols, tr, &StreamOptions{Options: *o, Memory: 1 << 30, BlockUnits: tc.block})
			if err != nil {
				t.Fatal(err)
			}
			for i := range tr {
				want, err := Train(ctx, train, tr[i].Y, tr[i].Labels, o)
				if err != nil {
					t.Fatal(err)
				}
				g := got[i]
				sameBits32(t, "x mean", g.X.Mean, want.X.Mean)
				sameBits32(t, "x std", g.X.Std, want.X.Std)
				sameBits32(t, "y mean", g.Y.Mean, want.Y.Mean)
				sameBits32(t, "y std", g.Y.Std, want.Y.Std)
				d := g.Sparse.Dense()
				if !slices.Equal(d.W.RawMatrix().Data, want.Model.W.RawMatrix().Data) || !slices.Equal(d.B, want.Model.B) {
					t.Fatalf("ROI %d: streamed weights differ from Train's", i)
				}
				// Accuracies: streamed prediction equals the dense one to
				// rounding (sums in another order).
				rs, err := TestColumns(ctx, g, tcols, te[i].Y, te[i].Labels)
				if err != nil {
					t.Fatal(err)
				}
				rm, err := Test(ctx, want, test, te[i].Y, te[i].Labels)
				if err != nil {
					t.Fatal(err)
				}
				for v := range rm.Accuracy {
					if math.Abs(rs.Accuracy[v]-rm.Accuracy[v]) > 1e-12 {
						t.Fatalf("ROI %d voxel %d: accuracy %v streamed, %v in memory", i, v, rs.Accuracy[v], rm.Accuracy[v])
					}
				}
				// The saved W.mat reads back as the dense model's.
				md := filepath.Join(t.TempDir(), "model")
				if err := g.Save(md, "x"); err != nil {
					t.Fatal(err)
				}
				back, err := bdmodel.LoadWeights(md)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(back.W.RawMatrix().Data, want.Model.W.RawMatrix().Data) || !slices.Equal(back.B, want.Model.B) {
					t.Fatalf("ROI %d: saved sparse W differs from the dense model", i)
				}
			}
		})
	}
}

func sameBits32(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}
