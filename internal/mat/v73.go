package mat

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/h5"
)

func readFileV73(path, name string) (*Array, error) {
	f, err := h5.Open(path)
	if err != nil {
		return nil, &Error{File: path, Err: fmt.Errorf("%w: %w", ErrFormat, err)}
	}
	defer f.Close()
	a, err := readV73(f, name)
	if err != nil {
		return nil, &Error{File: path, Var: name, Err: err}
	}
	return a, nil
}

func readAllV73(path string) (map[string]*Array, error) {
	f, err := h5.Open(path)
	if err != nil {
		return nil, &Error{File: path, Err: fmt.Errorf("%w: %w", ErrFormat, err)}
	}
	defer f.Close()
	names, err := f.Members("/")
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	m := map[string]*Array{}
	for _, n := range names {
		if strings.HasPrefix(n, "#") { // #refs#, #subsystem#
			continue
		}
		a, err := readV73(f, n)
		if errors.Is(err, ErrUnsupported) {
			continue
		}
		if err != nil {
			return nil, &Error{File: path, Var: n, Err: err}
		}
		m[n] = a
	}
	return m, nil
}

// nonNumeric lists MATLAB_class values that are not numeric arrays.
var nonNumeric = map[string]string{
	"cell": "a cell array", "struct": "a struct", "char": "a char array",
	"function_handle": "a function handle", "canonical empty": "an empty placeholder",
}

// readV73 reads root variable name of an open v7.3 file.
func readV73(f *h5.File, name string) (*Array, error) {
	if name == "" || strings.ContainsAny(name, "/") {
		return nil, ErrNotFound
	}
	p := "/" + name
	if !f.Exists(p) {
		return nil, ErrNotFound
	}
	kind, err := f.Kind(p)
	if err != nil {
		return nil, err
	}
	if kind != h5.KindDataset {
		if f.Exists(p + "/" + sparseMarker) {
			return nil, fmt.Errorf("%w: it is a bdpy sparse array (use ReadSparse)", ErrUnsupported)
		}
		return nil, fmt.Errorf("%w: it is a struct (HDF5 group)", ErrUnsupported)
	}
	return readV73Dataset(f, p)
}

// readV73Dataset reads the numeric dataset at p, converting HDF5 (C order
// over reversed dims) to numpy order as hdf5storage.loadmat does.
func readV73Dataset(f *h5.File, p string) (*Array, error) {
	info, err := f.Info(p)
	if err != nil {
		return nil, err
	}
	var cls Class
	mc := ""
	if f.HasAttr(p, "MATLAB_class") {
		if mc, err = f.ReadAttrString(p, "MATLAB_class"); err != nil {
			return nil, err
		}
	}
	if what, ok := nonNumeric[mc]; ok {
		return nil, fmt.Errorf("%w: it is %s", ErrUnsupported, what)
	}
	if f.HasAttr(p, "MATLAB_sparse") {
		return nil, fmt.Errorf("%w: it is a MATLAB sparse matrix", ErrUnsupported)
	}
	if mc != "" {
		c, ok := classByName(mc)
		if !ok {
			return nil, fmt.Errorf("%w: MATLAB_class %q", ErrUnsupported, mc)
		}
		cls = c
	} else if cls, err = classOfInfo(info); err != nil {
		return nil, err
	}
	if info.Class != h5.ClassFloat && info.Class != h5.ClassInt && info.Class != h5.ClassUint {
		return nil, fmt.Errorf("%w: it holds HDF5 %s data", ErrUnsupported, info.Class)
	}
	pyShape, hasPy := pythonShape(f, p)
	if isEmpty(f, p) {
		// The dataset holds the HDF5-order dims of the empty array.
		hd, _, err := f.ReadUint64(p)
		if err != nil {
			return nil, err
		}
		dims := make([]int, len(hd))
		for i, d := range hd {
			dims[len(hd)-1-i] = int(min(d, 1<<31))
		}
		if hasPy && product(pyShape) == 0 {
			dims = pyShape
		}
		if product(dims) != 0 {
			dims = []int{0, 0}
		}
		return &Array{Dims: dims, Class: cls, Data: []float64{}}, nil
	}
	data, hd, err := f.ReadFloat64(p)
	if err != nil {
		return nil, err
	}
	dims := slices.Clone(hd)
	slices.Reverse(dims)
	data = fortranToC(dims, data)
	if hasPy && product(pyShape) == len(data) {
		dims = pyShape
	}
	return &Array{Dims: dims, Class: cls, Data: data}, nil
}

