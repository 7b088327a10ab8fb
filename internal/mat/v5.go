package mat

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sync"

	"github.com/brainhierarchy/bhscore/internal/fsx"
)

// MAT v5 data types (miXXX).
const (
	miINT8       = 1
	miUINT8      = 2
	miINT16      = 3
	miUINT16     = 4
	miINT32      = 5
	miUINT32     = 6
	miSINGLE     = 7
	miDOUBLE     = 9
	miINT64      = 12
	miUINT64     = 13
	miMATRIX     = 14
	miCOMPRESSED = 15
	miUTF8       = 16
)

// miSize returns the element size of a numeric data type, 0 if the type
// cannot hold numeric array data.
func miSize(t uint32) int {
	switch t {
	case miINT8, miUINT8, miUTF8:
		return 1
	case miINT16, miUINT16:
		return 2
	case miINT32, miUINT32, miSINGLE:
		return 4
	case miDOUBLE, miINT64, miUINT64:
		return 8
	}
	return 0
}

// MATLAB array classes (mxXXX_CLASS) and array flags.
const (
	mxCELL   = 1
	mxSTRUCT = 2
	mxOBJECT = 3
	mxCHAR   = 4
	mxSPARSE = 5
	mxDOUBLE = 6

	flagComplex = 0x08
	flagLogical = 0x02
)

var mxNames = map[uint32]string{
	mxCELL: "a cell array", mxSTRUCT: "a struct", mxOBJECT: "an object", mxCHAR: "a char array",
	mxSPARSE: "a MATLAB sparse matrix", 16: "a function handle", 17: "an opaque object",
}

// mxClass maps mxDOUBLE_CLASS ... mxUINT64_CLASS to Class.
var mxClass = map[uint32]Class{
	6: Double, 7: Single, 8: Int8, 9: Uint8, 10: Int16, 11: Uint16,
	12: Int32, 13: Uint32, 14: Int64, 15: Uint64,
}

// classMx is the inverse of mxClass; Logical is stored as uint8 with the
// logical flag, as MATLAB and scipy do.
var classMx = [...]uint32{Double: 6, Single: 7, Int8: 8, Int16: 10, Int32: 12, Int64: 14, Uint8: 9, Uint16: 11, Uint32: 13, Uint64: 15, Logical: 9}

// classMi is the data type each class is written in (its own type).
var classMi = [...]uint32{Double: miDOUBLE, Single: miSINGLE, Int8: miINT8, Int16: miINT16, Int32: miINT32, Int64: miINT64, Uint8: miUINT8, Uint16: miUINT16, Uint32: miUINT32, Uint64: miUINT64, Logical: miUINT8}

func readV5(path, name string) (*Array, error) {
	b, err := fsx.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	a, err := DecodeV5(b, name)
	if err != nil {
		return nil, &Error{File: path, Var: name, Err: err}
	}
	return a, nil
}

func readAllV5(path string) (map[string]*Array, error) {
	b, err := fsx.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	m, err := DecodeV5All(b)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	return m, nil
}

