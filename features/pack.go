package features

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/fsx"
)

// PackExt is the file extension of a packed layer.
const PackExt = ".bhfeat"

// manifestName is the file listing a packed store's layers and labels; it
// is written last, so a store whose packing was interrupted does not open.
const manifestName = "manifest.json"

const manifestFormat = "bhscore packed features"

type manifest struct {
	Format  string   `json:"format"`
	Version int      `json:"version"`
	Layers  []string `json:"layers"`
	Labels  []string `json:"labels"`
}

// PackOptions configures Pack. The zero value is valid.
type PackOptions struct {
	// Version is the file format written: 0 or 2 for the unit-blocked
	// format (version 2), 1 for the row-blocked format of earlier
	// releases. Both are read.
	Version int
	// BlockBytes is the raw size each compressed block (version 1: whole
	// rows) or tile (version 2) aims for. Default 1 MiB.
	BlockBytes int
	// BlockUnits is the number of units per unit block of a version 2
	// file (fewer for a smaller layer; more when Memory limits the rows
	// per tile). Default 4096.
	BlockUnits int
	// COrder stores the units of a version 2 file in C order. By default
	// they are in Fortran order, the order in which the encoding analyses
	// stream units (Columns); loading whole layers or units picked by a
	// feature index does not depend on it.
	COrder bool
	// Memory bounds the bytes of source rows a version 2 Pack holds at
	// once, if src implements RowReader. Default 256 MiB.
	Memory int64
	// Progress, if not nil, is called after each layer with the layer
	// name, the number of layers done and the total; skipped reports a
	// layer that was already packed and valid.
	Progress func(layer string, done, total int, skipped bool)
}

// RowReader is implemented by stores that read a range of images of a
// layer without loading all of it (Dir, Packed, Mem). Pack uses it to
// bound its memory.
type RowReader interface {
	// Rows returns images [r0, r1) of the layer (in Labels order).
	Rows(ctx context.Context, layer string, r0, r1 int) (*Layer, error)
}

// Pack writes every layer of src into dir as one packed file per layer
// (<layer>.bhfeat: float32 values in LZ4-compressed tiles with CRC-32C
// checksums, and a checksummed header holding the shape and the labels),
// then a manifest. In the default format (version 2) each file is blocked
// by units, so that a block of units of every image is one sequential read
// (Columns); if src implements RowReader (a bdpy directory does), each
// layer is converted in one pass over its files holding only a few rows at
// a time (PackOptions.Memory), so no layer needs to fit in memory.
// Otherwise layers are loaded one at a time.
//
// Each file is written to a temporary name and renamed, so an interrupted
// Pack leaves no partial layer; calling Pack again resumes: a layer whose
// file exists, is intact and has src's labels is not loaded again.
func Pack(ctx context.Context, src Store, dir string, opts *PackOptions) error {
	var o PackOptions
	if opts != nil {
		o = *opts
	}
	layers, labels := src.Layers(), src.Labels()
	if len(layers) == 0 {
		return &Error{File: dir, Err: errors.New("source store has no layers")}
	}
	for _, name := range layers {
		if !safeName(name) {
			return &Error{File: dir, Layer: name, Err: errors.New("layer name cannot be a file name")}
		}
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return &Error{File: dir, Err: err}
	}
	for k, name := range layers {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		path := filepath.Join(dir, name+PackExt)
		if validPacked(path, name, labels, o.Version) {
			if o.Progress != nil {
				o.Progress(name, k+1, len(layers), true)
			}
			continue
		}
		if err := packLayer(ctx, src, name, labels, path, &o); err != nil {
			return err
		}
		if o.Progress != nil {
			o.Progress(name, k+1, len(layers), false)
		}
	}
	version := packVersion2
	if o.Version == packVersion {
		version = packVersion
	}
	return writeManifest(dir, version, layers, labels)
}

