package decode_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/brainhierarchy/bhscore/bdmodel"
	"github.com/brainhierarchy/bhscore/decode"
	"github.com/brainhierarchy/bhscore/features"
	imat "github.com/brainhierarchy/bhscore/internal/mat"
	"github.com/brainhierarchy/bhscore/internal/pipelinetest"
)

// The one decoder the pipeline kept (README "Kept decoder").
var kept = decode.Paths{
	Root: pipeline, TrainSet: "ImageNetTraining", TestSet: "ImageNetTest",
	Network: "caffe/TinyRev", Layer: "stage2", Subject: "sub-02", ROI: "V4",
}

// keptTol bounds W, b differences between our fit and the stored float32
// decoder: the fits agree to ~1e-15 relative in float64 (fastl2lir
// conformance), so after rounding to float32 they differ by at most one
// float32 ulp of values of order 1 (6e-8); 1e-6 leaves room.
const keptTol = 1e-6

func TestKeptDecoder(t *testing.T) {
	ctx := context.Background()
	dir, err := kept.Model()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := decode.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bdmodel.IsDone(dir) {
		t.Error("IsDone(kept decoder) = false")
	}
	trs, _ := features.OpenDir(filepath.Join(pipeline, "features/ImageNetTraining/caffe/TinyRev"), nil)
	tes, _ := features.OpenDir(filepath.Join(pipeline, "features/ImageNetTest/caffe/TinyRev"), nil)
	ftr, err := trs.Layer(ctx, "stage2")
	if err != nil {
		t.Fatal(err)
	}
	fte, err := tes.Layer(ctx, "stage2")
	if err != nil {
		t.Fatal(err)
	}
	tr := pipelinetest.OpenBData(t, filepath.Join(pipeline, "fmri/sub-02_perceptionNaturalImageTraining_VC_v2.h5"))
	te := pipelinetest.OpenBData(t, filepath.Join(pipeline, "fmri/sub-02_perceptionNaturalImageTest_VC_v2.h5"))
	xtr, itr := trials(t, tr, "V4")
	xte, ite := trials(t, te, "V4")
	d, err := decode.Train(ctx, xtr, itr, ftr, &decode.Options{NFeat: new(15)})
	if err != nil {
		t.Fatal(err)
	}
	// Statistics: float32 values computed as numpy does, bit for bit.
	eq32 := func(what string, got, want []float32) {
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
			}
		}
	}
	eq32("x_mean", d.X.Mean, ref.X.Mean)
	eq32("x_norm", d.X.Std, ref.X.Std)
	eq32("y_mean", d.Y.Mean, ref.Y.Mean)
	eq32("y_norm", d.Y.Std, ref.Y.Std)
	if len(ref.Shape) != 3 || ref.Shape[0] != 3 {
		t.Fatalf("loaded shape %v, want [3 3 3]", ref.Shape)
	}
	// W and b: same non-zero pattern, values within keptTol.
	p, q := ref.Model.W.Dims()
	if gp, gq := d.Model.W.Dims(); gp != p || gq != q {
		t.Fatalf("W %dx%d, want %dx%d", gp, gq, p, q)
	}
	nnz := 0
	for i := range p {
		for j := range q {
			g, w := d.Model.W.At(i, j), ref.Model.W.At(i, j)
			if (g == 0) != (w == 0) || math.Abs(g-w) > keptTol {
				t.Errorf("W[%d,%d] = %v, want %v", i, j, g, w)
			}
			if w != 0 {
				nnz++
			}
		}
	}
	if nnz != 405 {
		t.Errorf("reference W has %d non-zeros, want 405", nnz)
	}
	for j := range q {
		if math.Abs(d.Model.B[j]-ref.Model.B[j]) > keptTol {
			t.Errorf("b[%d] = %v, want %v", j, d.Model.B[j], ref.Model.B[j])
		}
	}
	// The reference decoder replayed on the test fMRI reproduces its 50
	// decoded-feature files (README: bit for bit with numpy; we allow one
	// float32 ulp from the different summation order of the product).
	res, err := decode.Test(ctx, ref, xte, ite, fte)
	if err != nil {
		t.Fatal(err)
	}
	ddir, _ := kept.Decoded()
	for i, stem := range res.Labels {
		a, err := imat.Read(filepath.Join(ddir, stem+".mat"), "feat")
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Dims) != 4 || a.Dims[0] != 1 {
			t.Errorf("%s: dims %v", stem, a.Dims)
		}
		for j, want := range a.Data {
			got := float64(float32(res.Pred.At(i, j)))
			if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%s unit %d: %v, want %v", stem, j, got, want)
			}
		}
	}
	// Our decoder saved and re-loaded gives back the same values.
	out := t.TempDir()
	if err := d.Save(out, kept.ID()); err != nil {
		t.Fatal(err)
	}
	if !bdmodel.IsDone(out) {
		t.Error("IsDone(saved) = false")
	}
	back, err := decode.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if !equalDense(back.Model.W.RawMatrix().Data, d.Model.W.RawMatrix().Data) || !equalDense(back.Model.B, d.Model.B) {
		t.Error("saved decoder does not re-load to the same W, b")
	}
	eq32("re-loaded y_norm", back.Y.Std, d.Y.Std)
	eq32("re-loaded x_mean", back.X.Mean, d.X.Mean)
}

func equalDense(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}
