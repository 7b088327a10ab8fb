package fmri

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/h5"
)

// BData is an in-memory BData container, bdpy's BData: a trials x columns
// dataset, metadata over the columns, a header and value-label maps. Build
// one with New, Add, AddMetadata and AddVmap and write it with Save, or
// read a whole file with File.Load. A BData is not safe for concurrent
// modification; concurrent reads are safe.
type BData struct {
	data   *mat.Dense // nil while empty
	meta   *Metadata
	header map[string]HeaderValue
	vmap   map[string]map[float64]string
}

// New returns an empty BData.
func New() *BData {
	m, _ := NewMetadata(nil, nil, nil, 0)
	return &BData{meta: m, header: map[string]HeaderValue{}, vmap: map[string]map[float64]string{}}
}

// Dims returns the number of trials and columns.
func (b *BData) Dims() (trials, columns int) {
	if b.data == nil {
		return 0, 0
	}
	return b.data.Dims()
}

// Dataset returns the dataset (nil while empty). It is not a copy.
func (b *BData) Dataset() *mat.Dense { return b.data }

// Metadata returns the metadata. It is not a copy.
func (b *BData) Metadata() *Metadata { return b.meta }

// Header returns the header entries. It is not a copy.
func (b *BData) Header() map[string]HeaderValue { return b.header }

// SetHeader sets header entry name (saved as /header/<name>).
func (b *BData) SetHeader(name string, v HeaderValue) { b.header[name] = v }

// VmapKeys returns the keys that have a value-label map, sorted.
func (b *BData) VmapKeys() []string { return vmapKeys(b.vmap) }

// Vmap returns a copy of the value-label map of key.
func (b *BData) Vmap(key string) (map[float64]string, error) {
	m, ok := b.vmap[key]
	if !ok {
		return nil, &Error{Key: key, Err: fmt.Errorf("%w: key has no vmap", ErrNoLabel)}
	}
	return cloneVmap(m), nil
}

// Add appends the columns of x to the dataset under metadata key name (1
// on the new columns, NaN elsewhere; description "1 = name"), as bdpy's
// BData.add. Adding to an existing key keeps its old columns marked.
func (b *BData) Add(x mat.Matrix, name string) error {
	r, c := x.Dims()
	tr, tc := b.Dims()
	if b.data != nil && r != tr {
		return &Error{Key: name, Err: fmt.Errorf("%w: adding %d rows to a dataset of %d", ErrShape, r, tr)}
	}
	nd := mat.NewDense(r, tc+c, nil)
	if b.data != nil {
		nd.Slice(0, r, 0, tc).(*mat.Dense).Copy(b.data)
	}
	nd.Slice(0, r, tc, tc+c).(*mat.Dense).Copy(x)
	old, had := b.meta.first[name]
	b.meta.widen(tc + c - b.meta.cols)
	v := make([]float64, tc+c)
	for i := range v {
		switch {
		case i >= tc:
			v[i] = 1
		case had:
			v[i] = b.meta.vals[old*b.meta.cols+i]
		default:
			v[i] = math.NaN()
		}
	}
	b.meta.set(name, "1 = "+name, v)
	b.data = nd
	return nil
}

// AddMetadata adds (or replaces) metadata key with the given values and
// description, as bdpy's add_metadata. With where == "" value covers every
// column; otherwise it covers, in order, the columns where key where is 1,
// and the other columns get NaN.
func (b *BData) AddMetadata(key string, value []float64, description, where string) error {
	n := b.meta.Len()
	v := value
	if where != "" {
		w, err := b.meta.row(where)
		if err != nil {
			return &Error{Key: where, Err: err}
		}
		v = make([]float64, n)
		j := 0
		for i, x := range w {
			v[i] = math.NaN()
			if x == 1 {
				if j >= len(value) {
					return &Error{Key: key, Err: fmt.Errorf("%w: %d values for the columns of %q", ErrShape, len(value), where)}
				}
				v[i] = value[j]
				j++
			}
		}
		if j != len(value) {
			return &Error{Key: key, Err: fmt.Errorf("%w: %d values for %d columns of %q", ErrShape, len(value), j, where)}
		}
	} else if len(v) != n {
		return &Error{Key: key, Err: fmt.Errorf("%w: %d values for %d columns", ErrShape, len(v), n)}
	}
	b.meta.set(key, description, v)
	return nil
}

