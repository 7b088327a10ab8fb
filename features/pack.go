package features

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	// BlockBytes is the raw size each compressed block aims for
	// (whole rows; at least one row). Default 1 MiB.
	BlockBytes int
	// Progress, if not nil, is called after each layer with the layer
	// name, the number of layers done and the total; skipped reports a
	// layer that was already packed and valid.
	Progress func(layer string, done, total int, skipped bool)
}

// Pack writes every layer of src into dir as one packed file per layer
// (<layer>.bhfeat: float32 values in LZ4-compressed blocks with CRC-32C
// checksums, and a checksummed header holding the shape and the labels),
// then a manifest. Layers are loaded one at a time, so memory is bounded
// by the largest layer.
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
		if validPacked(path, name, labels) {
			if o.Progress != nil {
				o.Progress(name, k+1, len(layers), true)
			}
			continue
		}
		l, err := src.Layer(ctx, name)
		if err != nil {
			return err
		}
		if !slices.Equal(l.Labels, labels) {
			return &Error{Layer: name, Err: fmt.Errorf("%w: layer labels differ from the store's", ErrMismatch)}
		}
		b, err := encodeLayer(l, o.BlockBytes)
		if err != nil {
			return &Error{File: path, Layer: name, Err: err}
		}
		if err := atomicfile.WriteBytes(path, b); err != nil {
			return &Error{File: path, Layer: name, Err: err}
		}
		if o.Progress != nil {
			o.Progress(name, k+1, len(layers), false)
		}
	}
	m, err := json.MarshalIndent(manifest{Format: manifestFormat, Version: packVersion, Layers: layers, Labels: labels}, "", " ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, manifestName)
	if err := atomicfile.WriteBytes(path, append(m, '\n')); err != nil {
		return &Error{File: path, Err: err}
	}
	return nil
}

func safeName(s string) bool { return atomicfile.CheckName(s) == nil }

// validPacked reports whether path holds an intact packed layer named name
// with the given labels (every block checksum is verified).
func validPacked(path, name string, labels []string) bool {
	b, err := fsx.ReadFile(path)
	if err != nil {
		return false
	}
	ph, err := readHeaderBytes(b)
	if err != nil || ph.name != name || !slices.Equal(ph.labels, labels) {
		return false
	}
	return ph.verify(b) == nil
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
	if m.Format != manifestFormat || m.Version != packVersion {
		return nil, &Error{File: mpath, Err: formatErr("format %q version %d, want %q version %d", m.Format, m.Version, manifestFormat, packVersion)}
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
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pre := make([]byte, prefixLen)
	if _, err := io.ReadFull(f, pre); err != nil {
		return nil, formatErr("file too short (%d bytes) for a packed layer", st.Size())
	}
	hl, crc, err := parsePrefix(pre, st.Size())
	if err != nil {
		return nil, err
	}
	h := make([]byte, hl) // hl <= file size, checked by parsePrefix
	if _, err := io.ReadFull(f, h); err != nil {
		return nil, formatErr("header truncated: %v", err)
	}
	return parseHeader(h, crc, st.Size())
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
	path := p.path(name)
	b, err := fsx.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Layer: name, Err: err}
	}
	ph, err := readHeaderBytes(b)
	if err == nil {
		err = p.check(ph, name)
	}
	if err != nil {
		return nil, &Error{File: path, Layer: name, Err: err}
	}
	l, err := ph.decode(b, p.work)
	if err != nil {
		return nil, &Error{File: path, Layer: name, Err: err}
	}
	return l, nil
}
