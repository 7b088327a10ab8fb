package analysis_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/features"
	imat "github.com/brainhierarchy/bhscore/internal/mat"
	"github.com/brainhierarchy/bhscore/internal/pipelinetest"
)

// TestStreamedEncoding runs the pipeline study's encoding with every layer
// streamed (features read from the bdpy directories through scratch
// stores, all subjects and ROIs of a layer fitted at once) and checks the
// accuracies against the Python reference with the encode package's
// tolerances, and against the in-memory run.
func TestStreamedEncoding(t *testing.T) {
	ctx := context.Background()
	// encode/pipeline_test.go: 1e-5 absolute; voxels whose selection is
	// decided by a margin below 1e-5 get 0.05.
	const accTol, looseTol = 1e-5, 0.05
	exp := pipelinetest.LoadExpected(t)
	runs := map[analysis.StreamMode]string{}
	for _, mode := range []analysis.StreamMode{analysis.StreamAlways, analysis.StreamNever} {
		out := t.TempDir()
		cfg := pipelinetest.Config(t, pipelinetest.Dir, out)
		cfg.Decoding.Skip = true
		cfg.Networks = cfg.Networks[1:] // TinyRev: 4 layers, 40 jobs
		// Each streamed layer reports its pass over the units, ending at
		// all of them.
		passes := map[string][]int{}
		progress := func(e analysis.Event) {
			if e.Kind == analysis.JobUnits {
				passes[e.Job.Layer] = append(passes[e.Job.Layer], e.UnitsDone, e.UnitsTotal)
			}
		}
		s, err := analysis.Run(ctx, cfg, &analysis.Options{Stream: mode, Memory: 1 << 30, DiscardPredictions: true, Progress: progress})
		if err != nil {
			t.Fatal(err)
		}
		if s.Finished != 40 {
			t.Fatalf("mode %d: %d jobs finished, want 40", mode, s.Finished)
		}
		if mode == analysis.StreamNever && len(passes) != 0 || mode == analysis.StreamAlways && len(passes) != 4 {
			t.Errorf("mode %d: unit passes reported for %d layers", mode, len(passes))
		}
		for layer, ev := range passes {
			if n := len(ev); n < 2 || ev[n-2] != ev[n-1] || ev[n-1] <= 0 {
				t.Errorf("layer %s: unit progress %v does not end at the layer's units", layer, ev)
			}
		}
		// Streamed fits read the bdpy directories through scratch stores.
		_, err = os.Stat(filepath.Join(out, ".bhscore", "scratch"))
		if (err == nil) != (mode == analysis.StreamAlways) {
			t.Errorf("mode %d: scratch directory: %v", mode, err)
		}
		tree, err := cfg.AccuracyTree(analysis.Encoding)
		if err != nil {
			t.Fatal(err)
		}
		runs[mode] = tree
	}
	var maxRef, maxMem float64
	pipelinetest.ForEachJob(t, func(j pipelinetest.Job) {
		if j.Name != "TinyRev" {
			return
		}
		read := func(tree string) []float64 {
			a, err := imat.Read(filepath.Join(tree, j.Network, j.Layer, j.Subject, j.ROI, "accuracy.mat"), "accuracy")
			if err != nil {
				t.Fatal(err)
			}
			return a.Data
		}
		got, mem := read(runs[analysis.StreamAlways]), read(runs[analysis.StreamNever])
		lv, _ := j.MarginTarget(exp.Diagnostics.Margin.Encoding.Targets)
		maxRef = max(maxRef, pipelinetest.CompareAccuracy(t, j, "voxel", got, j.Reference(t, "encoding"), lv, accTol, looseTol))
		for v := range got {
			if v != lv && !(math.IsNaN(got[v]) && math.IsNaN(mem[v])) {
				maxMem = max(maxMem, math.Abs(got[v]-mem[v]))
			}
		}
	})
	// Small layers fit in memory with a materialised Gram matrix, whose
	// float32 sums differ in the last bits from the streamed per-voxel
	// systems.
	if maxMem > accTol {
		t.Errorf("streamed and in-memory accuracies differ by %g", maxMem)
	}
	t.Logf("max |streamed - reference| %.3g, |streamed - in memory| %.3g", maxRef, maxMem)
}

// TestRandomUnits decodes 10 random units per layer: the draw is written
// as a bdpy feature-index file and every decoding accuracy has 10 units.
func TestRandomUnits(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	cfg := reducedConfig(t, out)
	cfg.Encoding.Skip = true
	cfg.Decoding.RandomUnits, cfg.Decoding.RandomSeed = 10, 3
	if _, err := analysis.Run(ctx, cfg, &analysis.Options{DiscardModels: true, DiscardPredictions: true}); err != nil {
		t.Fatal(err)
	}
	idx, err := features.ReadIndex(filepath.Join(out, "feature_index", "caffe", "TinyRev", "index_random10_seed3.mat"))
	if err != nil {
		t.Fatal(err)
	}
	tree, _ := cfg.AccuracyTree(analysis.Decoding)
	for _, layer := range []string{"stage1", "stage2"} {
		if len(idx[layer]) != 10 {
			t.Errorf("layer %s: %d units in the index", layer, len(idx[layer]))
		}
		a, err := imat.Read(filepath.Join(tree, "caffe/TinyRev", layer, "sub-01", "V1", "accuracy.mat"), "accuracy")
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Data) != 10 {
			t.Errorf("layer %s: %d accuracies, want 10", layer, len(a.Data))
		}
	}
}
