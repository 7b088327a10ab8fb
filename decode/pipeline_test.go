package decode_test

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/decode"
	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/fmri"
	"github.com/brainhierarchy/bhscore/internal/pipelinetest"
)

// pipeline is the miniature study of ../shared/conformance/pipeline (run
// through the original scripts), shared by the repository's tests.
const pipeline = pipelinetest.Dir

// Tolerances (testdata/pipeline/README.md, "Tolerances and margins"): an
// independent numpy replay following the same dtype flow differs from the
// stored accuracies by at most 6.0e-8 (decoding); we allow 1e-5 absolute.
// Units whose 15th/16th voxel selection is decided by a margin below 1e-5
// (README table) may legitimately select another voxel: they get looseTol.
const (
	accTol   = 1e-5
	looseTol = 0.05
)

// fToC maps a Fortran-order flat position of shape to its C-order position.
func fToC(shape []int, f int) int {
	perm := features.FortranPerm(shape)
	return perm[f]
}

func nanmean(x []float64) float64 {
	var s float64
	var n int
	for _, v := range x {
		if !math.IsNaN(v) {
			s += v
			n++
		}
	}
	return s / float64(n)
}

func TestPipelineDecoding(t *testing.T) {
	ctx := context.Background()
	exp := pipelinetest.LoadExpected(t)
	var maxDiff float64
	jobs := 0
	pipelinetest.ForEachJob(t, func(j pipelinetest.Job) {
		xtr, itr := trials(t, j.TrainFMRI, j.ROI)
		xte, ite := trials(t, j.TestFMRI, j.ROI)
		d, err := decode.Train(ctx, xtr, itr, j.TrainFeat, &decode.Options{NFeat: new(15)})
		if err != nil {
			t.Fatal(err)
		}
		res, err := decode.Test(ctx, d, xte, ite, j.TestFeat)
		if err != nil {
			t.Fatal(err)
		}
		ref := j.Reference(t, "decoding")
		lu := -1
		if f, ok := j.MarginTarget(exp.Diagnostics.Margin.Decoding.Targets); ok {
			lu = fToC(j.TrainFeat.Shape, f)
		}
		maxDiff = max(maxDiff, pipelinetest.CompareAccuracy(t, j, "unit", res.Accuracy, ref, lu, accTol, looseTol))
		jobs++
		wantMean := exp.AccuracyMeans[j.Name][j.Layer][j.Subject][j.ROI].Decoding
		if got := nanmean(res.Accuracy); math.Abs(got-wantMean) > accTol {
			t.Errorf("%v: nanmean %v, want %v", j, got, wantMean)
		}
	})
	if jobs != 90 {
		t.Errorf("%d jobs, want 90", jobs)
	}
	t.Logf("%d jobs, max |accuracy - reference| = %.3g", jobs, maxDiff)
}

// trials returns the voxels of roi in f and the image index of its samples,
// the decoder's inputs.
func trials(t *testing.T, f *fmri.File, roi string) (*mat.Dense, []float64) {
	t.Helper()
	return pipelinetest.Voxels(t, f, roi), pipelinetest.ImageIndex(t, f)
}
