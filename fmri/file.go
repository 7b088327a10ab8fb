package fmri

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/internal/h5"
)

// ErrEmptySelection is wrapped by errors from Select and ReadColumns when
// no column is selected (a gonum matrix cannot have zero columns).
var ErrEmptySelection = errors.New("selection is empty")

// HeaderValue is one entry of a BData header (/header/<name>): strings
// (e.g. ctime, callstack) or numbers (e.g. ctime_epoch).
type HeaderValue struct {
	Strings []string  // string data, nil for numbers
	Numbers []float64 // numeric data, nil for strings
	Scalar  bool      // a scalar dataset (one value) rather than a list
}

// File is a BData file opened for reading. Metadata, header and vmap are
// read by Open; the dataset is read on demand, only the rows and columns a
// request needs being kept in memory. A File is safe for concurrent use.
type File struct {
	name   string
	h      *h5.File
	data   string // HDF5 path of the dataset (/dataset or legacy /dataSet)
	rows   int
	meta   *Metadata
	header map[string]HeaderValue
	vmap   map[string]map[float64]string
}

// Open opens a BData HDF5 file (as written by bdpy's BData.save, or an
// older file using /dataSet and /metaData) and reads its metadata, header
// and vmap. Strings may be variable- or fixed-length.
func Open(name string) (*File, error) {
	h, err := h5.Open(name)
	if err != nil {
		var he *h5.Error
		if errors.As(err, &he) {
			err = he.Err // it names the file again
		}
		if errors.Is(err, h5.ErrNotHDF5) {
			return nil, &Error{File: name, Err: fmt.Errorf("%w: %w", ErrFormat, err)}
		}
		return nil, &Error{File: name, Err: err}
	}
	f := &File{name: name, h: h}
	if err := f.load(); err != nil {
		h.Close()
		return nil, err
	}
	return f, nil
}

func (f *File) fail(key string, err error) error {
	var he *h5.Error
	if errors.As(err, &he) && he.File == f.name && (he.Path == key || key == "") {
		// Drop the repetition of file and path, keep what was attempted.
		key = he.Path
		err = fmt.Errorf("%s: %w", he.Op, he.Err)
	}
	return &Error{File: f.name, Key: key, Err: err}
}

func (f *File) load() error {
	md := "/metadata"
	if f.h.Exists("/metaData") {
		md = "/metaData"
	}
	f.data = "/dataset"
	if f.h.Exists("/dataSet") {
		f.data = "/dataSet"
	}
	if k, _ := f.h.Kind(f.data); k != h5.KindDataset {
		return f.fail(f.data, fmt.Errorf("%w: no dataset (neither /dataset nor /dataSet)", ErrFormat))
	}
	in, err := f.h.Info(f.data)
	if err != nil {
		return f.fail(f.data, err)
	}
	if len(in.Dims) != 2 || (in.Class != h5.ClassFloat && in.Class != h5.ClassInt && in.Class != h5.ClassUint) {
		return f.fail(f.data, fmt.Errorf("%w: dataset is %d-D %s, want a 2-D numeric array", ErrFormat, len(in.Dims), in.Class))
	}
	f.rows = in.Dims[0]
	cols := in.Dims[1]
	if k, _ := f.h.Kind(md); k != h5.KindGroup {
		return f.fail(md, fmt.Errorf("%w: no metadata group (neither /metadata nor /metaData)", ErrFormat))
	}
	keys, _, err := f.h.ReadStrings(md + "/key")
	if err != nil {
		return f.fail(md+"/key", err)
	}
	descs, _, err := f.h.ReadStrings(md + "/description")
	if err != nil {
		return f.fail(md+"/description", err)
	}
	if len(descs) != len(keys) {
		return f.fail(md+"/description", fmt.Errorf("%w: %d descriptions for %d keys", ErrShape, len(descs), len(keys)))
	}
	vals, dims, err := f.h.ReadFloat64(md + "/value")
	if err != nil {
		return f.fail(md+"/value", err)
	}
	switch {
	case len(dims) == 1 && len(keys) == 1:
		dims = []int{1, dims[0]}
	case len(keys) == 0 && len(vals) == 0:
		dims = []int{0, cols}
	}
	if len(dims) != 2 || dims[0] != len(keys) {
		return f.fail(md+"/value", fmt.Errorf("%w: metadata values have shape %v for %d keys", ErrShape, dims, len(keys)))
	}
	if dims[1] != cols {
		return f.fail(md+"/value", fmt.Errorf("%w: metadata width %d differs from dataset width %d (%s is %d x %d)", ErrShape, dims[1], cols, f.data, f.rows, cols))
	}
	f.meta, err = NewMetadata(keys, descs, vals, cols)
	if err != nil {
		return f.fail(md, err)
	}
	if err := f.loadHeader(); err != nil {
		return err
	}
	return f.loadVmap()
}

