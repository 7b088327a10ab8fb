package encode_test

import (
	"context"
	"math"
	"testing"

	"github.com/brainhierarchy/bhscore/encode"
	"github.com/brainhierarchy/bhscore/internal/pipelinetest"
)

// Tolerances (testdata/pipeline/README.md): an independent numpy replay of
// the float32 encoding flow differs from the stored accuracies by at most
// 1.3e-7; we allow 1e-5 absolute. Voxels whose 15th/16th unit selection is
// decided by a margin below 1e-5 (README table) may select another unit and
// get looseTol.
const (
	accTol   = 1e-5
	looseTol = 0.05
)

func TestPipelineEncoding(t *testing.T) {
	ctx := context.Background()
	exp := pipelinetest.LoadExpected(t)
	if len(exp.Diagnostics.Margin.Encoding.Targets) != 7 {
		t.Fatalf("%d margin targets, want 7", len(exp.Diagnostics.Margin.Encoding.Targets))
	}
	var maxDiff float64
	jobs := 0
	pipelinetest.ForEachJob(t, func(j pipelinetest.Job) {
		ytr, ltr := pipelinetest.Voxels(t, j.TrainFMRI, j.ROI), pipelinetest.StimulusNames(t, j.TrainFMRI)
		yte, lte := pipelinetest.Voxels(t, j.TestFMRI, j.ROI), pipelinetest.StimulusNames(t, j.TestFMRI)
		e, err := encode.Train(ctx, j.TrainFeat, ytr, ltr, &encode.Options{NFeat: new(15)})
		if err != nil {
			t.Fatal(err)
		}
		res, err := encode.Test(ctx, e, j.TestFeat, yte, lte)
		if err != nil {
			t.Fatal(err)
		}
		ref := j.Reference(t, "encoding")
		// Encoding targets are voxels, whose index needs no reordering.
		lv, _ := j.MarginTarget(exp.Diagnostics.Margin.Encoding.Targets)
		maxDiff = max(maxDiff, pipelinetest.CompareAccuracy(t, j, "voxel", res.Accuracy, ref, lv, accTol, looseTol))
		jobs++
		wantMean := exp.AccuracyMeans[j.Name][j.Layer][j.Subject][j.ROI].Encoding
		var s float64
		for _, v := range res.Accuracy {
			s += v
		}
		if got := s / float64(len(res.Accuracy)); math.Abs(got-wantMean) > accTol {
			t.Errorf("%v: mean %v, want %v", j, got, wantMean)
		}
	})
	if jobs != 90 {
		t.Errorf("%d jobs, want 90", jobs)
	}
	t.Logf("%d jobs, max |accuracy - reference| = %.3g", jobs, maxDiff)
}