// AddVmap adds a value-label map for metadata key, keeping the labels of
// the values that occur in the key's columns (bdpy add_vmap). Every
// non-NaN value must have a label; labels of an existing map must agree.
func (b *BData) AddVmap(key string, vmap map[float64]string) error {
	if !b.meta.Has(key) {
		return &Error{Key: key, Err: ErrKeyNotFound}
	}
	if strings.Contains(key, "/") {
		return &Error{Key: key, Err: fmt.Errorf("%w: a vmap key cannot contain '/'", ErrFormat)}
	}
	old := b.vmap[key]
	for k, v := range vmap {
		if o, ok := old[k]; ok && o != v {
			return &Error{Key: key, Err: fmt.Errorf("inconsistent label for %s: %q, was %q", PyRepr(k), v, o)}
		}
	}
	var vals []float64
	if cols := b.meta.columnsOf(key); len(cols) > 0 && b.data != nil {
		x, err := b.ReadColumns(context.Background(), cols)
		if err != nil {
			return err
		}
		vals = flatten(x)
	}
	add := map[float64]string{}
	for _, x := range vals {
		if math.IsNaN(x) {
			continue
		}
		l, ok := vmap[x]
		if !ok {
			l, ok = old[x]
		}
		if !ok {
			return &Error{Key: key, Err: fmt.Errorf("%w for value %s", ErrNoLabel, PyRepr(x))}
		}
		add[x] = l
	}
	if old == nil {
		old = map[float64]string{}
		b.vmap[key] = old
	}
	for k, v := range add {
		old[k] = v
	}
	return nil
}

// Columns returns the columns the selector expression selects.
func (b *BData) Columns(expr string) ([]int, error) {
	c, err := b.meta.selectColumns(expr)
	if err != nil {
		return nil, &Error{Err: err}
	}
	return c, nil
}

// Select returns a copy of the selected columns of the dataset.
func (b *BData) Select(ctx context.Context, expr string) (*mat.Dense, error) {
	cols, err := b.Columns(expr)
	if err != nil {
		return nil, err
	}
	return b.ReadColumns(ctx, cols)
}

// ReadColumns returns a copy of the given columns of the dataset.
func (b *BData) ReadColumns(_ context.Context, cols []int) (*mat.Dense, error) {
	r, nc := b.Dims()
	if len(cols) == 0 || r == 0 {
		return nil, &Error{Err: ErrEmptySelection}
	}
	out := mat.NewDense(r, len(cols), nil)
	for _, c := range cols {
		if c < 0 || c >= nc {
			return nil, &Error{Err: fmt.Errorf("%w: column %d outside [0,%d)", ErrShape, c, nc)}
		}
	}
	for i := range r {
		src := b.data.RawRowView(i)
		dst := out.RawRowView(i)
		for j, c := range cols {
			dst[j] = src[c]
		}
	}
	return out, nil
}

// Values returns the values of the columns of key for every trial,
// flattened trial by trial (bdpy select(key).flatten()).
func (b *BData) Values(ctx context.Context, key string) ([]float64, error) {
	x, err := b.Select(ctx, key)
	if err != nil {
		return nil, err
	}
	return flatten(x), nil
}

// Labels returns the label of every trial for a key with a value-label map.
func (b *BData) Labels(ctx context.Context, key string) ([]string, error) {
	vm, ok := b.vmap[key]
	if !ok {
		return nil, &Error{Key: key, Err: fmt.Errorf("%w: key has no vmap", ErrNoLabel)}
	}
	v, err := b.Values(ctx, key)
	if err != nil {
		return nil, err
	}
	l, err := labelsOf(v, vm)
	if err != nil {
		return nil, &Error{Key: key, Err: err}
	}
	return l, nil
}