func classOfInfo(in h5.Info) (Class, error) {
	switch {
	case in.Class == h5.ClassFloat && in.Size == 8:
		return Double, nil
	case in.Class == h5.ClassFloat && in.Size == 4:
		return Single, nil
	case in.Class == h5.ClassInt || in.Class == h5.ClassUint:
		i := map[int]int{1: 0, 2: 1, 4: 2, 8: 3}
		k, ok := i[in.Size]
		if !ok {
			break
		}
		if in.Class == h5.ClassInt {
			return []Class{Int8, Int16, Int32, Int64}[k], nil
		}
		return []Class{Uint8, Uint16, Uint32, Uint64}[k], nil
	}
	return 0, fmt.Errorf("%w: HDF5 %s data of %d bytes", ErrUnsupported, in.Class, in.Size)
}

func pythonShape(f *h5.File, p string) ([]int, bool) {
	if !f.HasAttr(p, "Python.Shape") {
		return nil, false
	}
	v, err := f.ReadAttrFloat64(p, "Python.Shape")
	if err != nil {
		return nil, false
	}
	dims := make([]int, len(v))
	for i, x := range v {
		if x < 0 || x > 1<<40 {
			return nil, false
		}
		dims[i] = int(x)
	}
	return dims, true
}

func isEmpty(f *h5.File, p string) bool {
	if !f.HasAttr(p, "MATLAB_empty") {
		return false
	}
	v, err := f.ReadAttrFloat64(p, "MATLAB_empty")
	return err == nil && len(v) == 1 && v[0] != 0
}

// userBlock returns the 512-byte user block of a v7.3 file:
// the text MATLAB and hdf5storage write, the subsystem offset (zero),
// version 0x0200 and the little-endian indicator "IM".
func userBlock() []byte {
	b := make([]byte, 512)
	// No creation date: outputs must be byte-identical when a job is
	// rerun (resumed studies are compared byte for byte).
	txt := fmt.Sprintf("MATLAB 7.3 MAT-file, Platform: %s-%s, Created by: bhscore HDF5 schema 1.00 .",
		runtime.GOOS, runtime.GOARCH)
	for i := range 116 {
		b[i] = ' '
	}
	copy(b[:116], txt)
	b[124], b[125] = 0x00, 0x02 // version 0x0200, little-endian
	b[126], b[127] = 'I', 'M'
	return b
}

// matlabDims returns the MATLAB dims of an array with numpy dims d, as
// hdf5storage with oned_as='column' stores it: 0-d as 1x1, 1-D as a
// column n x 1.
func matlabDims(d []int) []int {
	switch len(d) {
	case 0:
		return []int{1, 1}
	case 1:
		return []int{d[0], 1}
	}
	return slices.Clone(d)
}

// underlying is the numpy dtype name of each class.
var underlying = [...]string{Double: "float64", Single: "float32", Int8: "int8", Int16: "int16", Int32: "int32", Int64: "int64", Uint8: "uint8", Uint16: "uint16", Uint32: "uint32", Uint64: "uint64", Logical: "bool"}

// typed converts values to the storage type of class c.
func typed(c Class, v []float64) h5.Data {
	switch c {
	case Double:
		return v
	case Single:
		return conv[float32](v)
	case Int8:
		return conv[int8](v)
	case Int16:
		return conv[int16](v)
	case Int32:
		return conv[int32](v)
	case Int64:
		return conv[int64](v)
	case Uint8:
		return conv[uint8](v)
	case Uint16:
		return conv[uint16](v)
	case Uint32:
		return conv[uint32](v)
	case Uint64:
		return conv[uint64](v)
	case Logical:
		out := make([]uint8, len(v))
		for i, x := range v {
			if x != 0 {
				out[i] = 1
			}
		}
		return out
	}
	panic("mat: bad class")
}

func conv[T float32 | int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](v []float64) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}

// classRange is the half-open range [lo, hi) of each integer class.
var classRange = map[Class][2]float64{
	Int8: {-1 << 7, 1 << 7}, Int16: {-1 << 15, 1 << 15}, Int32: {-1 << 31, 1 << 31}, Int64: {-1 << 63, 1 << 63},
	Uint8: {0, 1 << 8}, Uint16: {0, 1 << 16}, Uint32: {0, 1 << 32}, Uint64: {0, 1 << 64},
}

// checkValues reports integer-class values that the class cannot hold
// exactly (fractions, NaN, out of range): they would be silently changed.
func checkValues(a *Array) error {
	r, ok := classRange[a.Class]
	if !ok {
		return nil
	}
	for i, x := range a.Data {
		if !(x >= r[0] && x < r[1]) || x != math.Trunc(x) {
			return fmt.Errorf("value %v at index %d does not fit class %s", x, i, a.Class)
		}
	}
	return nil
}

