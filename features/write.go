package features

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/mat"
)

// MatVersion selects the MATLAB file format DirWriter writes.
type MatVersion int

const (
	// MatV5 is scipy.io.savemat's format, as the original PyTorch
	// extractor (extract_features_pytorch.py) writes features.
	MatV5 MatVersion = iota
	// MatV73 is the HDF5-based format of hdf5storage.savemat
	// (bdpy's save_array), as the original Caffe extractor writes them.
	MatV73
)

// DirWriter writes one image's activations of one layer at a time into
// bdpy's feature directory layout, <root>/<layer>/<stem>.mat with the
// float32 variable "feat" of shape 1 x unit shape, which OpenDir and
// bdpy's Features read. Each file is written atomically (a temporary file
// renamed into place), so a file that exists is complete.
//
// A DirWriter is safe for concurrent use.
type DirWriter struct {
	// Root is the feature directory; it is created if missing.
	Root string
	// Version is the file format. The zero value is MatV5.
	Version MatVersion
	// Compress zlib-compresses MatV5 files (scipy's do_compression=True;
	// the PyTorch extractor did not compress).
	Compress bool
}

// Path returns the file of layer and stem, <root>/<layer>/<stem>.mat.
// Layer and stem must be single, safe path elements.
func (w *DirWriter) Path(layer, stem string) (string, error) {
	p, err := atomicfile.SafeJoin(w.Root, layer, stem+".mat")
	if err != nil {
		return "", &Error{File: w.Root, Layer: layer, Label: stem, Err: err}
	}
	return p, nil
}

// Has reports whether the file of layer and stem exists.
func (w *DirWriter) Has(layer, stem string) bool {
	p, err := w.Path(layer, stem)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// Write writes data (the unit values of one image in C order over shape,
// the unit shape without the sample axis) as variable "feat" of shape
// 1 x shape to the file of layer and stem, replacing it if it exists.
func (w *DirWriter) Write(layer, stem string, shape []int, data []float32) error {
	if strings.HasPrefix(stem, ".") {
		return &Error{File: w.Root, Layer: layer, Label: stem, Err: errors.New("stem starts with a dot (hidden files are not features)")}
	}
	p, err := w.Path(layer, stem)
	if err != nil {
		return err
	}
	if prod(shape) != len(data) || len(shape) == 0 {
		return &Error{File: p, Layer: layer, Label: stem, Err: fmt.Errorf("%d values for unit shape %s", len(data), dimStr(shape))}
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
		return &Error{File: p, Layer: layer, Label: stem, Err: err}
	}
	dims := append([]int{1}, shape...)
	switch w.Version {
	case MatV5:
		a := &mat.Array{Dims: dims, Class: mat.Single, Data: make([]float64, len(data))}
		for i, v := range data {
			a.Data[i] = float64(v)
		}
		err = mat.WriteV5(p, map[string]*mat.Array{"feat": a}, w.Compress)
	case MatV73:
		err = mat.WriteSingle(p, "feat", dims, data)
	default:
		err = fmt.Errorf("unknown MAT version %d", w.Version)
	}
	if err != nil {
		return &Error{File: p, Layer: layer, Label: stem, Err: err}
	}
	return nil
}
