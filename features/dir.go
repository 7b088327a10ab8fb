package features

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"
)

// DirOptions configures OpenDir. The zero value is valid.
type DirOptions struct {
	// Ext is the feature file extension, with or without the dot.
	// Default "mat".
	Ext string
	// Var is the variable holding the activations in every file.
	// Default "feat".
	Var string
	// IndexFile, if not empty, is a bdpy feature-index file
	// (index_random1000.mat style) whose per-layer unit positions are
	// applied to every loaded layer; see ReadIndex.
	IndexFile string
	// Workers bounds the number of files read concurrently.
	// Default (0) is GOMAXPROCS. MATLAB v5 files are decoded in pure Go
	// in parallel; v7.3 (HDF5) reads are serialised by libhdf5's lock.
	Workers int
}

// Dir is a feature store over bdpy's Features directory layout:
// <root>/<layer>/<stem>.mat, each file holding a variable "feat" of shape
// 1 x unit shape, in MATLAB v5 or v7.3 format (detected per file).
//
// A Dir is safe for concurrent use.
type Dir struct {
	root   string
	ext    string
	varNm  string
	work   int
	layers []string
	labels []string
	index  UnitIndex // nil without an index file
	// indexFile is the file index was read from.
	indexFile string
}

// OpenDir lists the layers (sorted sub-directories of root) and stimulus
// stems (sorted file names without extension) of a bdpy feature directory.
// Every layer must hold the same stems; otherwise the error lists the
// missing and extra files. No feature file is read until Layer is called.
func OpenDir(root string, opts *DirOptions) (*Dir, error) {
	var o DirOptions
	if opts != nil {
		o = *opts
	}
	if o.Ext == "" {
		o.Ext = "mat"
	}
	o.Ext = "." + strings.TrimPrefix(o.Ext, ".")
	if o.Var == "" {
		o.Var = "feat"
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	d := &Dir{root: root, ext: o.Ext, varNm: o.Var, work: o.Workers}

	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, &Error{File: root, Err: err}
	}
	for _, e := range ents {
		// Like bdpy (os.path.isdir), follow symbolic links.
		if st, err := os.Stat(filepath.Join(root, e.Name())); err == nil && st.IsDir() {
			d.layers = append(d.layers, e.Name())
		}
	}
	slices.Sort(d.layers) // Go byte order == Python code-point order for UTF-8.
	if len(d.layers) == 0 {
		return nil, &Error{File: root, Err: errors.New("no layer directories")}
	}
	for k, layer := range d.layers {
		stems, err := d.listStems(layer)
		if err != nil {
			return nil, err
		}
		if k == 0 {
			if len(stems) == 0 {
				return nil, &Error{File: filepath.Join(root, layer), Layer: layer, Err: fmt.Errorf("no *%s files", d.ext)}
			}
			d.labels = stems
			continue
		}
		if !slices.Equal(stems, d.labels) {
			return nil, &Error{File: filepath.Join(root, layer), Layer: layer,
				Err: fmt.Errorf("%w: stems differ from layer %s: %s", ErrMismatch, d.layers[0], diffStems(d.labels, stems, d.ext))}
		}
	}
	if o.IndexFile != "" {
		d.indexFile = o.IndexFile
		if d.index, err = ReadIndex(o.IndexFile); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *Dir) listStems(layer string) ([]string, error) {
	dir := filepath.Join(d.root, layer)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, &Error{File: dir, Layer: layer, Err: err}
	}
	var stems []string
	for _, e := range ents {
		name := e.Name()
		// glob('*.mat') skips hidden files.
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, d.ext) || e.IsDir() {
			continue
		}
		stems = append(stems, strings.TrimSuffix(name, d.ext))
	}
	slices.Sort(stems)
	return stems, nil
}

// diffStems describes the files missing from and extra in got relative to
// want (both sorted).
func diffStems(want, got []string, ext string) string {
	var missing, extra []string
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j == len(got) || (i < len(want) && want[i] < got[j]):
			missing = append(missing, want[i]+ext)
			i++
		case i == len(want) || got[j] < want[i]:
			extra = append(extra, got[j]+ext)
			j++
		default:
			i++
			j++
		}
	}
	list := func(s []string) string {
		const max = 10
		if len(s) > max {
			return strings.Join(s[:max], ", ") + fmt.Sprintf(", ... (%d in all)", len(s))
		}
		return strings.Join(s, ", ")
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing "+list(missing))
	}
	if len(extra) > 0 {
		parts = append(parts, "extra "+list(extra))
	}
	return strings.Join(parts, "; ")
}

// Root returns the directory the store was opened on.
func (d *Dir) Root() string { return d.root }

