package decode_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/decode"
	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/fmri"
	imat "github.com/brainhierarchy/bhscore/internal/mat"
)

// pipeline is the miniature study of ../shared/conformance/pipeline (run
// through the original scripts), shared by the repository's tests.
const pipeline = "../testdata/pipeline"

// Tolerances (testdata/pipeline/README.md, "Tolerances and margins"): an
// independent numpy replay following the same dtype flow differs from the
// stored accuracies by at most 6.0e-8 (decoding); we allow 1e-5 absolute.
// Units whose 15th/16th voxel selection is decided by a margin below 1e-5
// (README table) may legitimately select another voxel: they get looseTol.
const (
	accTol   = 1e-5
	looseTol = 0.05
)

type expected struct {
	AccuracyMeans map[string]map[string]map[string]map[string]struct {
		Decoding float64 `json:"decoding_nanmean"`
		Encoding float64 `json:"encoding_nanmean"`
	} `json:"accuracy_means"`
	Diagnostics struct {
		Margin struct {
			Decoding struct {
				Targets []marginTarget `json:"targets_with_gap_below_1e-5"`
			} `json:"decoding"`
		} `json:"feature_selection_margin"`
	} `json:"diagnostics"`
}

type marginTarget struct {
	Network, Layer, Subject, ROI string
	Target                       int `json:"target_index_F_order"`
}

func loadExpected(t *testing.T) *expected {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(pipeline, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e expected
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

var (
	nets     = map[string]string{"TinyHier": "pytorch/TinyHier", "TinyRev": "caffe/TinyRev"}
	subjects = []string{"sub-01", "sub-02"}
	rois     = []string{"V1", "V2", "V3", "V4", "HVC"}
)

// cToF maps Fortran-order flat positions of shape to C-order positions.
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
	exp := loadExpected(t)
	var maxDiff float64
	jobs := 0
	for name, dir := range nets {
		trainStore, err := features.OpenDir(filepath.Join(pipeline, "features/ImageNetTraining", dir), nil)
		if err != nil {
			t.Fatal(err)
		}
		testStore, err := features.OpenDir(filepath.Join(pipeline, "features/ImageNetTest", dir), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, layer := range trainStore.Layers() {
			ftr, err := trainStore.Layer(ctx, layer)
			if err != nil {
				t.Fatal(err)
			}
			fte, err := testStore.Layer(ctx, layer)
			if err != nil {
				t.Fatal(err)
			}
			for _, sub := range subjects {
				tr := openBData(t, filepath.Join(pipeline, "fmri", sub+"_perceptionNaturalImageTraining_VC_v2.h5"))
				te := openBData(t, filepath.Join(pipeline, "fmri", sub+"_perceptionNaturalImageTest_VC_v2.h5"))
				for _, roi := range rois {
					xtr, itr := trials(t, tr, roi)
					xte, ite := trials(t, te, roi)
					d, err := decode.Train(ctx, xtr, itr, ftr, &decode.Options{NFeat: 15})
					if err != nil {
						t.Fatal(err)
					}
					res, err := decode.Test(ctx, d, xte, ite, fte)
					if err != nil {
						t.Fatal(err)
					}
					ref, err := imat.Read(filepath.Join(pipeline, "decoding_accuracy/ImageNetTest", dir, layer, sub, roi, "accuracy.mat"), "accuracy")
					if err != nil {
						t.Fatal(err)
					}
					if len(ref.Data) != len(res.Accuracy) {
						t.Fatalf("%s %s %s %s: %d accuracies, want %d", name, layer, sub, roi, len(res.Accuracy), len(ref.Data))
					}
					lu := -1
					for _, m := range exp.Diagnostics.Margin.Decoding.Targets {
						if m.Network == dir && m.Layer == layer && m.Subject == sub && m.ROI == roi {
							lu = fToC(ftr.Shape, m.Target)
						}
					}
					for j, want := range ref.Data {
						tol := accTol
						if j == lu {
							tol = looseTol
						}
						got := float64(float32(res.Accuracy[j]))
						if j != lu {
							maxDiff = max(maxDiff, math.Abs(got-want))
						}
						if math.Abs(got-want) > tol {
							t.Errorf("%s %s %s %s unit %d: accuracy %v, want %v", name, layer, sub, roi, j, got, want)
						}
					}
					jobs++
					wantMean := exp.AccuracyMeans[name][layer][sub][roi].Decoding
					if got := nanmean(res.Accuracy); math.Abs(got-wantMean) > accTol {
						t.Errorf("%s %s %s %s: nanmean %v, want %v", name, layer, sub, roi, got, wantMean)
					}
				}
			}
		}
	}
	if jobs != 90 {
		t.Errorf("%d jobs, want 90", jobs)
	}
	t.Logf("%d jobs, max |accuracy - reference| = %.3g", jobs, maxDiff)
}

func openBData(t *testing.T, path string) *fmri.File {
	t.Helper()
	f, err := fmri.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func trials(t *testing.T, f *fmri.File, roi string) (*mat.Dense, []float64) {
	t.Helper()
	ctx := context.Background()
	x, err := f.Select(ctx, "ROI_"+roi+" = 1")
	if err != nil {
		t.Fatal(err)
	}
	idx, err := f.Values(ctx, "image_index")
	if err != nil {
		t.Fatal(err)
	}
	return x, idx
}