// DecodeV5 decodes the numeric variable name from the bytes of a MAT v5
// file. Variables before it that are not numeric arrays are skipped
// without being decompressed in full.
func DecodeV5(b []byte, name string) (*Array, error) {
	var found *Array
	err := walkV5(b, name, func(a *Array, n string) bool {
		found = a
		return false
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, ErrNotFound
	}
	return found, nil
}

// DecodeV5All decodes every numeric variable of the bytes of a MAT v5
// file, skipping the others (and MATLAB's unnamed subsystem data).
func DecodeV5All(b []byte) (map[string]*Array, error) {
	m := map[string]*Array{}
	err := walkV5(b, "", func(a *Array, n string) bool {
		if n != "" {
			m[n] = a
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// walkV5 walks the top-level elements of a v5 file. With want != "", it
// decodes only the variable named want (calling fn once, or returning
// ErrUnsupported if it is not numeric); with want == "", it decodes every
// numeric variable and calls fn for each until fn returns false.
func walkV5(b []byte, want string, fn func(a *Array, name string) bool) error {
	if len(b) < 128 {
		return corrupt("v5 file of %d bytes is shorter than its 128-byte header", len(b))
	}
	o, ok := v5Order(b)
	if !ok {
		return corrupt("no MAT v5 version and endian indicator at bytes 124-127")
	}
	pos := 128
	for pos < len(b) {
		if len(b)-pos < 8 {
			if allZero(b[pos:]) {
				return nil
			}
			return corrupt("truncated element tag at byte %d", pos)
		}
		typ, payload, next, err := element(o, b, pos, false)
		if err != nil {
			return err
		}
		var mat []byte
		switch typ {
		case miMATRIX:
			mat = payload
		case miCOMPRESSED:
			var err error
			mat, err = inflateMatrix(o, payload, want, pos)
			if err != nil {
				return err
			}
			if mat == nil { // another variable, skipped
				pos = next
				continue
			}
		default:
			return corrupt("top-level element of type %d at byte %d is not a matrix", typ, pos)
		}
		if len(mat) == 0 { // empty placeholder
			pos = next
			continue
		}
		a, name, err := parseMatrix(o, mat, want, pos)
		if err != nil {
			return err
		}
		if want != "" && name == want {
			fn(a, name)
			return nil
		}
		if want == "" && a != nil && !fn(a, name) {
			return nil
		}
		pos = next
	}
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// element reads the element whose tag starts at b[pos]. It returns the
// data type, the payload and the position after the element (after its
// padding to 8 bytes, except for top-level miCOMPRESSED elements, which
// have none). inner says pos lies inside a matrix, where a short payload
// before the end may be padded.
func element(o binary.ByteOrder, b []byte, pos int, inner bool) (typ uint32, payload []byte, next int, err error) {
	if pos < 0 || len(b)-pos < 8 {
		return 0, nil, 0, corrupt("truncated element tag at byte %d", pos)
	}
	w := o.Uint32(b[pos:])
	if n := w >> 16; n != 0 { // small data element: 2-byte size, 2-byte type, 4 bytes of data
		if n > 4 {
			return 0, nil, 0, corrupt("small data element at byte %d claims %d bytes", pos, n)
		}
		return w & 0xffff, b[pos+4 : pos+4+int(n)], pos + 8, nil
	}
	n := uint64(o.Uint32(b[pos+4:]))
	if n > uint64(len(b)-pos-8) {
		return 0, nil, 0, corrupt("element at byte %d claims %d bytes, only %d remain", pos, n, len(b)-pos-8)
	}
	next = pos + 8 + int(n)
	if w != miCOMPRESSED || inner {
		next = pos + 8 + (int(n)+7)&^7
		if next > len(b) {
			next = len(b)
		}
	}
	return w, b[pos+8 : pos+8+int(n)], next, nil
}

// maxInflate bounds the size of the matrix a compressed element can hold:
// deflate cannot compress better than about 1032:1.
func maxInflate(compressed int) uint64 { return 1040*uint64(compressed) + 1024 }

var zpool sync.Pool // of io.ReadCloser implementing zlib.Resetter

// inflateMatrix decompresses the miMATRIX element inside a miCOMPRESSED
// payload and returns its payload. With want != "", a variable of another
// name is left compressed past its name and nil is returned.
func inflateMatrix(o binary.ByteOrder, payload []byte, want string, pos int) ([]byte, error) {
	br := bytes.NewReader(payload)
	var zr io.ReadCloser
	if z, ok := zpool.Get().(io.ReadCloser); ok {
		if err := z.(zlib.Resetter).Reset(br, nil); err != nil {
			return nil, corrupt("compressed element at byte %d: %v", pos, err)
		}
		zr = z
	} else {
		z, err := zlib.NewReader(br)
		if err != nil {
			return nil, corrupt("compressed element at byte %d: %v", pos, err)
		}
		zr = z
	}
	defer zpool.Put(zr)
	var tag [8]byte
	if _, err := io.ReadFull(zr, tag[:]); err != nil {
		return nil, corrupt("compressed element at byte %d: %v", pos, err)
	}
	if typ := o.Uint32(tag[:]); typ != miMATRIX {
		return nil, corrupt("compressed element at byte %d holds type %d, not a matrix", pos, typ)
	}
	n := uint64(o.Uint32(tag[4:]))
	if n > maxInflate(len(payload)) {
		return nil, corrupt("compressed element at byte %d claims %d bytes from %d compressed", pos, n, len(payload))
	}
	// Read the array flags, dims and name first: they are small.
	head := min(int(n), 256)
	buf := make([]byte, head, int(min(n, 1<<24)))
	if _, err := io.ReadFull(zr, buf); err != nil {
		return nil, corrupt("compressed element at byte %d: %v", pos, err)
	}
	if want != "" {
		if name, ok := peekName(o, buf); ok && name != want {
			return nil, nil
		}
	}
	// Grow as data actually arrives, so that a lying size cannot make us
	// allocate more than the stream really holds (times two).
	for len(buf) < int(n) {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		end := min(int(n), cap(buf))
		m, err := io.ReadFull(zr, buf[len(buf):end])
		buf = buf[:len(buf)+m]
		if err != nil {
			return nil, corrupt("compressed element at byte %d: inflated %d of %d bytes: %v", pos, len(buf), n, err)
		}
	}
	// Reach the end of the stream so that zlib verifies its checksum.
	var one [1]byte
	if _, err := io.ReadFull(zr, one[:]); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("more than the %d bytes of the matrix", n)
		}
		return nil, corrupt("compressed element at byte %d: %v", pos, err)
	}
	return buf, nil
}

// peekName returns the variable name of a matrix payload prefix if it is
// complete in b.
func peekName(o binary.ByteOrder, b []byte) (string, bool) {
	p := 0
	for range 2 { // flags, dims
		_, _, next, err := element(o, b, p, true)
		if err != nil {
			return "", false
		}
		p = next
	}
	_, name, _, err := element(o, b, p, true)
	if err != nil {
		return "", false
	}
	return string(name), true
}

// parseMatrix decodes a miMATRIX payload. It returns the name and, for a
// numeric variable that is wanted (want == "" or want == name), the array.
// For a wanted variable that is not numeric it returns an error wrapping
// ErrUnsupported.
func parseMatrix(o binary.ByteOrder, m []byte, want string, pos int) (*Array, string, error) {
	typ, flags, p, err := element(o, m, 0, true)
	if err != nil {
		return nil, "", err
	}
	if typ != miUINT32 || len(flags) != 8 {
		return nil, "", corrupt("matrix at byte %d: array flags element of type %d, %d bytes", pos, typ, len(flags))
	}
	fw := o.Uint32(flags)
	mx, bits := fw&0xff, (fw>>8)&0xff
	typ, dimb, p, err := element(o, m, p, true)
	if err != nil {
		return nil, "", err
	}
	if typ != miINT32 || len(dimb)%4 != 0 {
		return nil, "", corrupt("matrix at byte %d: dimensions element of type %d, %d bytes", pos, typ, len(dimb))
	}
	typ, nameb, p, err := element(o, m, p, true)
	if err != nil {
		return nil, "", err
	}
	if typ != miINT8 && typ != miUTF8 && typ != miUINT8 {
		return nil, "", corrupt("matrix at byte %d: name element of type %d", pos, typ)
	}
	name := string(nameb)
	if want != "" && name != want {
		return nil, name, nil
	}
	cls, numeric := mxClass[mx]
	if !numeric {
		what, ok := mxNames[mx]
		if !ok {
			what = fmt.Sprintf("of unknown class %d", mx)
		}
		if want == "" {
			return nil, name, nil
		}
		return nil, name, fmt.Errorf("%w: it is %s", ErrUnsupported, what)
	}
	if bits&flagComplex != 0 {
		if want == "" {
			return nil, name, nil
		}
		return nil, name, fmt.Errorf("%w: it is complex", ErrUnsupported)
	}
	if bits&flagLogical != 0 {
		cls = Logical
	}
	dims := make([]int, len(dimb)/4)
	count := uint64(1)
	for i := range dims {
		d := int32(o.Uint32(dimb[4*i:]))
		if d < 0 {
			return nil, name, corrupt("variable %q: negative dimension %d", name, d)
		}
		dims[i] = int(d)
		count *= uint64(d)
		if count > uint64(len(m)) {
			// More elements than bytes in the matrix (every element
			// takes at least one): corrupt, whatever the data claims.
			return nil, name, corrupt("variable %q: dimensions %v exceed the %d bytes of the matrix", name, dims[:i+1], len(m))
		}
	}
	typ, data, _, err := element(o, m, p, true)
	if err != nil {
		if count == 0 && p >= len(m) {
			return &Array{Dims: dims, Class: cls, Data: []float64{}}, name, nil
		}
		return nil, name, fmt.Errorf("variable %q: %w", name, err)
	}
	es := miSize(typ)
	if es == 0 || typ == miUTF8 {
		return nil, name, corrupt("variable %q: real part stored as type %d", name, typ)
	}
	if uint64(len(data)) != count*uint64(es) {
		return nil, name, corrupt("variable %q: dimensions %v need %d values, the data element holds %d bytes of type %d", name, dims, count, len(data), typ)
	}
	v := make([]float64, count)
	decodeNumeric(o, typ, data, v)
	return &Array{Dims: dims, Class: cls, Data: fortranToC(dims, v)}, name, nil
}

// decodeNumeric widens len(dst) values of type typ from b into dst.
func decodeNumeric(o binary.ByteOrder, typ uint32, b []byte, dst []float64) {
	le := o == binary.LittleEndian
	switch typ {
	case miDOUBLE:
		if le {
			for i := range dst {
				dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
			}
			return
		}
		for i := range dst {
			dst[i] = math.Float64frombits(o.Uint64(b[8*i:]))
		}
	case miSINGLE:
		if le {
			b = b[:4*len(dst)]
			for i := range dst {
				dst[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
			}
			return
		}
		for i := range dst {
			dst[i] = float64(math.Float32frombits(o.Uint32(b[4*i:])))
		}
	case miINT8:
		for i := range dst {
			dst[i] = float64(int8(b[i]))
		}
	case miUINT8:
		for i := range dst {
			dst[i] = float64(b[i])
		}
	case miINT16:
		for i := range dst {
			dst[i] = float64(int16(o.Uint16(b[2*i:])))
		}
	case miUINT16:
		for i := range dst {
			dst[i] = float64(o.Uint16(b[2*i:]))
		}
	case miINT32:
		for i := range dst {
			dst[i] = float64(int32(o.Uint32(b[4*i:])))
		}
	case miUINT32:
		for i := range dst {
			dst[i] = float64(o.Uint32(b[4*i:]))
		}
	case miINT64:
		for i := range dst {
			dst[i] = float64(int64(o.Uint64(b[8*i:])))
		}
	case miUINT64:
		for i := range dst {
			dst[i] = float64(o.Uint64(b[8*i:]))
		}
	}
}