func (f *File) loadHeader() error {
	f.header = map[string]HeaderValue{}
	if k, _ := f.h.Kind("/header"); k != h5.KindGroup {
		return nil
	}
	names, err := f.h.Members("/header")
	if err != nil {
		return f.fail("/header", err)
	}
	for _, n := range names {
		p := "/header/" + n
		if k, _ := f.h.Kind(p); k != h5.KindDataset {
			continue
		}
		in, err := f.h.Info(p)
		if err != nil {
			return f.fail(p, err)
		}
		v := HeaderValue{Scalar: len(in.Dims) == 0}
		switch in.Class {
		case h5.ClassString:
			v.Strings, _, err = f.h.ReadStrings(p)
		case h5.ClassFloat, h5.ClassInt, h5.ClassUint:
			v.Numbers, _, err = f.h.ReadFloat64(p)
		default:
			continue
		}
		if err != nil {
			return f.fail(p, err)
		}
		f.header[n] = v
	}
	return nil
}

func (f *File) loadVmap() error {
	f.vmap = map[string]map[float64]string{}
	if k, _ := f.h.Kind("/vmap"); k != h5.KindGroup {
		return nil
	}
	keys, err := f.h.Members("/vmap")
	if err != nil {
		return f.fail("/vmap", err)
	}
	for _, key := range keys {
		g := "/vmap/" + key
		members, err := f.h.Members(g)
		if err != nil {
			return f.fail(g, err)
		}
		m := make(map[float64]string, len(members))
		for _, mem := range members {
			p := g + "/" + mem
			x, err := parsePyFloat(mem)
			if err != nil {
				return f.fail(p, fmt.Errorf("%w: vmap member name: %v", ErrFormat, err))
			}
			s, _, err := f.h.ReadStrings(p)
			if err != nil {
				return f.fail(p, err)
			}
			if len(s) != 1 {
				return f.fail(p, fmt.Errorf("%w: vmap label holds %d strings, want 1", ErrFormat, len(s)))
			}
			m[x] = s[0]
		}
		f.vmap[key] = m
	}
	return nil
}

// Close closes the file.
func (f *File) Close() error {
	if err := f.h.Close(); err != nil {
		return f.fail("", err)
	}
	return nil
}

// Name returns the file name given to Open.
func (f *File) Name() string { return f.name }

// Dims returns the number of trials (rows) and columns of the dataset.
func (f *File) Dims() (trials, columns int) { return f.rows, f.meta.Len() }

// Metadata returns the file's metadata.
func (f *File) Metadata() *Metadata { return f.meta }

// Header returns the header entries (/header/*); empty when there are none.
func (f *File) Header() map[string]HeaderValue { return cloneHeader(f.header) }

// VmapKeys returns the keys that have a value-label map, sorted.
func (f *File) VmapKeys() []string { return vmapKeys(f.vmap) }

// Vmap returns a copy of the value-label map of key.
func (f *File) Vmap(key string) (map[float64]string, error) {
	m, ok := f.vmap[key]
	if !ok {
		return nil, f.fail(key, fmt.Errorf("%w: key has no vmap", ErrNoLabel))
	}
	return cloneVmap(m), nil
}

// Columns returns the 0-based indices of the columns the selector
// expression selects, ascending (bdpy select(expr, return_index=True)).
// An unknown key is an error naming it.
func (f *File) Columns(expr string) ([]int, error) {
	c, err := f.meta.selectColumns(expr)
	if err != nil {
		return nil, f.fail("", err) // err names the selector and key
	}
	return c, nil
}

// Select returns the trials x selected-columns matrix of the selector
// expression, reading the dataset in row blocks and keeping only the
// selected columns (peak memory about the size of the result).
func (f *File) Select(ctx context.Context, expr string) (*mat.Dense, error) {
	cols, err := f.Columns(expr)
	if err != nil {
		return nil, err
	}
	return f.ReadColumns(ctx, cols)
}

// blockBytes bounds the row-block buffer Select reads through.
const blockBytes = 8 << 20