// checkName reports whether name can be a MATLAB variable or field name
// in a file we write.
func checkName(name string) error {
	if name == "" || strings.ContainsAny(name, "/.\x00") || strings.HasPrefix(name, "#") {
		return fmt.Errorf("invalid variable name %q", name)
	}
	return nil
}

// WriteV73 writes vars to a MATLAB v7.3 file at path, atomically (a
// temporary file renamed over path). The layout is hdf5storage's
// (savemat format='7.3', oned_as='column', store_python_metadata=True):
// each variable a root dataset in its class's own type, HDF5 dims the
// reverse of the MATLAB dims, a MATLAB_class attribute and the Python.*
// attributes that make hdf5storage.loadmat return the same numpy shape.
// 1-D arrays are stored as MATLAB columns; arrays with a zero dimension as
// hdf5storage's MATLAB_empty placeholders. Integer-class values must be
// integers within range.
func WriteV73(path string, vars map[string]*Array) error {
	names := make([]string, 0, len(vars))
	for n, a := range vars {
		if err := checkName(n); err != nil {
			return &Error{File: path, Var: n, Err: err}
		}
		if err := a.check(); err != nil {
			return &Error{File: path, Var: n, Err: err}
		}
		if err := checkValues(a); err != nil {
			return &Error{File: path, Var: n, Err: err}
		}
		names = append(names, n)
	}
	sort.Strings(names)
	err := writeV73File(path, func(f *h5.File) error {
		for _, n := range names {
			if err := writeV73Dataset(f, "/"+n, vars[n], nil); err != nil {
				return fmt.Errorf("variable %q: %w", n, err)
			}
		}
		return nil
	})
	if err != nil {
		return &Error{File: path, Err: err}
	}
	return nil
}

// pyMeta holds hdf5storage's Python.* attributes of a dataset.
type pyMeta struct {
	typ, container string
}

// writeV73Dataset writes a as a dataset at p with hdf5storage's
// attributes; meta overrides Python.Type and Python.numpy.Container
// (nil: an ndarray).
func writeV73Dataset(f *h5.File, p string, a *Array, meta *pyMeta) error {
	md := matlabDims(a.Dims)
	hd := slices.Clone(md)
	slices.Reverse(hd)
	empty := product(a.Dims) == 0
	if empty {
		hdu := make([]uint64, len(hd))
		for i, d := range hd {
			hdu[i] = uint64(d)
		}
		if err := f.Write(p, []int{len(hdu)}, hdu); err != nil {
			return err
		}
	} else {
		// Numpy C order -> MATLAB Fortran order = C order over HDF5 dims.
		data := cToFortran(a.Dims, a.Data)
		if err := f.Write(p, hd, typed(a.Class, data)); err != nil {
			return err
		}
	}
	if err := f.SetAttrString(p, "MATLAB_class", a.Class.String(), false); err != nil {
		return err
	}
	if a.Class == Logical {
		if err := f.SetAttr(p, "MATLAB_int_decode", nil, []int64{1}); err != nil {
			return err
		}
	}
	if empty {
		if err := f.SetAttr(p, "MATLAB_empty", nil, []uint8{1}); err != nil {
			return err
		}
		if err := f.SetAttr(p, "Python.Empty", nil, []uint8{1}); err != nil {
			return err
		}
	}
	shape := make([]uint64, len(a.Dims))
	for i, d := range a.Dims {
		shape[i] = uint64(d)
	}
	if err := f.SetAttr(p, "Python.Shape", []int{len(shape)}, shape); err != nil {
		return err
	}
	m := pyMeta{"numpy.ndarray", "ndarray"}
	if meta != nil {
		m = *meta
	}
	for _, kv := range [][2]string{
		{"Python.Type", m.typ},
		{"Python.numpy.Container", m.container},
		{"Python.numpy.UnderlyingType", underlying[a.Class]},
	} {
		if err := f.SetAttrString(p, kv[0], kv[1], false); err != nil {
			return err
		}
	}
	return nil
}

// WriteSingle writes data (C order over the numpy dims) as the single
// precision variable name of a v7.3 file at path, as bdpy's
// save_array(path, data, key=name, dtype=np.float32) does; atomically.
func WriteSingle(path, name string, dims []int, data []float32) error {
	a := &Array{Dims: dims, Class: Single, Data: make([]float64, len(data))}
	for i, v := range data {
		a.Data[i] = float64(v)
	}
	return WriteV73(path, map[string]*Array{name: a})
}

// writeV73File writes a v7.3 file at path atomically: fn fills a new HDF5
// file with room for the user block, which is written after it is closed.
func writeV73File(path string, fn func(f *h5.File) error) error {
	return atomicfile.Write(path, func(tmp string) error {
		f, err := h5.Create(tmp, 512)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		return h5.WriteUserBlock(tmp, userBlock())
	})
}
