package bdmodel_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/bdmodel"
	"github.com/brainhierarchy/bhscore/fastl2lir"
	imat "github.com/brainhierarchy/bhscore/internal/mat"
)

// keptModel is the one decoder the original scripts kept in the pipeline
// study (conformance/pipeline README, "Kept decoder"): W (40, 3, 3, 3)
// sparse with 405 non-zeros, b (1, 3, 3, 3), float32.
const keptModel = "../testdata/pipeline/feature_decoders/ImageNetTraining/caffe/TinyRev/stage2/sub-02/V4/model"

func TestLoadSaveBdmodel(t *testing.T) {
	m, err := bdmodel.LoadWeights(keptModel)
	if err != nil {
		t.Fatal(err)
	}
	p, q := m.W.Dims()
	if p != 40 || q != 27 || len(m.B) != 27 || len(m.TargetShape) != 3 {
		t.Fatalf("W %dx%d, b %d, shape %v", p, q, len(m.B), m.TargetShape)
	}
	nnz := 0
	for i := range p {
		for j := range q {
			if m.W.At(i, j) != 0 {
				nnz++
			}
		}
	}
	if nnz != 405 {
		t.Errorf("%d non-zeros, want 405", nnz)
	}
	// The stored sparse values, in np.where (C) order, are W's non-zeros.
	raw, err := imat.ReadSparse(filepath.Join(keptModel, "W.mat"), "W")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range raw.Data {
		if v != m.W.RawMatrix().Data[k] {
			t.Fatalf("W flat %d = %v, want %v", k, m.W.RawMatrix().Data[k], v)
		}
	}
	// Round trip: bit-identical (values are float32 already).
	dir := t.TempDir()
	if err := bdmodel.SaveWeights(dir, m); err != nil {
		t.Fatal(err)
	}
	back, err := bdmodel.LoadWeights(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(back.W, m.W) || !equal(back.B, m.B) || len(back.TargetShape) != 3 {
		t.Error("Save/Load round trip changed the model")
	}
	// Chunked form: W/00000000.mat, W/00000001.mat (and b/) split along
	// target axis 1, as ModelTraining writes with chunk_axis 1.
	cdir := t.TempDir()
	for _, c := range []struct {
		name string
		lo   int
	}{{"00000000.mat", 0}, {"00000001.mat", 1}} {
		// target axis 1 has 3 entries: chunk 0 = first, chunk 1 = rest.
		hi := 1
		if c.lo == 1 {
			hi = 3
		}
		n := hi - c.lo
		w := mat.NewDense(p, n*9, nil)
		b := make([]float64, n*9)
		for i := range p {
			for j := range n * 9 {
				w.Set(i, j, m.W.At(i, c.lo*9+j))
			}
		}
		copy(b, m.B[c.lo*9:hi*9])
		part := &fastl2lir.Model{W: w, B: b, TargetShape: []int{n, 3, 3}}
		tmp := t.TempDir()
		if err := bdmodel.SaveWeights(tmp, part); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"W", "b"} {
			if err := os.MkdirAll(filepath.Join(cdir, s), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(tmp, s+".mat"), filepath.Join(cdir, s, c.name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	ch, err := bdmodel.LoadWeights(cdir)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(ch.W, m.W) || !equal(ch.B, m.B) {
		t.Error("chunked model does not equal the whole one")
	}
	if _, err := bdmodel.LoadWeights(t.TempDir()); err == nil {
		t.Error("Load of an empty directory succeeded")
	}
}

func equal(a, b []float64) bool {
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
