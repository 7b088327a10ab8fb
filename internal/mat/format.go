package mat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"

	"github.com/brainhierarchy/bhscore/internal/fsx"
)

// Format identifies a MAT file format.
type Format int

// The formats this package reads and writes.
const (
	V5  Format = 5  // MATLAB 5.0 MAT-file (also MATLAB v6 and v7: tagged elements, optionally zlib-compressed)
	V73 Format = 73 // MATLAB 7.3 MAT-file: HDF5 behind a 512-byte user block
)

// headerSize is the number of leading bytes that identify a format.
const headerSize = 520

// String returns the name of the format.
func (f Format) String() string {
	switch f {
	case V5:
		return "MATLAB 5.0 MAT-file"
	case V73:
		return "MATLAB 7.3 MAT-file (HDF5)"
	}
	return "unknown MAT format"
}

// formatOf returns the format of a file from its first headerSize bytes
// (fewer for a shorter file). V73 is tried first: its user block also
// looks like a v5 header.
func formatOf(h []byte) (Format, bool) {
	switch {
	case isV73(h):
		return V73, true
	case isV5(h):
		return V5, true
	}
	return 0, false
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
// A file in neither format gives ErrFormat.
func Detect(r io.ReaderAt) (Format, error) {
	h := make([]byte, headerSize)
	n, err := r.ReadAt(h, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	f, ok := formatOf(h[:n])
	if !ok {
		return 0, ErrFormat
	}
	return f, nil
}

// DetectFile returns the format of the MAT file at path.
func DetectFile(path string) (Format, error) {
	f, err := fsx.Open(path)
	if err != nil {
		return 0, &Error{File: path, Err: err}
	}
	defer f.Close()
	h := make([]byte, headerSize)
	n, err := io.ReadFull(f, h)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, &Error{File: path, Err: err}
	}
	format, ok := formatOf(h[:n])
	if !ok {
		return 0, &Error{File: path, Err: ErrFormat}
	}
	return format, nil
}

// Read reads the numeric variable name from the MAT file at path, whose
// format is detected from its header. A missing variable gives an error
// wrapping ErrNotFound; a struct, cell, char or sparse variable one
// wrapping ErrUnsupported. Read is safe for concurrent use.
func Read(path, name string) (*Array, error) {
	f, err := DetectFile(path)
	if err != nil {
		return nil, err
	}
	if f == V73 {
		return readFileV73(path, name)
	}
	return readV5(path, name)
}

// ReadAll reads every numeric variable of the MAT file at path, skipping
// variables of other kinds.
func ReadAll(path string) (map[string]*Array, error) {
	f, err := DetectFile(path)
	if err != nil {
		return nil, err
	}
	if f == V73 {
		return readAllV73(path)
	}
	return readAllV5(path)
}