// Save writes b to an HDF5 file as current bdpy's BData.save does (h5py 3
// layout: float64 /dataset and /metadata/value, variable-length ASCII
// strings for keys, descriptions, header strings and vmap labels, vmap
// members named by PyRepr of their value), so that bdpy's BData(name)
// loads it. The header gets ctime and ctime_epoch of now; bdpy's
// callstack entries are not written. The file is written to a temporary
// name in the same directory, synced and renamed into place
// (internal/atomicfile), so a failed Save never leaves a partial file.
func (b *BData) Save(name string) error {
	for k := range b.header {
		if k == "" || strings.Contains(k, "/") {
			return &Error{File: name, Key: k, Err: fmt.Errorf("%w: bad header name", ErrFormat)}
		}
	}
	now := time.Now()
	hdr := cloneHeader(b.header)
	hdr["ctime"] = HeaderValue{Strings: []string{now.Format("2006-01-02 15:04:05")}, Scalar: true}
	hdr["ctime_epoch"] = HeaderValue{Numbers: []float64{float64(now.UnixMicro()) / 1e6}, Scalar: true}

	err := atomicfile.Write(name, func(tmp string) error { return b.write(tmp, hdr) })
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.File = name
			return e
		}
		return &Error{File: name, Err: err}
	}
	return nil
}

func (b *BData) write(name string, hdr map[string]HeaderValue) (err error) {
	f, err := h5.Create(name, 0)
	if err != nil {
		return &Error{File: name, Err: err}
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = &Error{File: name, Err: cerr}
		}
	}()
	fail := func(key string, err error) error { return &Error{File: name, Key: key, Err: err} }
	r, c := b.Dims()
	var data []float64
	if b.data != nil {
		if raw := b.data.RawMatrix(); raw.Stride == c {
			data = raw.Data[:r*c]
		} else {
			data = flatten(b.data)
		}
	}
	if err := f.Write("/dataset", []int{r, c}, data); err != nil {
		return fail("/dataset", err)
	}
	m := b.meta
	if m.cols != c {
		return fail("/metadata/value", fmt.Errorf("%w: metadata width %d differs from dataset width %d", ErrShape, m.cols, c))
	}
	if err := f.WriteStrings("/metadata/key", []int{len(m.keys)}, m.keys, true); err != nil {
		return fail("/metadata/key", err)
	}
	if err := f.WriteStrings("/metadata/description", []int{len(m.descs)}, m.descs, true); err != nil {
		return fail("/metadata/description", err)
	}
	if err := f.Write("/metadata/value", []int{len(m.keys), c}, m.vals); err != nil {
		return fail("/metadata/value", err)
	}
	if err := f.CreateGroup("/header"); err != nil {
		return fail("/header", err)
	}
	for _, k := range slices.Sorted(maps.Keys(hdr)) {
		v := hdr[k]
		p := "/header/" + k
		var dims []int
		switch {
		case v.Strings != nil:
			if !v.Scalar {
				dims = []int{len(v.Strings)}
			} else if len(v.Strings) != 1 {
				return fail(p, fmt.Errorf("%w: scalar header holds %d strings", ErrShape, len(v.Strings)))
			}
			err = f.WriteStrings(p, dims, v.Strings, true)
		default:
			if !v.Scalar {
				dims = []int{len(v.Numbers)}
			} else if len(v.Numbers) != 1 {
				return fail(p, fmt.Errorf("%w: scalar header holds %d numbers", ErrShape, len(v.Numbers)))
			}
			err = f.Write(p, dims, v.Numbers)
		}
		if err != nil {
			return fail(p, err)
		}
	}
	if err := f.CreateGroup("/vmap"); err != nil {
		return fail("/vmap", err)
	}
	for _, k := range vmapKeys(b.vmap) {
		g := "/vmap/" + k
		if err := f.CreateGroup(g); err != nil {
			return fail(g, err)
		}
		for x, l := range b.vmap[k] {
			p := g + "/" + PyRepr(x)
			if err := f.WriteStrings(p, nil, []string{l}, true); err != nil {
				return fail(p, err)
			}
		}
	}
	return nil
}
