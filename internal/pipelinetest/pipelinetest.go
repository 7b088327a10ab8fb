package pipelinetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/fmri"
	imat "github.com/brainhierarchy/bhscore/internal/mat"
)

// Dir is the miniature study, relative to the directory of a top-level
// package (decode, encode) whose tests use it.
const Dir = "../testdata/pipeline"

var (
	// Networks maps the network names of expected.json to their
	// directories under features/<set>/.
	Networks = map[string]string{"TinyHier": "pytorch/TinyHier", "TinyRev": "caffe/TinyRev"}
	// Subjects are the study's subjects.
	Subjects = []string{"sub-01", "sub-02"}
	// ROIs are the study's regions of interest.
	ROIs = []string{"V1", "V2", "V3", "V4", "HVC"}
)

// Expected is the part of testdata/pipeline/expected.json the pipeline
// tests check against.
type Expected struct {
	// AccuracyMeans is indexed by network name, layer, subject and ROI.
	AccuracyMeans map[string]map[string]map[string]map[string]struct {
		Decoding float64 `json:"decoding_nanmean"`
		Encoding float64 `json:"encoding_nanmean"`
	} `json:"accuracy_means"`
	Diagnostics struct {
		Margin struct {
			Decoding struct {
				Targets []MarginTarget `json:"targets_with_gap_below_1e-5"`
			} `json:"decoding"`
			Encoding struct {
				Targets []MarginTarget `json:"targets_with_gap_below_1e-5"`
			} `json:"encoding"`
		} `json:"feature_selection_margin"`
	} `json:"diagnostics"`
}

// MarginTarget is a target (a decoded unit or an encoded voxel) whose
// feature selection is decided by a margin below 1e-5.
type MarginTarget struct {
	Network, Layer, Subject, ROI string
	Target                       int `json:"target_index_F_order"`
}

// LoadExpected reads Dir/expected.json.
func LoadExpected(t testing.TB) *Expected {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(Dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e Expected
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

// OpenBData opens a BData fMRI file, closed when the test ends.
func OpenBData(t testing.TB, path string) *fmri.File {
	t.Helper()
	f, err := fmri.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// Voxels returns the samples x voxels of roi in f.
func Voxels(t testing.TB, f *fmri.File, roi string) *mat.Dense {
	t.Helper()
	x, err := f.Select(context.Background(), "ROI_"+roi+" = 1")
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// ImageIndex returns the image_index column of f.
func ImageIndex(t testing.TB, f *fmri.File) []float64 {
	t.Helper()
	idx, err := f.Values(context.Background(), "image_index")
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

// StimulusNames returns the stimulus_name labels of f.
func StimulusNames(t testing.TB, f *fmri.File) []string {
	t.Helper()
	l, err := f.Labels(context.Background(), "stimulus_name")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Job is one (network, layer, subject, ROI) of the study with its data.
type Job struct {
	Name    string // network name in expected.json
	Network string // network directory, as in MarginTarget.Network
	Layer   string
	Subject string
	ROI     string

	TrainFeat, TestFeat *features.Layer
	TrainFMRI, TestFMRI *fmri.File
}

// String returns "name layer subject roi", the prefix of failure messages.
func (j Job) String() string {
	return fmt.Sprintf("%s %s %s %s", j.Name, j.Layer, j.Subject, j.ROI)
}

// ForEachJob calls fn for every job of the study: every network of
// Networks, layer of its training features, subject and ROI.
func ForEachJob(t testing.TB, fn func(Job)) {
	t.Helper()
	ctx := context.Background()
	for name, dir := range Networks {
		trs, err := features.OpenDir(filepath.Join(Dir, "features/ImageNetTraining", dir), nil)
		if err != nil {
			t.Fatal(err)
		}
		tes, err := features.OpenDir(filepath.Join(Dir, "features/ImageNetTest", dir), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, layer := range trs.Layers() {
			ftr, err := trs.Layer(ctx, layer)
			if err != nil {
				t.Fatal(err)
			}
			fte, err := tes.Layer(ctx, layer)
			if err != nil {
				t.Fatal(err)
			}
			for _, sub := range Subjects {
				tr := OpenBData(t, filepath.Join(Dir, "fmri", sub+"_perceptionNaturalImageTraining_VC_v2.h5"))
				te := OpenBData(t, filepath.Join(Dir, "fmri", sub+"_perceptionNaturalImageTest_VC_v2.h5"))
				for _, roi := range ROIs {
					fn(Job{
						Name: name, Network: dir, Layer: layer, Subject: sub, ROI: roi,
						TrainFeat: ftr, TestFeat: fte, TrainFMRI: tr, TestFMRI: te,
					})
				}
			}
		}
	}
}

// Reference reads the stored accuracies of j for analysis ("decoding" or
// "encoding") from <analysis>_accuracy/ImageNetTest/.../accuracy.mat.
func (j Job) Reference(t testing.TB, analysis string) []float64 {
	t.Helper()
	ref, err := imat.Read(filepath.Join(Dir, analysis+"_accuracy/ImageNetTest", j.Network, j.Layer, j.Subject, j.ROI, "accuracy.mat"), "accuracy")
	if err != nil {
		t.Fatal(err)
	}
	return ref.Data
}

// MarginTarget returns the Fortran-order index of the target of j listed
// in targets, and whether there is one (the last one listed if several).
func (j Job) MarginTarget(targets []MarginTarget) (int, bool) {
	idx, ok := -1, false
	for _, m := range targets {
		if m.Network == j.Network && m.Layer == j.Layer && m.Subject == j.Subject && m.ROI == j.ROI {
			idx, ok = m.Target, true
		}
	}
	return idx, ok
}

// CompareAccuracy checks that got, rounded to float32, is within tol of
// want for every target but loose, which gets looseTol; target names a
// target in failure messages ("unit", "voxel"). It returns the largest
// absolute difference over the targets other than loose.
func CompareAccuracy(t testing.TB, j Job, target string, got, want []float64, loose int, tol, looseTol float64) float64 {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%v: %d accuracies, want %d", j, len(got), len(want))
	}
	var maxDiff float64
	for i, w := range want {
		g := float64(float32(got[i]))
		tl := tol
		if i == loose {
			tl = looseTol
		} else {
			maxDiff = max(maxDiff, math.Abs(g-w))
		}
		if math.Abs(g-w) > tl {
			t.Errorf("%v %s %d: accuracy %v, want %v", j, target, i, g, w)
		}
	}
	return maxDiff
}
