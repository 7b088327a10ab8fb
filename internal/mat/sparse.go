package mat

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/brainhierarchy/bhscore/internal/h5"
)

// sparseMarker is the member that marks a bdpy SparseArray group; the
// misspelling (three r's) is bdpy's.
const sparseMarker = "__bdpy_sparse_arrray"

// Sparse is a bdpy SparseArray: the elements of an array of shape Shape
// that differ from Background (NaN included), in C order.
type Sparse struct {
	Shape      []int     // numpy order
	Index      [][]int64 // Index[d][k]: coordinate along axis d of the k-th stored element (np.where order)
	Value      []float64 // the stored values, widened exactly from Class
	Class      Class     // class of the stored values (bdpy writes decoder weights as single)
	Background float64   // value of the elements not stored
}

// maxDense bounds the number of elements Dense allocates (2^31: 16 GiB of
// float64), so that a corrupt shape cannot exhaust memory.
const maxDense = 1 << 31

// Dense returns the array bdpy's load_array returns: Background everywhere
// except at the stored elements, class Double (bdpy returns float64).
func (s *Sparse) Dense() (*Array, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	n := 1
	for _, d := range s.Shape {
		n *= d
	}
	if float64(n) > maxDense || n < 0 {
		return nil, fmt.Errorf("sparse shape %v has more than 2^31 elements", s.Shape)
	}
	data := make([]float64, n)
	if s.Background != 0 {
		for i := range data {
			data[i] = s.Background
		}
	}
	stride := make([]int, len(s.Shape))
	st := 1
	for d := len(s.Shape) - 1; d >= 0; d-- {
		stride[d] = st
		st *= s.Shape[d]
	}
	for k, v := range s.Value {
		off := 0
		for d := range s.Shape {
			off += int(s.Index[d][k]) * stride[d]
		}
		data[off] = v
	}
	return &Array{Dims: slices.Clone(s.Shape), Class: Double, Data: data}, nil
}

func (s *Sparse) check() error {
	for _, d := range s.Shape {
		if d < 0 {
			return corrupt("sparse shape %v has a negative dimension", s.Shape)
		}
	}
	if len(s.Index) != len(s.Shape) {
		return corrupt("sparse array of %d dimensions has %d index arrays", len(s.Shape), len(s.Index))
	}
	for d, ix := range s.Index {
		if len(ix) != len(s.Value) {
			return corrupt("sparse index %d has %d entries for %d values", d, len(ix), len(s.Value))
		}
		for _, i := range ix {
			if i < 0 || i >= int64(s.Shape[d]) {
				return corrupt("sparse index %d out of range [0,%d) on axis %d", i, s.Shape[d], d)
			}
		}
	}
	return nil
}

// NewSparse returns the bdpy sparse form of a with background 0: the
// elements that are not 0 (NaN included), in C order.
func NewSparse(a *Array) (*Sparse, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	s := &Sparse{Shape: slices.Clone(a.Dims), Class: a.Class, Index: make([][]int64, len(a.Dims))}
	if len(a.Dims) == 0 { // 0-d: numpy's where gives no index arrays
		s.Shape = []int{}
	}
	for i, v := range a.Data {
		if v == 0 {
			continue
		}
		s.Value = append(s.Value, v)
		r := i
		for d := len(a.Dims) - 1; d >= 0; d-- {
			s.Index[d] = append(s.Index[d], int64(r%a.Dims[d]))
			r /= a.Dims[d]
		}
	}
	for d := range s.Index {
		if s.Index[d] == nil {
			s.Index[d] = []int64{}
		}
	}
	if s.Value == nil {
		s.Value = []float64{}
	}
	return s, nil
}

// ReadSparse reads variable name of the MAT file at path as bdpy's
// load_array does: a bdpy SparseArray group made dense (class Double), or
// a plain numeric array as Read returns it.
func ReadSparse(path, name string) (*Array, error) {
	s, a, err := readSparse(path, name)
	if err != nil {
		return nil, err
	}
	if a != nil {
		return a, nil
	}
	d, err := s.Dense()
	if err != nil {
		return nil, &Error{File: path, Var: name, Err: err}
	}
	return d, nil
}

// ReadSparseComponents reads the bdpy SparseArray group name of the v7.3
// file at path without making it dense.
func ReadSparseComponents(path, name string) (*Sparse, error) {
	s, a, err := readSparse(path, name)
	if err != nil {
		return nil, err
	}
	if a != nil {
		return nil, &Error{File: path, Var: name, Err: fmt.Errorf("%w: a dense array, not a bdpy sparse array", ErrUnsupported)}
	}
	return s, nil
}

