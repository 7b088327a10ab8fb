package encode

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/features"
)

// benchEnv reads a positive integer from the environment.
func benchEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchLayer packs a synthetic layer of the given images x units (ReLU-like
// values from per-unit generators, 1-d) into dir and returns its Columns;
// targets are rois ROIs of voxels voxels, 5 trials per image, each voxel a
// noisy mix of 20 units.
func benchLayer(b *testing.B, dir string, images, units, rois, voxels int, split string) (*features.Columns, []Target) {
	b.Helper()
	ctx := context.Background()
	labels := make([]string, images)
	for i := range labels {
		labels[i] = fmt.Sprintf("%s%05d", split, i)
	}
	unit := func(u int, dst []float32) {
		r := rand.New(rand.NewPCG(uint64(u), 9))
		for i := range dst {
			dst[i] = float32(max(0, r.NormFloat64()))
		}
	}
	l := features.ColumnLayer{Name: "layer", Shape: []int{units}, Fill: func(_ context.Context, u0, u1 int, dst []float32) error {
		for u := u0; u < u1; u++ {
			unit(u, dst[(u-u0)*images:(u-u0+1)*images])
			_ = split
		}
		return nil
	}}
	if err := features.PackColumns(ctx, dir, labels, []features.ColumnLayer{l}, nil); err != nil {
		b.Fatal(err)
	}
	p, err := features.OpenPacked(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	c, err := p.Columns("layer")
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	col := make([]float32, images)
	var ts []Target
	for range rois {
		y := mat.NewDense(5*images, voxels, nil)
		var trialLabels []string
		for rep := range 5 {
			for i := range images {
				trialLabels = append(trialLabels, labels[i])
				_ = rep
			}
		}
		for v := range voxels {
			for range 20 {
				unit(rng.IntN(units), col)
				w := rng.NormFloat64()
				for t := range 5 * images {
					y.Set(t, v, y.At(t, v)+w*float64(col[t%images]))
				}
			}
			for t := range 5 * images {
				y.Set(t, v, y.At(t, v)+3*rng.NormFloat64())
			}
		}
		ts = append(ts, Target{Y: y, Labels: trialLabels})
	}
	return c, ts
}

// BenchmarkTrainStream fits all-unit encoders of one synthetic 1-d layer
// (BHSCORE_BENCH_UNITS units, default 30,000; 1,200 training images x 5
// trials; BHSCORE_BENCH_ROIS ROIs of 1,000 voxels, default 1; n_feat 500)
// streamed from a packed store, and in memory (Train) for layers of at most
// 60,000 units, and reports the largest difference of their test
// accuracies (50 test images) as maxdiff. BHSCORE_BENCH_MEMORY sets the
// streamed fit's budget in MiB (default 8192).
func BenchmarkTrainStream(b *testing.B) {
	ctx := context.Background()
	units := benchEnv("BHSCORE_BENCH_UNITS", 30000)
	rois := benchEnv("BHSCORE_BENCH_ROIS", 1)
	memory := int64(benchEnv("BHSCORE_BENCH_MEMORY", 8192)) << 20
	dir := b.TempDir()
	train, targets := benchLayer(b, dir+"/train", 1200, units, rois, 1000, "a")
	defer train.Close()
	test, tt := benchLayer(b, dir+"/test", 50, units, rois, 1000, "b")
	defer test.Close()
	nfeat := 500
	o := Options{NFeat: &nfeat}
	var streamed []*Encoder
	b.Run(fmt.Sprintf("stream/units=%d/rois=%d", units, rois), func(b *testing.B) {
		for b.Loop() {
			var err error
			if streamed, err = TrainStream(ctx, train, targets, &StreamOptions{Options: o, Memory: memory}); err != nil {
				b.Fatal(err)
			}
		}
	})
	if units > 60000 || streamed == nil {
		return
	}
	b.Run(fmt.Sprintf("memory/units=%d/rois=%d", units, rois), func(b *testing.B) {
		dst := make([]float32, units*1200)
		if err := train.Read(ctx, 0, units, dst); err != nil {
			b.Fatal(err)
		}
		l := &features.Layer{Name: "layer", Labels: train.Labels(), Shape: []int{units}, Data: make([]float32, units*1200)}
		for u := range units {
			for i := range 1200 {
				l.Data[i*units+u] = dst[u*1200+i]
			}
		}
		tl := &features.Layer{Name: "layer", Labels: test.Labels(), Shape: []int{units}, Data: make([]float32, units*50)}
		tdst := make([]float32, units*50)
		if err := test.Read(ctx, 0, units, tdst); err != nil {
			b.Fatal(err)
		}
		for u := range units {
			for i := range 50 {
				tl.Data[i*units+u] = tdst[u*50+i]
			}
		}
		var maxDiff float64
		identical := true
		for b.Loop() {
			for i, t := range targets {
				e, err := Train(ctx, l, t.Y, t.Labels, &o)
				if err != nil {
					b.Fatal(err)
				}
				rm, err := Test(ctx, e, tl, tt[i].Y, tt[i].Labels)
				if err != nil {
					b.Fatal(err)
				}
				rs, err := TestColumns(ctx, streamed[i], test, tt[i].Y, tt[i].Labels)
				if err != nil {
					b.Fatal(err)
				}
				for v := range rm.Accuracy {
					maxDiff = max(maxDiff, math.Abs(rm.Accuracy[v]-rs.Accuracy[v]))
				}
				d := streamed[i].Sparse.Dense()
				wm, ws := e.Model.W.RawMatrix().Data, d.W.RawMatrix().Data
				for k := range wm {
					identical = identical && math.Float64bits(wm[k]) == math.Float64bits(ws[k])
				}
			}
		}
		b.ReportMetric(maxDiff, "maxdiff")
		if identical {
			b.ReportMetric(1, "identicalW")
		} else {
			b.ReportMetric(0, "identicalW")
		}
	})
}