// Layers returns the sorted layer names.
func (d *Dir) Layers() []string { return slices.Clone(d.layers) }

// Labels returns the sorted stimulus stems.
func (d *Dir) Labels() []string { return slices.Clone(d.labels) }

// Index returns the 1-based position of stem in Labels (bdpy's
// Features.index, the fMRI image_index), or 0 if there is no such stem.
func (d *Dir) Index(stem string) int { return ImageIndex(d, stem) }

// UnitIndex returns the feature index read from DirOptions.IndexFile, or
// nil.
func (d *Dir) UnitIndex() UnitIndex { return d.index }

// Path returns the file holding layer's activations for stem.
func (d *Dir) Path(layer, stem string) string {
	return filepath.Join(d.root, layer, stem+d.ext)
}

// Layer reads every image's file of the layer, in parallel, and stacks them
// in label order, as bdpy's Features.get_features does. Each file's
// variable must have shape 1 x unit shape, the same for all images.
// Values are converted to float32; NaN and Inf are kept (see
// Layer.CheckFinite). With a feature-index file the index's units are
// selected; a layer missing from the index is an error.
func (d *Dir) Layer(ctx context.Context, name string) (*Layer, error) {
	return d.Rows(ctx, name, 0, len(d.labels))
}

// Rows reads the files of images [r0, r1) of the layer, in parallel, like
// Layer. Each file's unit shape must equal that of the layer's first image.
func (d *Dir) Rows(ctx context.Context, name string, r0, r1 int) (*Layer, error) {
	if _, ok := slices.BinarySearch(d.layers, name); !ok {
		return nil, &Error{File: d.root, Layer: name, Err: ErrNoLayer}
	}
	if r0 < 0 || r1 > len(d.labels) || r0 >= r1 {
		return nil, &Error{File: d.root, Layer: name, Err: fmt.Errorf("rows [%d, %d) out of range [0, %d)", r0, r1, len(d.labels))}
	}
	var sel []int
	if d.index != nil {
		var ok bool
		if sel, ok = d.index[name]; !ok {
			return nil, &Error{File: d.indexFile, Layer: name, Err: errors.New("layer missing from the feature index")}
		}
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	// The first image fixes the shape; the others must match it.
	first := d.Path(name, d.labels[0])
	shape, row0, err := d.read(first, name, d.labels[0])
	if err != nil {
		return nil, err
	}
	units := prod(shape)
	l := &Layer{
		Name:        name,
		Labels:      slices.Clone(d.labels[r0:r1]),
		Shape:       shape,
		SourceShape: shape,
		Data:        make([]float32, (r1-r0)*units),
	}
	start := r0
	if r0 == 0 {
		copy(l.Data, row0)
		start = 1
	}
	row0 = nil

	errs := make([]error, r1-r0)
	var g errgroup.Group
	g.SetLimit(d.work)
	for i := start; i < r1; i++ {
		if err := ctxErr(ctx); err != nil {
			break
		}
		g.Go(func() error {
			if err := ctxErr(ctx); err != nil {
				errs[i-r0] = err
				return nil
			}
			p := d.Path(name, d.labels[i])
			s, row, err := d.read(p, name, d.labels[i])
			if err == nil && !slices.Equal(s, shape) {
				err = &Error{File: p, Layer: name, Label: d.labels[i],
					Err: fmt.Errorf("%w: %s has shape 1x%s, %s has 1x%s", ErrMismatch, d.varNm, dimStr(s), first, dimStr(shape))}
			}
			if err != nil {
				errs[i-r0] = err
				return nil
			}
			copy(l.Row(i-r0), row)
			return nil
		})
	}
	g.Wait()
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	// Report the first failure in label order, whatever the scheduling.
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if sel != nil {
		sub, err := l.Select(sel)
		if err != nil {
			return nil, &Error{File: d.indexFile, Layer: name, Err: errors.Unwrap(err)}
		}
		return sub, nil
	}
	return l, nil
}

// read returns the unit shape and values of one feature file.
func (d *Dir) read(path, layer, label string) ([]int, []float32, error) {
	dims, data, err := readVar(path, d.varNm)
	if err != nil {
		return nil, nil, &Error{File: path, Layer: layer, Label: label, Err: err}
	}
	if len(dims) == 0 || dims[0] != 1 {
		return nil, nil, &Error{File: path, Layer: layer, Label: label,
			Err: fmt.Errorf("%w: %s has shape %s, want 1 x unit shape", ErrFormat, d.varNm, dimStr(dims))}
	}
	shape := slices.Clone(dims[1:])
	if len(shape) == 0 {
		shape = []int{1}
	}
	return shape, data, nil
}

func dimStr(dims []int) string {
	if len(dims) == 0 {
		return "()"
	}
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, "x")
}