// writeManifest writes a store's manifest, last, atomically.
func writeManifest(dir string, version int, layers, labels []string) error {
	m, err := json.MarshalIndent(manifest{Format: manifestFormat, Version: version, Layers: layers, Labels: labels}, "", " ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, manifestName)
	if err := atomicfile.WriteBytes(path, append(m, '\n')); err != nil {
		return &Error{File: path, Err: err}
	}
	return nil
}

// packLayer writes one layer of src to path in the format o asks for.
func packLayer(ctx context.Context, src Store, name string, labels []string, path string, o *PackOptions) error {
	if o.Version != 0 && o.Version != packVersion && o.Version != packVersion2 {
		return &Error{File: path, Layer: name, Err: fmt.Errorf("unknown packed format version %d", o.Version)}
	}
	checkLabels := func(l *Layer, want []string) error {
		if !slices.Equal(l.Labels, want) {
			return &Error{Layer: name, Err: fmt.Errorf("%w: layer labels differ from the store's", ErrMismatch)}
		}
		return nil
	}
	rr, streaming := src.(RowReader)
	if o.Version == packVersion || !streaming {
		l, err := src.Layer(ctx, name)
		if err != nil {
			return err
		}
		if err := checkLabels(l, labels); err != nil {
			return err
		}
		if o.Version == packVersion {
			b, err := encodeLayer(l, o.BlockBytes)
			if err == nil {
				err = atomicfile.WriteBytes(path, b)
			}
			if err != nil {
				return &Error{File: path, Layer: name, Err: err}
			}
			return nil
		}
		rr = &Mem{layers: map[string]*Layer{name: l}, names: []string{name}, labels: labels}
	}
	first, err := rr.Rows(ctx, name, 0, 1)
	if err != nil {
		return err
	}
	if err := checkLabels(first, labels[:1]); err != nil {
		return err
	}
	order := Fortran
	if o.COrder {
		order = C
	}
	m := metaOf(first, labels, order)
	tl := chooseTiling(len(labels), first.Units(), o.BlockBytes, o.BlockUnits, o.Memory)
	read := func(ctx context.Context, r0, r1 int) (*Layer, error) {
		l, err := rr.Rows(ctx, name, r0, r1)
		if err == nil {
			err = checkLabels(l, labels[r0:r1])
		}
		return l, err
	}
	if err := writeLayer2(ctx, read, m, tl, path); err != nil {
		var fe *Error
		if errors.As(err, &fe) {
			return err
		}
		return &Error{File: path, Layer: name, Err: err}
	}
	return nil
}

func safeName(s string) bool { return atomicfile.CheckName(s) == nil }

// validPacked reports whether path holds an intact packed layer named name
// with the given labels in the format version asks for (0 means 2);
// every block checksum is verified, reading one block at a time.
func validPacked(path, name string, labels []string, version int) bool {
	f, ph, err := openHeader(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if version == 0 {
		version = packVersion2
	}
	if ph.name != name || !slices.Equal(ph.labels, labels) || ph.version != version {
		return false
	}
	return ph.verifyFile(f) == nil
}

// PackedOptions configures OpenPacked. The zero value is valid.
type PackedOptions struct {
	// Workers bounds the goroutines expanding one layer's blocks.
	// Default (0) is GOMAXPROCS.
	Workers int
}

// Packed is a feature store written by Pack. It is safe for concurrent
// use.
type Packed struct {
	dir    string
	work   int
	layers []string
	labels []string
}

// OpenPacked opens a store written by Pack, checking the manifest and the
// header of every layer file.
func OpenPacked(dir string, opts *PackedOptions) (*Packed, error) {
	var o PackedOptions
	if opts != nil {
		o = *opts
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	mpath := filepath.Join(dir, manifestName)
	b, err := fsx.ReadFile(mpath)
	if err != nil {
		return nil, &Error{File: dir, Err: fmt.Errorf("not a packed feature store (incomplete Pack?): %w", err)}
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, &Error{File: mpath, Err: fmt.Errorf("%w: %v", ErrFormat, err)}
	}
	if m.Format != manifestFormat || (m.Version != packVersion && m.Version != packVersion2) {
		return nil, &Error{File: mpath, Err: formatErr("format %q version %d, want %q version %d or %d", m.Format, m.Version, manifestFormat, packVersion, packVersion2)}
	}
	if len(m.Layers) == 0 || len(m.Labels) == 0 ||
		!slices.IsSorted(m.Layers) || !slices.IsSorted(m.Labels) {
		return nil, &Error{File: mpath, Err: formatErr("layers and labels must be non-empty and sorted")}
	}
	p := &Packed{dir: dir, work: o.Workers, layers: m.Layers, labels: m.Labels}
	for _, name := range m.Layers {
		if !safeName(name) {
			return nil, &Error{File: mpath, Layer: name, Err: formatErr("bad layer name")}
		}
		path := p.path(name)
		ph, err := readHeaderFile(path)
		if err != nil {
			return nil, &Error{File: path, Layer: name, Err: err}
		}
		if err := p.check(ph, name); err != nil {
			return nil, &Error{File: path, Layer: name, Err: err}
		}
	}
	return p, nil
}

func (p *Packed) path(layer string) string { return filepath.Join(p.dir, layer+PackExt) }

func (p *Packed) check(ph *packHeader, name string) error {
	if ph.name != name {
		return fmt.Errorf("%w: file holds layer %q", ErrMismatch, ph.name)
	}
	if !slices.Equal(ph.labels, p.labels) {
		return fmt.Errorf("%w: labels differ from the manifest", ErrMismatch)
	}
	return nil
}

// readHeaderFile reads and validates the prefix and header of a packed
// layer file without reading its blocks.
func readHeaderFile(path string) (*packHeader, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readHeaderFrom(f)
}

// readHeaderFrom reads and validates the prefix and header of an open
// packed layer file.
func readHeaderFrom(f *os.File) (*packHeader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pre := make([]byte, prefixLen)
	if _, err := f.ReadAt(pre, 0); err != nil {
		return nil, formatErr("file too short (%d bytes) for a packed layer", st.Size())
	}
	hl, crc, v, err := parsePrefix(pre, st.Size())
	if err != nil {
		return nil, err
	}
	h := make([]byte, hl) // hl <= file size, checked by parsePrefix
	if _, err := f.ReadAt(h, prefixLen); err != nil {
		return nil, formatErr("header truncated: %v", err)
	}
	return parseHeader(h, crc, v, st.Size())
}

// Dir returns the directory the store was opened on.
func (p *Packed) Dir() string { return p.dir }

// Layers returns the sorted layer names.
func (p *Packed) Layers() []string { return slices.Clone(p.layers) }

// Labels returns the sorted stimulus stems.
func (p *Packed) Labels() []string { return slices.Clone(p.labels) }

// Index returns the 1-based position of stem in Labels, or 0.
func (p *Packed) Index(stem string) int { return ImageIndex(p, stem) }

// Layer reads one packed layer, verifying every checksum.
func (p *Packed) Layer(ctx context.Context, name string) (*Layer, error) {
	if _, ok := slices.BinarySearch(p.layers, name); !ok {
		return nil, &Error{File: p.dir, Layer: name, Err: ErrNoLayer}
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	return p.Rows(ctx, name, 0, len(p.labels))
}

// Rows reads images [r0, r1) of one packed layer, verifying the checksums
// of the blocks it reads. A version 2 file is read tile by tile, holding
// only the result and one tile per worker; a version 1 file is read whole.
func (p *Packed) Rows(ctx context.Context, name string, r0, r1 int) (*Layer, error) {
	if _, ok := slices.BinarySearch(p.layers, name); !ok {
		return nil, &Error{File: p.dir, Layer: name, Err: ErrNoLayer}
	}
	if r0 < 0 || r1 > len(p.labels) || r0 >= r1 {
		return nil, &Error{File: p.dir, Layer: name, Err: fmt.Errorf("rows [%d, %d) out of range [0, %d)", r0, r1, len(p.labels))}
	}
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	path := p.path(name)
	l, err := p.rows(path, name, r0, r1)
	if err != nil {
		return nil, &Error{File: path, Layer: name, Err: err}
	}
	return l, nil
}

func (p *Packed) rows(path, name string, r0, r1 int) (*Layer, error) {
	f, ph, err := openHeader(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := p.check(ph, name); err != nil {
		return nil, err
	}
	if ph.version == packVersion2 {
		return ph.readRows(f, r0, r1, p.work)
	}
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil {
		return nil, err
	}
	l, err := ph.decode(b, p.work)
	if err != nil || (r0 == 0 && r1 == l.Rows()) {
		return l, err
	}
	n := l.Units()
	l.Labels = l.Labels[r0:r1:r1]
	l.Data = slices.Clone(l.Data[r0*n : r1*n])
	return l, nil
}