// readSparse returns the sparse components, or for a plain array the array.
func readSparse(path, name string) (*Sparse, *Array, error) {
	format, err := DetectFile(path)
	if err != nil {
		return nil, nil, err
	}
	if format != V73 {
		a, err := readV5(path, name)
		return nil, a, err
	}
	f, err := h5.Open(path)
	if err != nil {
		return nil, nil, &Error{File: path, Err: fmt.Errorf("%w: %w", ErrFormat, err)}
	}
	defer f.Close()
	p := "/" + name
	if checkName(name) != nil || !f.Exists(p) {
		return nil, nil, &Error{File: path, Var: name, Err: ErrNotFound}
	}
	if k, _ := f.Kind(p); k == h5.KindDataset || !f.Exists(p+"/"+sparseMarker) {
		a, err := readV73(f, name)
		if err != nil {
			return nil, nil, &Error{File: path, Var: name, Err: err}
		}
		return nil, a, nil
	}
	s, err := readSparseGroup(f, p)
	if err != nil {
		return nil, nil, &Error{File: path, Var: name, Err: err}
	}
	return s, nil, nil
}

func readSparseGroup(f *h5.File, p string) (*Sparse, error) {
	s := &Sparse{}
	for _, m := range []string{"index", "value", "shape"} {
		if !f.Exists(p + "/" + m) {
			return nil, corrupt("bdpy sparse array without %q", m)
		}
	}
	// shape: a cell (tuple) of scalars, or a numeric array.
	shape, err := readInts(f, p+"/shape")
	if err != nil {
		return nil, fmt.Errorf("shape: %w", err)
	}
	s.Shape = make([]int, 0, len(shape))
	for _, v := range shape {
		for _, d := range v {
			if d < 0 || d > math.MaxInt32 {
				return nil, corrupt("sparse shape dimension %d", d)
			}
			s.Shape = append(s.Shape, int(d))
		}
	}
	idx, err := readInts(f, p+"/index")
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	s.Index = idx
	val, err := readV73Dataset(f, p+"/value")
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	s.Value, s.Class = val.Data, val.Class
	if f.Exists(p + "/background") {
		bg, err := readV73Dataset(f, p+"/background")
		if err != nil {
			return nil, fmt.Errorf("background: %w", err)
		}
		if len(bg.Data) != 1 {
			return nil, corrupt("background of %d values", len(bg.Data))
		}
		s.Background = bg.Data[0]
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

// readInts reads a cell array of object references to integer arrays
// (one slice per cell), or a plain numeric dataset (one slice).
func readInts(f *h5.File, p string) ([][]int64, error) {
	info, err := f.Info(p)
	if err != nil {
		return nil, err
	}
	if info.Class != h5.ClassReference {
		v, err := readIntDataset(f, p)
		if err != nil {
			return nil, err
		}
		return [][]int64{v}, nil
	}
	refs, _, err := f.ReadRefs(p)
	if err != nil {
		return nil, err
	}
	out := make([][]int64, len(refs))
	for i, r := range refs {
		if out[i], err = readIntDataset(f, r); err != nil {
			return nil, fmt.Errorf("cell %d (%s): %w", i, r, err)
		}
	}
	return out, nil
}

func readIntDataset(f *h5.File, p string) ([]int64, error) {
	if isEmpty(f, p) {
		return []int64{}, nil
	}
	info, err := f.Info(p)
	if err != nil {
		return nil, err
	}
	if info.Class != h5.ClassInt && info.Class != h5.ClassUint {
		return nil, fmt.Errorf("%w: %s data where integers belong", ErrFormat, info.Class)
	}
	v, _, err := f.ReadInt64(p)
	return v, err
}

// WriteSparse writes a as bdpy's save_array(sparse=True) does, to a new
// MATLAB v7.3 file at path (atomically): a struct group name holding
// __bdpy_sparse_arrray (logical true), index and shape (cell arrays of
// references into /#refs#), value (the non-zero elements, NaN included,
// in a's class) and background (int64 0). hdf5storage.loadmat and
// bdpy's load_array read it back.
func WriteSparse(path, name string, a *Array) error {
	s, err := NewSparse(a)
	if err != nil {
		return &Error{File: path, Var: name, Err: err}
	}
	return WriteSparseComponents(path, name, s)
}

// WriteSparseComponents writes s like WriteSparse. The background must be
// an integer (bdpy stores it as an int64).
func WriteSparseComponents(path, name string, s *Sparse) error {
	if err := checkName(name); err != nil {
		return &Error{File: path, Var: name, Err: err}
	}
	if err := s.check(); err != nil {
		return &Error{File: path, Var: name, Err: err}
	}
	if s.Background != math.Trunc(s.Background) || math.Abs(s.Background) >= 1<<63 {
		return &Error{File: path, Var: name, Err: fmt.Errorf("background %v is not an int64", s.Background)}
	}
	vals := &Array{Dims: []int{len(s.Value)}, Class: s.Class, Data: s.Value}
	if err := checkValues(vals); err != nil {
		return &Error{File: path, Var: name, Err: err}
	}
	err := writeV73File(path, func(f *h5.File) error { return writeSparseGroup(f, "/"+name, s, vals) })
	if err != nil {
		return &Error{File: path, Var: name, Err: err}
	}
	return nil
}

// refName returns the i-th (i >= 1) name for an object in /#refs#: "b",
// "c", ..., "z", "ba", ... ("a" is the canonical empty array), as MATLAB
// names them.
func refName(i int) string {
	var b []byte
	for {
		b = append([]byte{byte('a' + i%26)}, b...)
		i /= 26
		if i == 0 {
			return string(b)
		}
	}
}

func writeSparseGroup(f *h5.File, p string, s *Sparse, vals *Array) error {
	// /#refs#/a: MATLAB's canonical empty array, as hdf5storage writes it.
	if err := f.Write("/#refs#/a", []int{2}, []uint64{0, 0}); err != nil {
		return err
	}
	if err := f.SetAttrString("/#refs#/a", "MATLAB_class", "canonical empty", false); err != nil {
		return err
	}
	if err := f.SetAttr("/#refs#/a", "MATLAB_empty", nil, []uint8{1}); err != nil {
		return err
	}
	nref := 0
	newRef := func(a *Array, meta *pyMeta) (string, error) {
		nref++
		rp := "/#refs#/" + refName(nref)
		if err := writeV73Dataset(f, rp, a, meta); err != nil {
			return "", err
		}
		return rp, f.SetAttrString(rp, "H5PATH", "/#refs#", false)
	}
	scalar := func(typ string) *pyMeta { return &pyMeta{typ, "scalar"} }
	var idx, shp []string
	for d := range s.Shape {
		v := make([]float64, len(s.Index[d]))
		for k, x := range s.Index[d] {
			v[k] = float64(x)
		}
		r, err := newRef(&Array{Dims: []int{len(v)}, Class: Int64, Data: v}, nil)
		if err != nil {
			return err
		}
		idx = append(idx, r)
	}
	for _, d := range s.Shape {
		r, err := newRef(&Array{Dims: []int{}, Class: Int64, Data: []float64{float64(d)}}, scalar("int"))
		if err != nil {
			return err
		}
		shp = append(shp, r)
	}
	if err := f.CreateGroup(p); err != nil {
		return err
	}
	if err := setStructAttrs(f, p, []string{sparseMarker, "background", "index", "shape", "value"}); err != nil {
		return err
	}
	members := []struct {
		name string
		fn   func(mp string) error
	}{
		{sparseMarker, func(mp string) error {
			return writeV73Dataset(f, mp, &Array{Dims: []int{}, Class: Logical, Data: []float64{1}}, scalar("bool"))
		}},
		{"background", func(mp string) error {
			return writeV73Dataset(f, mp, &Array{Dims: []int{}, Class: Int64, Data: []float64{s.Background}}, scalar("int"))
		}},
		{"index", func(mp string) error { return writeCell(f, mp, idx) }},
		{"shape", func(mp string) error { return writeCell(f, mp, shp) }},
		{"value", func(mp string) error { return writeV73Dataset(f, mp, vals, nil) }},
	}
	for _, m := range members {
		mp := p + "/" + m.name
		if err := m.fn(mp); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		if err := f.SetAttrString(mp, "H5PATH", p, false); err != nil {
			return err
		}
	}
	return nil
}

// writeCell writes a 1-D cell array (a Python tuple for hdf5storage) of
// references to the objects at targets.
func writeCell(f *h5.File, p string, targets []string) error {
	if len(targets) == 0 {
		return errors.New("empty cell arrays are not supported")
	}
	if err := f.WriteRefs(p, []int{1, len(targets)}, targets); err != nil {
		return err
	}
	if err := f.SetAttrString(p, "MATLAB_class", "cell", false); err != nil {
		return err
	}
	if err := f.SetAttr(p, "Python.Shape", []int{1}, []uint64{uint64(len(targets))}); err != nil {
		return err
	}
	for _, kv := range [][2]string{{"Python.Type", "tuple"}, {"Python.numpy.Container", "ndarray"}, {"Python.numpy.UnderlyingType", "object"}} {
		if err := f.SetAttrString(p, kv[0], kv[1], false); err != nil {
			return err
		}
	}
	return nil
}
