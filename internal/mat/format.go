package mat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"

	"github.com/brainhierarchy/bhscore/internal/fsx"
)

// Format identifies a MAT file format.
type Format int

// The built-in formats.
const (
	V5  Format = 5  // MATLAB 5.0 MAT-file (also MATLAB v6 and v7: tagged elements, optionally zlib-compressed)
	V73 Format = 73 // MATLAB 7.3 MAT-file: HDF5 behind a 512-byte user block
)

// HeaderSize is the number of leading bytes Detect hands to the match
// functions of the registered formats (fewer for shorter files).
const HeaderSize = 520

// String returns the registered name of the format.
func (f Format) String() string {
	mu.RLock()
	defer mu.RUnlock()
	for _, r := range formats {
		if r.format == f {
			return r.name
		}
	}
	return "unknown MAT format"
}

// A Decoder reads the numeric variables of one MAT format.
type Decoder interface {
	// Read reads the numeric variable name of the file at path.
	Read(path, name string) (*Array, error)
	// ReadAll reads every numeric variable of the file at path,
	// skipping the others.
	ReadAll(path string) (map[string]*Array, error)
}

type registered struct {
	format Format
	name   string
	match  func(header []byte) bool
	dec    Decoder
}

var (
	mu      sync.RWMutex
	formats []registered
)

// RegisterFormat registers a MAT format for Detect, Read and ReadAll, in
// the style of image.RegisterFormat. match reports whether the first
// HeaderSize bytes of a file (fewer if the file is shorter) belong to the
// format. Formats are tried in registration order; registering an
// existing Format replaces it. The built-in V73 and V5 formats are
// registered at init.
func RegisterFormat(f Format, name string, match func(header []byte) bool, dec Decoder) {
	mu.Lock()
	defer mu.Unlock()
	for i, r := range formats {
		if r.format == f {
			formats[i] = registered{f, name, match, dec}
			return
		}
	}
	formats = append(formats, registered{f, name, match, dec})
}

func init() {
	// V73 first: its user block also looks like a v5 header.
	RegisterFormat(V73, "MATLAB 7.3 MAT-file (HDF5)", isV73, v73Decoder{})
	RegisterFormat(V5, "MATLAB 5.0 MAT-file", isV5, v5Decoder{})
}

// v73Text is the start of a v7.3 user block.
var (
	v73Text = []byte("MATLAB 7.3 MAT-file")
	hdf5Sig = []byte("\x89HDF\r\n\x1a\n")
)

// isV73 reports whether header starts a MATLAB v7.3 file: the user block
// text and the HDF5 signature at offset 512.
func isV73(h []byte) bool {
	return len(h) >= 520 && bytes.HasPrefix(h, v73Text) && bytes.Equal(h[512:520], hdf5Sig)
}

// isV5 reports whether header starts a MATLAB v5 file: text (not a v4
// binary header, whose first bytes hold small integers), version 0x0100
// and the endian indicator "IM" or "MI" at 126.
func isV5(h []byte) bool {
	if len(h) < 128 {
		return false
	}
	if _, ok := v5Order(h); !ok {
		return false
	}
	// MATLAB writes text; a v4 file starts with a zero-ish MOPT integer.
	for _, c := range h[:4] {
		if c == 0 {
			return false
		}
	}
	return true
}

// v5Order returns the byte order of a v5 header, checking the version.
func v5Order(h []byte) (binary.ByteOrder, bool) {
	var o binary.ByteOrder
	switch string(h[126:128]) {
	case "IM":
		o = binary.LittleEndian
	case "MI":
		o = binary.BigEndian
	default:
		return nil, false
	}
	if o.Uint16(h[124:126]) != 0x0100 {
		return nil, false
	}
	return o, true
}

// Detect returns the format of the MAT file read by r, from its header.
// A file in no registered format gives ErrFormat.
func Detect(r io.ReaderAt) (Format, error) {
	h := make([]byte, HeaderSize)
	n, err := r.ReadAt(h, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	r2, ok := lookup(h[:n])
	if !ok {
		return 0, ErrFormat
	}
	return r2.format, nil
}

func lookup(h []byte) (registered, bool) {
	mu.RLock()
	defer mu.RUnlock()
	for _, r := range formats {
		if r.match(h) {
			return r, true
		}
	}
	return registered{}, false
}

func detectFile(path string) (registered, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return registered{}, &Error{File: path, Err: err}
	}
	defer f.Close()
	h := make([]byte, HeaderSize)
	n, err := io.ReadFull(f, h)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return registered{}, &Error{File: path, Err: err}
	}
	r, ok := lookup(h[:n])
	if !ok {
		return registered{}, &Error{File: path, Err: ErrFormat}
	}
	return r, nil
}

// DetectFile returns the format of the MAT file at path.
func DetectFile(path string) (Format, error) {
	r, err := detectFile(path)
	return r.format, err
}

// Read reads the numeric variable name from the MAT file at path, whose
// format is detected from its header. A missing variable gives an error
// wrapping ErrNotFound; a struct, cell, char or sparse variable one
// wrapping ErrUnsupported. Read is safe for concurrent use.
func Read(path, name string) (*Array, error) {
	r, err := detectFile(path)
	if err != nil {
		return nil, err
	}
	return r.dec.Read(path, name)
}

// ReadAll reads every numeric variable of the MAT file at path, skipping
// variables of other kinds.
func ReadAll(path string) (map[string]*Array, error) {
	r, err := detectFile(path)
	if err != nil {
		return nil, err
	}
	return r.dec.ReadAll(path)
}
