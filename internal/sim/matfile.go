package sim

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"sync"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/h5"
)

// writeFeat writes the float32 array data (C order, numpy shape) as the
// variable "feat" of a MAT file of format f at path, atomically.
//
// TODO(lead): switch to internal/mat (WriteV5 / WriteV73) once it lands;
// these two writers produce the same layout as scipy.io.savemat and
// hdf5storage (the variables and attributes bdpy and MATLAB read).
func writeFeat(path string, f Format, shape []int, data []float32) error {
	switch f {
	case V5:
		b, err := encodeV5("feat", shape, data)
		if err != nil {
			return err
		}
		return replace(path, func(tmp string) error { return os.WriteFile(tmp, b, 0o666) })
	case V73:
		return replace(path, func(tmp string) error { return writeV73(tmp, "feat", shape, data) })
	}
	return fmt.Errorf("sim: unknown MAT format %d", int(f))
}

// fortran returns data (C order over shape) in Fortran (column-major)
// order, MATLAB's storage order.
func fortran(shape []int, data []float32) []float32 {
	n := len(data)
	out := make([]float32, n)
	nd := len(shape)
	idx := make([]int, nd)
	// C-order strides of shape; walk out in Fortran order.
	cs := make([]int, nd)
	s := 1
	for i := nd - 1; i >= 0; i-- {
		cs[i] = s
		s *= shape[i]
	}
	for k := range n {
		off := 0
		for i := range nd {
			off += idx[i] * cs[i]
		}
		out[k] = data[off]
		for i := range nd {
			idx[i]++
			if idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return out
}

const (
	miINT8       = 1
	miINT32      = 5
	miUINT32     = 6
	miSINGLE     = 7
	miMATRIX     = 14
	miCOMPRESSED = 15
	mxSINGLE     = 7
)

var zlibPool = sync.Pool{New: func() any { return zlib.NewWriter(nil) }}

// encodeV5 returns a MATLAB v5 file holding one single-precision array,
// compressed as scipy.io.savemat(do_compression=True) writes it.
func encodeV5(name string, shape []int, data []float32) ([]byte, error) {
	var m bytes.Buffer
	le := binary.LittleEndian
	put := func(v ...any) {
		for _, x := range v {
			binary.Write(&m, le, x)
		}
	}
	pad := func() {
		for m.Len()%8 != 0 {
			m.WriteByte(0)
		}
	}
	// miMATRIX body.
	put(uint32(miUINT32), uint32(8), uint32(mxSINGLE), uint32(0))
	put(uint32(miINT32), uint32(4*len(shape)))
	for _, d := range shape {
		put(int32(d))
	}
	pad()
	if len(name) <= 4 {
		put(uint32(len(name))<<16 | miINT8)
		var b [4]byte
		copy(b[:], name)
		m.Write(b[:])
	} else {
		put(uint32(miINT8), uint32(len(name)))
		m.WriteString(name)
		pad()
	}
	put(uint32(miSINGLE), uint32(4*len(data)))
	raw := make([]byte, 4*len(data))
	for i, v := range fortran(shape, data) {
		le.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	m.Write(raw)
	pad()
	body := m.Bytes()
	var el bytes.Buffer
	binary.Write(&el, le, uint32(miMATRIX))
	binary.Write(&el, le, uint32(len(body)))
	el.Write(body)

	var z bytes.Buffer
	zw := zlibPool.Get().(*zlib.Writer)
	defer zlibPool.Put(zw)
	zw.Reset(&z)
	zw.Write(el.Bytes())
	if err := zw.Close(); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	hdr := make([]byte, 128)
	copy(hdr, fmt.Sprintf("%-116s", "MATLAB 5.0 MAT-file Platform: posix, Created by: bhscore internal/sim"))
	le.PutUint16(hdr[124:], 0x0100)
	copy(hdr[126:], "IM")
	out.Write(hdr)
	binary.Write(&out, le, uint32(miCOMPRESSED))
	binary.Write(&out, le, uint32(z.Len()))
	out.Write(z.Bytes())
	return out.Bytes(), nil
}

// writeV73 writes a MATLAB v7.3 file holding one single-precision array as
// bdpy's save_array (hdf5storage) does: HDF5 dims reversed, MATLAB_class
// "single" and hdf5storage's Python.* attributes, 512-byte user block.
func writeV73(path, name string, shape []int, data []float32) (err error) {
	f, err := h5.Create(path, 512)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = h5.WriteUserBlock(path, v73Header())
		}
	}()
	rev := make([]int, len(shape))
	ushape := make([]uint64, len(shape))
	for i, d := range shape {
		rev[len(shape)-1-i] = d
		ushape[i] = uint64(d)
	}
	p := "/" + name
	// HDF5 row-major over reversed dims = Fortran order of the array.
	if err := f.Write(p, rev, fortran(shape, data)); err != nil {
		return err
	}
	if err := f.SetAttrString(p, "MATLAB_class", "single", false); err != nil {
		return err
	}
	if err := f.SetAttr(p, "Python.Shape", []int{len(shape)}, ushape); err != nil {
		return err
	}
	for _, a := range [][2]string{{"Python.Type", "numpy.ndarray"}, {"Python.numpy.Container", "ndarray"}, {"Python.numpy.UnderlyingType", "float32"}} {
		if err := f.SetAttrString(p, a[0], a[1], false); err != nil {
			return err
		}
	}
	return nil
}

func v73Header() []byte {
	b := make([]byte, 128)
	copy(b, fmt.Sprintf("%-116s", "MATLAB 7.3 MAT-file, Platform: bhscore internal/sim, HDF5 schema 1.00 ."))
	binary.LittleEndian.PutUint16(b[124:], 0x0200)
	copy(b[126:], "IM")
	return b
}

// replace has fn write a temporary file next to path and renames it into
// place. Unlike atomicfile.Write it does not sync: a simulated study is
// regenerated, not recovered, and thousands of fsyncs would dominate the
// run time.
func replace(path string, fn func(tmp string) error) error {
	tmp := atomicfile.TempName(path)
	if err := fn(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
