package bhscore

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/decode"
	"github.com/brainhierarchy/bhscore/encode"
	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/sim"
)

// BenchmarkPaperJob times one job of a paper-scale simulated study
// (package sim Paper: 1,200 training images x 5 repetitions = 6,000
// trials, 50 test images x 5, ~1,000 voxels per ROI, 1,000 units per
// layer; alpha 100, n_feat 500), training plus testing, inputs in memory.
// Multiply by the job count (networks x layers x subjects x ROIs x 2) for
// a study's compute time.
func BenchmarkPaperJob(b *testing.B) {
	ctx := context.Background()
	s, err := sim.New(sim.Paper, 1)
	if err != nil {
		b.Fatal(err)
	}
	ni := 0
	li := len(s.Nets[ni].Layers) - 1
	sl := s.Nets[ni].Layers[li]
	layer := func(split string, stems []string) *features.Layer {
		data, err := s.Features(ni, li, split)
		if err != nil {
			b.Fatal(err)
		}
		st := slices.Clone(stems)
		slices.Sort(st)
		return &features.Layer{Name: sl.Name, Labels: st, Shape: sl.Shape[1:], SourceShape: sl.Shape[1:], Data: data}
	}
	ftr := layer(sim.TrainSet, s.Train.Stems)
	fte := layer(sim.TestSet, s.Test.Stems)
	tr, err := s.BData(0, sim.TrainSet)
	if err != nil {
		b.Fatal(err)
	}
	te, err := s.BData(0, sim.TestSet)
	if err != nil {
		b.Fatal(err)
	}
	const roi = "ROI_V1 = 1"
	xtr, _ := tr.Select(ctx, roi)
	xte, _ := te.Select(ctx, roi)
	itr, _ := tr.Values(ctx, "image_index")
	ite, _ := te.Values(ctx, "image_index")
	ltr, _ := tr.Labels(ctx, "stimulus_name")
	lte, _ := te.Labels(ctx, "stimulus_name")
	n, v := xtr.Dims()
	b.Logf("trials %d, voxels %d, units %d (%s)", n, v, ftr.Units(), sl.Name)
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d, err := decode.Train(ctx, xtr, itr, ftr, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := decode.Test(ctx, d, xte, ite, fte); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e, err := encode.Train(ctx, ftr, xtr, ltr, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := encode.Test(ctx, e, fte, xte, lte); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSimStudy runs a whole simulated study from files (package sim
// Default size, written once) through Run, keeping every output as the
// original scripts do, and reports the wall time per job.
func BenchmarkSimStudy(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	if _, err := sim.Generate(ctx, dir, sim.Default, 1, nil); err != nil {
		b.Fatal(err)
	}
	cfg, err := analysis.LoadConfig("", filepath.Join(dir, "study.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	njobs := len(cfg.Jobs())
	b.Logf("%d jobs", njobs)
	b.ResetTimer()
	for b.Loop() {
		cfg.Output = b.TempDir()
		if _, err := Run(ctx, cfg, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N)/float64(njobs), "s/job")
	b.ReportMetric(float64(njobs), "jobs")
}
