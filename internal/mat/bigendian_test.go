package mat

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"flag"
	"math"
	"os"
	"testing"
)

var regenBE = flag.Bool("regen-bigendian", false, "rewrite testdata/bigendian.mat")

// The big-endian file is built here by hand, element by element (scipy
// cannot write one), independently of EncodeV5. It was checked with
// scipy.io.loadmat 1.10.1 and shared/conformance/gen/mat5_inspect.py,
// which both return the values below (see /work/notes/README-mat.md).

var be = binary.BigEndian

func beElem(typ uint32, payload []byte) []byte {
	if len(payload) <= 4 {
		b := be.AppendUint32(nil, uint32(len(payload))<<16|typ)
		b = append(b, payload...)
		return append(b, make([]byte, 4-len(payload))...)
	}
	b := be.AppendUint32(be.AppendUint32(nil, typ), uint32(len(payload)))
	b = append(b, payload...)
	return append(b, make([]byte, (8-len(payload)%8)%8)...)
}

func beMatrix(mx uint32, flags uint32, dims []int32, name string, typ uint32, data []byte) []byte {
	body := beElem(miUINT32, be.AppendUint32(be.AppendUint32(nil, flags<<8|mx), 0))
	var db []byte
	for _, d := range dims {
		db = be.AppendUint32(db, uint32(d))
	}
	body = append(body, beElem(miINT32, db)...)
	body = append(body, beElem(miINT8, []byte(name))...)
	if typ != 0 {
		body = append(body, beElem(typ, data)...)
	}
	return append(be.AppendUint32(be.AppendUint32(nil, miMATRIX), uint32(len(body))), body...)
}

func bigEndianFile() []byte {
	h := bytes.Repeat([]byte(" "), 116)
	copy(h, "MATLAB 5.0 MAT-file, Platform: big-endian by hand, bhscore internal/mat test")
	h = append(h, make([]byte, 8)...)
	h = be.AppendUint16(h, 0x0100)
	h = append(h, 'M', 'I')
	// feat: double 2x3, C-order values 0.5*(k+1), stored column-major.
	var fd []byte
	for _, v := range []float64{0.5, 2, 1, 2.5, 1.5, 3} {
		fd = be.AppendUint64(fd, math.Float64bits(v))
	}
	h = append(h, beMatrix(mxDOUBLE, 0, []int32{2, 3}, "feat", miDOUBLE, fd)...)
	// idx: int16 1x2, data in the small element format.
	h = append(h, beMatrix(10, 0, []int32{1, 2}, "idx", miINT16, be.AppendUint16(be.AppendUint16(nil, uint16(0xfffd)), 300))...)
	// narrow: double 2x2 stored as miUINT8 (MATLAB stores integer doubles narrower).
	h = append(h, beMatrix(mxDOUBLE, 0, []int32{2, 2}, "narrow", miUINT8, []byte{1, 2, 3, 250})...)
	// name: a char array, to be skipped.
	h = append(h, beMatrix(mxCHAR, 0, []int32{1, 2}, "name", miUTF16, []byte{0, 'h', 0, 'i'})...)
	// acc: single 1x3 inside miCOMPRESSED; mask: logical 1x3.
	var sd []byte
	for _, v := range []float32{0.25, float32(math.Inf(-1)), -1.5} {
		sd = be.AppendUint32(sd, math.Float32bits(v))
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(beMatrix(7, 0, []int32{1, 3}, "acc", miSINGLE, sd))
	zw.Close()
	h = append(h, be.AppendUint32(be.AppendUint32(nil, miCOMPRESSED), uint32(z.Len()))...)
	h = append(h, z.Bytes()...)
	h = append(h, beMatrix(9, flagLogical, []int32{1, 3}, "mask", miUINT8, []byte{1, 0, 1})...)
	return h
}

const miUTF16 = 17

func TestBigEndian(t *testing.T) {
	b := bigEndianFile()
	if *regenBE {
		if err := os.WriteFile("testdata/bigendian.mat", b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	disk, err := os.ReadFile("testdata/bigendian.mat")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(disk, b) {
		t.Fatal("testdata/bigendian.mat differs from bigEndianFile(); run with -regen-bigendian")
	}
	want := map[string]*Array{
		"feat":   {Dims: []int{2, 3}, Class: Double, Data: []float64{0.5, 1, 1.5, 2, 2.5, 3}},
		"idx":    {Dims: []int{1, 2}, Class: Int16, Data: []float64{-3, 300}},
		"narrow": {Dims: []int{2, 2}, Class: Double, Data: []float64{1, 3, 2, 250}},
		"acc":    {Dims: []int{1, 3}, Class: Single, Data: []float64{0.25, math.Inf(-1), -1.5}},
		"mask":   {Dims: []int{1, 3}, Class: Logical, Data: []float64{1, 0, 1}},
	}
	all, err := ReadAll("testdata/bigendian.mat")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(want) {
		t.Errorf("ReadAll: %d variables, want %d", len(all), len(want))
	}
	for n, w := range want {
		sameArray(t, n, all[n], w, w.Dims)
		a, err := Read("testdata/bigendian.mat", n)
		if err != nil {
			t.Fatal(err)
		}
		sameArray(t, n, a, w, w.Dims)
	}
	if _, err := Read("testdata/bigendian.mat", "name"); err == nil {
		t.Error("char array read as numeric")
	}
}