// ReadColumns returns the trials x len(cols) matrix of the given dataset
// columns (0-based, any order, repeats allowed).
func (f *File) ReadColumns(ctx context.Context, cols []int) (*mat.Dense, error) {
	nc := f.meta.Len()
	if len(cols) == 0 || f.rows == 0 {
		return nil, f.fail(f.data, ErrEmptySelection)
	}
	for _, c := range cols {
		if c < 0 || c >= nc {
			return nil, f.fail(f.data, fmt.Errorf("%w: column %d outside [0,%d)", ErrShape, c, nc))
		}
	}
	out := mat.NewDense(f.rows, len(cols), nil)
	raw := out.RawMatrix()
	if isIdentity(cols, nc) {
		// Whole dataset: read straight into the result, block by block.
		per := max(1, blockBytes/(8*nc))
		for r0 := 0; r0 < f.rows; r0 += per {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			n := min(per, f.rows-r0)
			if err := f.h.ReadRows(f.data, r0, raw.Data[r0*nc:(r0+n)*nc]); err != nil {
				return nil, f.fail(f.data, err)
			}
		}
		return out, nil
	}
	// Rows per block: the buffer is at most the size of the result and
	// at most blockBytes, but at least one row.
	per := max(1, min(blockBytes, 8*f.rows*len(cols))/(8*nc))
	per = min(per, f.rows)
	buf := make([]float64, per*nc)
	for r0 := 0; r0 < f.rows; r0 += per {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(per, f.rows-r0)
		if err := f.h.ReadRows(f.data, r0, buf[:n*nc]); err != nil {
			return nil, f.fail(f.data, err)
		}
		for i := range n {
			src := buf[i*nc : (i+1)*nc]
			dst := raw.Data[(r0+i)*raw.Stride : (r0+i)*raw.Stride+len(cols)]
			for j, c := range cols {
				dst[j] = src[c]
			}
		}
	}
	return out, nil
}

func isIdentity(cols []int, n int) bool {
	if len(cols) != n {
		return false
	}
	for i, c := range cols {
		if c != i {
			return false
		}
	}
	return true
}

// Values returns the values of the columns of key for every trial,
// flattened trial by trial (bdpy select(key).flatten()); for a label key
// such as image_index this is one value per trial.
func (f *File) Values(ctx context.Context, key string) ([]float64, error) {
	x, err := f.Select(ctx, key)
	if err != nil {
		return nil, err
	}
	return flatten(x), nil
}

// Labels returns the label of every trial for a key with a value-label map
// (bdpy get_labels), e.g. stimulus_name -> "n01518878_10042". A NaN value
// or a value without a vmap entry is an error naming the file, key and
// trial.
func (f *File) Labels(ctx context.Context, key string) ([]string, error) {
	vm, ok := f.vmap[key]
	if !ok {
		return nil, f.fail(key, fmt.Errorf("%w: key has no vmap", ErrNoLabel))
	}
	v, err := f.Values(ctx, key)
	if err != nil {
		return nil, err
	}
	l, err := labelsOf(v, vm)
	if err != nil {
		return nil, f.fail(key, err)
	}
	return l, nil
}

// Load reads the whole file into memory.
func (f *File) Load(ctx context.Context) (*BData, error) {
	b := &BData{meta: f.meta.clone(), header: cloneHeader(f.header), vmap: map[string]map[float64]string{}}
	for k, m := range f.vmap {
		b.vmap[k] = cloneVmap(m)
	}
	nc := f.meta.Len()
	if f.rows > 0 && nc > 0 {
		all := make([]int, nc)
		for i := range all {
			all[i] = i
		}
		x, err := f.ReadColumns(ctx, all)
		if err != nil {
			return nil, err
		}
		b.data = x
	}
	return b, nil
}

func flatten(x *mat.Dense) []float64 {
	r, c := x.Dims()
	out := make([]float64, 0, r*c)
	for i := range r {
		out = append(out, x.RawRowView(i)...)
	}
	return out
}

func labelsOf(v []float64, vm map[float64]string) ([]string, error) {
	out := make([]string, len(v))
	for i, x := range v {
		if math.IsNaN(x) {
			return nil, fmt.Errorf("%w at trial %d", ErrNaNLabel, i)
		}
		s, ok := vm[x]
		if !ok {
			return nil, fmt.Errorf("%w for value %s (trial %d) in the vmap", ErrNoLabel, PyRepr(x), i)
		}
		out[i] = s
	}
	return out, nil
}

func vmapKeys(vm map[string]map[float64]string) []string {
	out := make([]string, 0, len(vm))
	for k := range vm {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func cloneVmap(m map[float64]string) map[float64]string {
	out := make(map[float64]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func cloneHeader(h map[string]HeaderValue) map[string]HeaderValue {
	out := make(map[string]HeaderValue, len(h))
	for k, v := range h {
		out[k] = HeaderValue{
			Strings: append([]string(nil), v.Strings...),
			Numbers: append([]float64(nil), v.Numbers...),
			Scalar:  v.Scalar,
		}
	}
	return out
}

func (m *Metadata) clone() *Metadata {
	c, _ := NewMetadata(m.keys, m.descs, m.vals, m.cols)
	return c
}
