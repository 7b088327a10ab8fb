package mat

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sort"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
)

// WriteV5 writes vars to a MATLAB v5 file at path, atomically (a temporary
// file renamed over path), laid out as scipy.io.savemat writes it: a
// 128-byte little-endian header, then one miMATRIX element per variable
// (sorted by name), wrapped in a zlib miCOMPRESSED element if compress is
// set. Each class is stored in its own data type, logical as uint8 with
// the logical flag; data in column-major order. MATLAB arrays have at
// least two dims: a 1-D array of n elements is written as 1 x n (scipy's
// default oned_as='row') and a 0-d one as 1 x 1. Integer-class values must
// be integers within range.
func WriteV5(path string, vars map[string]*Array, compress bool) error {
	b, err := EncodeV5(vars, compress)
	if err != nil {
		return &Error{File: path, Err: err}
	}
	if err := atomicfile.WriteBytes(path, b); err != nil {
		return &Error{File: path, Err: err}
	}
	return nil
}

// EncodeV5 returns the bytes WriteV5 writes.
func EncodeV5(vars map[string]*Array, compress bool) ([]byte, error) {
	names := make([]string, 0, len(vars))
	for n, a := range vars {
		if err := checkName(n); err != nil {
			return nil, err
		}
		if err := a.check(); err != nil {
			return nil, fmt.Errorf("variable %q: %w", n, err)
		}
		if err := checkValues(a); err != nil {
			return nil, fmt.Errorf("variable %q: %w", n, err)
		}
		for _, d := range a.Dims {
			if d > math.MaxInt32 {
				return nil, fmt.Errorf("variable %q: dimension %d does not fit MAT v5", n, d)
			}
		}
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	buf.Write(v5Header())
	le := binary.LittleEndian
	for _, n := range names {
		m := encodeMatrix(n, vars[n])
		if uint64(len(m)) > math.MaxUint32 {
			return nil, fmt.Errorf("variable %q: %d bytes do not fit MAT v5", n, len(m))
		}
		if !compress {
			buf.Write(m)
			continue
		}
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(m)
		zw.Close()
		if uint64(z.Len()) > math.MaxUint32 {
			return nil, fmt.Errorf("variable %q: %d compressed bytes do not fit MAT v5", n, z.Len())
		}
		buf.Write(le.AppendUint32(le.AppendUint32(nil, miCOMPRESSED), uint32(z.Len())))
		buf.Write(z.Bytes())
	}
	return buf.Bytes(), nil
}

// v5Header returns the 128-byte header of a little-endian v5 file. It
// carries no creation date, so the same variables give the same bytes.
func v5Header() []byte {
	h := make([]byte, 128)
	txt := fmt.Sprintf("MATLAB 5.0 MAT-file Platform: %s, Created by: bhscore", runtime.GOOS)
	for i := range 116 {
		h[i] = ' '
	}
	copy(h[:116], txt)
	// Bytes 116-123: subsystem data offset, none.
	binary.LittleEndian.PutUint16(h[124:], 0x0100)
	h[126], h[127] = 'I', 'M'
	return h
}

// appendElement appends a data element of type typ holding payload, in the
// small format when it fits in 4 bytes, padded to 8 bytes.
func appendElement(b []byte, typ uint32, payload []byte) []byte {
	le := binary.LittleEndian
	if len(payload) <= 4 {
		b = le.AppendUint32(b, uint32(len(payload))<<16|typ)
		b = append(b, payload...)
		return append(b, make([]byte, 4-len(payload))...)
	}
	b = le.AppendUint32(b, typ)
	b = le.AppendUint32(b, uint32(len(payload)))
	b = append(b, payload...)
	return append(b, make([]byte, (8-len(payload)%8)%8)...)
}

// encodeMatrix returns the miMATRIX element of variable name.
func encodeMatrix(name string, a *Array) []byte {
	le := binary.LittleEndian
	dims := a.Dims
	switch len(dims) {
	case 0:
		dims = []int{1, 1}
	case 1:
		dims = []int{1, dims[0]}
	}
	var flags uint32 = classMx[a.Class]
	if a.Class == Logical {
		flags |= flagLogical << 8
	}
	body := appendElement(nil, miUINT32, le.AppendUint32(le.AppendUint32(nil, flags), 0))
	db := make([]byte, 0, 4*len(dims))
	for _, d := range dims {
		db = le.AppendUint32(db, uint32(d))
	}
	body = appendElement(body, miINT32, db)
	body = appendElement(body, miINT8, []byte(name))
	data := cToFortran(a.Dims, a.Data)
	es := a.Class.size()
	raw := make([]byte, len(data)*es)
	for i, x := range data {
		switch a.Class {
		case Double:
			le.PutUint64(raw[8*i:], math.Float64bits(x))
		case Single:
			le.PutUint32(raw[4*i:], math.Float32bits(float32(x)))
		case Int8:
			raw[i] = byte(int8(x))
		case Uint8:
			raw[i] = uint8(x)
		case Logical:
			if x != 0 {
				raw[i] = 1
			}
		case Int16:
			le.PutUint16(raw[2*i:], uint16(int16(x)))
		case Uint16:
			le.PutUint16(raw[2*i:], uint16(x))
		case Int32:
			le.PutUint32(raw[4*i:], uint32(int32(x)))
		case Uint32:
			le.PutUint32(raw[4*i:], uint32(x))
		case Int64:
			le.PutUint64(raw[8*i:], uint64(int64(x)))
		case Uint64:
			le.PutUint64(raw[8*i:], uint64(x))
		}
	}
	body = appendElement(body, classMi[a.Class], raw)
	out := le.AppendUint32(nil, miMATRIX)
	out = le.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}
