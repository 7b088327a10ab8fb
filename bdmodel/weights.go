package bdmodel

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/fastl2lir"
	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	imat "github.com/brainhierarchy/bhscore/internal/mat"
)

// SaveWeights writes m into dir in bdpy's "bdmodel" layout, as bdpy's ModelTraining
// (save_format 'bdmodel') stores a FastL2LiR model:
//
//	dir/W.mat   variable "W": a bdpy sparse array (struct with
//	            __bdpy_sparse_arrray, index, value, shape, background) of
//	            dense shape (inputs,) + target shape, float32 values
//	dir/b.mat   variable "b": dense float32 of shape (1,) + target shape
//
// W and b are rounded to float32 (ModelTraining.dtype of the analyses).
// Each file is written to a temporary name and renamed.
func SaveWeights(dir string, m *fastl2lir.Model) error {
	p, q := m.W.Dims()
	shape := m.TargetShape
	if shape == nil {
		shape = []int{q}
	}
	w := &imat.Array{Dims: append([]int{p}, shape...), Class: imat.Single, Data: make([]float64, p*q)}
	raw := m.W.RawMatrix()
	for i := range p {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+q] {
			w.Data[i*q+j] = float64(float32(v))
		}
	}
	if err := imat.WriteSparse(filepath.Join(dir, "W.mat"), "W", w); err != nil {
		return fmt.Errorf("bdmodel: save: %w", err)
	}
	return saveB(dir, m.B, shape)
}

// saveB writes b.mat: the intercepts, float32, shape 1 x shape.
func saveB(dir string, bias []float64, shape []int) error {
	b := &imat.Array{Dims: append([]int{1}, shape...), Class: imat.Single, Data: make([]float64, len(bias))}
	for j, v := range bias {
		b.Data[j] = float64(float32(v))
	}
	if err := imat.WriteV73(filepath.Join(dir, "b.mat"), map[string]*imat.Array{"b": b}); err != nil {
		return fmt.Errorf("bdmodel: save: %w", err)
	}
	return nil
}

// SaveSparseWeights writes a model stored per target (a streamed fit of a
// whole layer) as SaveWeights writes the equivalent dense one: W.mat as a
// bdpy SparseArray of shape inputs x targets (the non-zero float32
// weights in C order) and b.mat, without ever forming the dense W.
func SaveSparseWeights(dir string, s *fastl2lir.Sparse) error {
	q := s.Targets()
	type entry struct {
		i, j int32
		w    float64
	}
	var es []entry
	for j := range q {
		for r, i := range s.Index[j*s.K : (j+1)*s.K] {
			if w := float64(float32(s.W[j*s.K+r])); w != 0 {
				es = append(es, entry{i, int32(j), w})
			}
		}
	}
	slices.SortFunc(es, func(a, b entry) int {
		if a.i != b.i {
			return int(a.i - b.i)
		}
		return int(a.j - b.j)
	})
	sp := &imat.Sparse{Shape: []int{s.Inputs, q}, Index: [][]int64{make([]int64, len(es)), make([]int64, len(es))},
		Value: make([]float64, len(es)), Class: imat.Single}
	for k, e := range es {
		sp.Index[0][k], sp.Index[1][k], sp.Value[k] = int64(e.i), int64(e.j), e.w
	}
	if err := imat.WriteSparseComponents(filepath.Join(dir, "W.mat"), "W", sp); err != nil {
		return fmt.Errorf("bdmodel: save: %w", err)
	}
	return saveB(dir, s.B, []int{q})
}

// LoadWeights reads a model saved in bdpy's "bdmodel" layout: dir/W.mat and
// dir/b.mat, or the chunked form dir/W/00000000.mat, dir/W/00000001.mat, ...
// with matching dir/b/*.mat (chunks concatenated along target axis 1, the
// chunk_axis the Kamitani lab's scripts use). W may be a bdpy sparse array
// or dense. The returned W is float64 (as bdpy's load_array makes it); a
// W of more than two dimensions sets TargetShape.
func LoadWeights(dir string) (*fastl2lir.Model, error) { return LoadWeightsAxis(dir, 1) }

