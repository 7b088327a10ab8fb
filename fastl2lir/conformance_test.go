package fastl2lir

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/internal/h5"
)

// Tolerances of the conformance cases (testdata/*.h5, produced by
// PyFastL2LiR 0.11 with NumPy 1.24.2 / OpenBLAS 0.3.21; see
// testdata/manifest.json and /work/shared/conformance/fastl2lir/README.md).
// The README expects ~1e-12 relative for a port using another BLAS and
// Cholesky instead of LU and sets 1e-9 as the pass criterion (float64), 1e-4
// for the whole-float32 fit. Errors are measured relative to the largest
// magnitude of the compared array, so that entries near 0 do not dominate.
const (
	tolFloat64 = 1e-9
	tolFloat32 = 1e-4
)

type confCase struct {
	File      string  `json:"file"`
	Alpha     float64 `json:"alpha"`
	NFeat     int     `json:"n_feat"`
	ChunkSize int     `json:"chunk_size"`
	Dtype     string  `json:"dtype"`
	Branch    string  `json:"branch"`
}

func loadManifest(t *testing.T) []confCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var man struct {
		Cases []confCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	if len(man.Cases) != 6 {
		t.Fatalf("manifest has %d cases, want 6", len(man.Cases))
	}
	return man.Cases
}

// read2 reads a dataset as a matrix of its first dimension × the product
// of the others (C order), returning the trailing shape too.
func read2(t *testing.T, f *h5.File, name string) (*mat.Dense, []int) {
	t.Helper()
	data, dims, err := f.ReadFloat64("/" + name)
	if err != nil {
		t.Fatal(err)
	}
	cols := 1
	for _, d := range dims[1:] {
		cols *= d
	}
	return mat.NewDense(dims[0], cols, data), dims[1:]
}

// relErr returns max|got-want| / max|want|.
func relErr(got, want []float64) float64 {
	var d, s float64
	for i := range want {
		d = max(d, math.Abs(got[i]-want[i]))
		s = max(s, math.Abs(want[i]))
	}
	if s == 0 {
		return d
	}
	return d / s
}

// fortranToC maps a Fortran-order flat index of shape to its C-order index.
func fortranToC(shape []int, f int) int {
	idx := make([]int, len(shape))
	for a := range shape {
		idx[a] = f % shape[a]
		f /= shape[a]
	}
	c := 0
	for a := range shape {
		c = c*shape[a] + idx[a]
	}
	return c
}

func TestConformance(t *testing.T) {
	for _, cs := range loadManifest(t) {
		t.Run(cs.File, func(t *testing.T) {
			f, err := h5.Open(filepath.Join("testdata", cs.File))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			xtr, _ := read2(t, f, "x_tr")
			ytr, yshape := read2(t, f, "y_tr")
			xte, _ := read2(t, f, "x_te")
			wantW, _ := read2(t, f, "W")
			wantB, _ := read2(t, f, "b")
			wantPred, _ := read2(t, f, "y_pred")

			o := &Options{Alpha: cs.Alpha, NFeat: cs.NFeat, ChunkSize: cs.ChunkSize}
			tol := tolFloat64
			if cs.Dtype == "float32" {
				o.Precision = Float32
				tol = tolFloat32
			}
			if len(yshape) > 1 {
				o.TargetShape = yshape
			}
			for _, workers := range []int{1, 3} {
				o.Workers = workers
				modes := []gramMode{gramAuto}
				if cs.Branch == "selection" {
					modes = []gramMode{gramFull, gramPerTarget}
				}
				for _, gm := range modes {
					o.gram = gm
					m, err := Fit(context.Background(), xtr, ytr, o)
					if err != nil {
						t.Fatal(err)
					}
					pred, err := m.Predict(xte)
					if err != nil {
						t.Fatal(err)
					}
					for _, c := range []struct {
						name      string
						got, want []float64
					}{
						{"W", m.W.RawMatrix().Data, wantW.RawMatrix().Data},
						{"b", m.B, wantB.RawMatrix().Data},
						{"y_pred", pred.RawMatrix().Data, wantPred.RawMatrix().Data},
					} {
						e := relErr(c.got, c.want)
						if e > tol {
							t.Errorf("workers %d gram %d: %s relative error %.3g > %g", workers, gm, c.name, e, tol)
						}
						if workers == 1 && gm <= gramFull {
							t.Logf("%s relative error %.3g", c.name, e)
						}
					}
					if !slices.Equal(m.TargetShape, o.TargetShape) {
						t.Errorf("target shape %v, want %v", m.TargetShape, o.TargetShape)
					}
					if cs.Branch == "selection" {
						checkSelected(t, f, m, yshape)
					}
				}
			}
			if cs.Dtype == "float32" {
				// The float32 model predicts in float64 (reference predict default).
				wantNative, _ := read2(t, f, "y_pred_native_dtype")
				o.Workers, o.gram = 0, gramAuto
				m, _ := Fit(context.Background(), xtr, ytr, o)
				pred, _ := m.Predict(xte)
				if e := relErr(pred.RawMatrix().Data, wantNative.RawMatrix().Data); e > tolFloat32 {
					t.Errorf("float32 prediction relative error %.3g", e)
				}
			}
		})
	}
}

// checkSelected compares the nonzero rows of each W column with the
// reference's selection (as sets).
func checkSelected(t *testing.T, f *h5.File, m *Model, yshape []int) {
	t.Helper()
	data, dims, err := f.ReadFloat64("/selected")
	if err != nil {
		t.Fatal(err)
	}
	k, q := dims[0], dims[1]
	p, _ := m.W.Dims()
	for fi := range q {
		j := fi
		if len(yshape) > 1 {
			j = fortranToC(yshape, fi)
		}
		want := make([]int, k)
		for a := range k {
			want[a] = int(data[a*q+fi])
		}
		slices.Sort(want)
		var got []int
		for i := range p {
			if m.W.At(i, j) != 0 {
				got = append(got, i)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("target %d: selected %v, want %v", j, got, want)
		}
	}
}