// LoadWeightsAxis is LoadWeights with chunks concatenated along the given axis of W and b
// (axis 0 of W is the inputs, so axis >= 1; bdpy's chunk_axis).
func LoadWeightsAxis(dir string, axis int) (*fastl2lir.Model, error) {
	wf, err := modelFiles(dir, "W")
	if err != nil {
		return nil, err
	}
	bf, err := modelFiles(dir, "b")
	if err != nil {
		return nil, err
	}
	if len(wf) != len(bf) {
		return nil, fmt.Errorf("bdmodel: load %s: %d W chunks but %d b chunks", dir, len(wf), len(bf))
	}
	var w, b *imat.Array
	for i := range wf {
		wi, err := readW(wf[i])
		if err != nil {
			return nil, err
		}
		bi, err := imat.Read(bf[i], "b")
		if err != nil {
			return nil, fmt.Errorf("bdmodel: load: %w", err)
		}
		if i == 0 {
			w, b = wi, bi
			continue
		}
		if w, err = concat(w, wi, axis); err != nil {
			return nil, fmt.Errorf("bdmodel: load %s: W: %w", wf[i], err)
		}
		if b, err = concat(b, bi, axis); err != nil {
			return nil, fmt.Errorf("bdmodel: load %s: b: %w", bf[i], err)
		}
	}
	if len(w.Dims) < 2 {
		return nil, fmt.Errorf("bdmodel: load %s: W has shape %v", dir, w.Dims)
	}
	p := w.Dims[0]
	q := len(w.Data) / max(p, 1)
	if len(b.Data) != q {
		return nil, fmt.Errorf("bdmodel: load %s: W has shape %v but b %v", dir, w.Dims, b.Dims)
	}
	m := &fastl2lir.Model{W: mat.NewDense(p, q, w.Data), B: slices.Clone(b.Data)}
	if len(w.Dims) > 2 {
		m.TargetShape = slices.Clone(w.Dims[1:])
	}
	return m, nil
}

// readW reads variable W, sparse (bdpy SparseArray) or dense.
func readW(path string) (*imat.Array, error) {
	a, err := imat.ReadSparse(path, "W")
	if err == nil {
		return a, nil
	}
	d, derr := imat.Read(path, "W")
	if derr != nil {
		return nil, fmt.Errorf("bdmodel: load %s: %w", path, err)
	}
	return d, nil
}

// modelFiles returns dir/<name>.mat or the sorted dir/<name>/*.mat.
func modelFiles(dir, name string) ([]string, error) {
	if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.IsDir() {
		fs, err := filepath.Glob(filepath.Join(dir, name, "*.mat"))
		if err != nil {
			return nil, err
		}
		var out []string
		for _, f := range fs {
			if !atomicfile.IsTemp(f) {
				out = append(out, f)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("bdmodel: load %s: no %s/*.mat", dir, name)
		}
		sort.Strings(out)
		return out, nil
	}
	f := filepath.Join(dir, name+".mat")
	if _, err := os.Stat(f); err != nil {
		return nil, fmt.Errorf("bdmodel: load %s: %s not found", dir, name)
	}
	return []string{f}, nil
}

// concat joins two C-order arrays along axis.
func concat(a, b *imat.Array, axis int) (*imat.Array, error) {
	if len(a.Dims) != len(b.Dims) || axis < 0 || axis >= len(a.Dims) {
		return nil, fmt.Errorf("cannot concatenate shapes %v and %v along axis %d", a.Dims, b.Dims, axis)
	}
	for i := range a.Dims {
		if i != axis && a.Dims[i] != b.Dims[i] {
			return nil, fmt.Errorf("cannot concatenate shapes %v and %v along axis %d", a.Dims, b.Dims, axis)
		}
	}
	outer := 1
	for _, d := range a.Dims[:axis] {
		outer *= d
	}
	inner := 1
	for _, d := range a.Dims[axis+1:] {
		inner *= d
	}
	na, nb := a.Dims[axis]*inner, b.Dims[axis]*inner
	out := &imat.Array{Dims: slices.Clone(a.Dims), Class: a.Class, Data: make([]float64, 0, len(a.Data)+len(b.Data))}
	out.Dims[axis] += b.Dims[axis]
	for o := range outer {
		out.Data = append(out.Data, a.Data[o*na:(o+1)*na]...)
		out.Data = append(out.Data, b.Data[o*nb:(o+1)*nb]...)
	}
	return out, nil
}
