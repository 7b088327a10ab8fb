//go:build matstub

package features

// TEMPORARY stand-in for internal/mat while it is being written; delete.

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"

	"github.com/brainhierarchy/bhscore/internal/h5"
)

func readVar(path, name string) ([]int, []float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(b) >= 512 && bytes.HasPrefix(b, []byte("MATLAB 7.3")) {
		f, err := h5.Open(path)
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		v, dims, err := f.ReadFloat32("/" + name)
		if err != nil {
			return nil, nil, err
		}
		for i, j := 0, len(dims)-1; i < j; i, j = i+1, j-1 {
			dims[i], dims[j] = dims[j], dims[i]
		}
		// HDF5 C order with reversed dims == MATLAB column-major; want numpy C order.
		return dims, colToC(v, dims), nil
	}
	if len(b) < 128 || b[126] != 'I' || b[127] != 'M' {
		return nil, nil, errors.New("stub: not a LE v5 file")
	}
	le := binary.LittleEndian
	p := b[128:]
	for len(p) >= 8 {
		typ, n := le.Uint32(p), int(le.Uint32(p[4:]))
		p = p[8:]
		if n > len(p) {
			return nil, nil, errors.New("stub: truncated")
		}
		el := p[:n]
		p = p[(n+7)&^7:]
		if typ == 15 {
			r, err := zlib.NewReader(bytes.NewReader(el))
			if err != nil {
				return nil, nil, err
			}
			el, err = io.ReadAll(r)
			if err != nil {
				return nil, nil, err
			}
			typ, n = le.Uint32(el), int(le.Uint32(el[4:]))
			el = el[8 : 8+n]
		}
		if typ != 14 {
			continue
		}
		var sub [][]byte
		for q := el; len(q) >= 8; {
			t, m := le.Uint32(q), int(le.Uint32(q[4:]))
			if t>>16 != 0 {
				sub = append(sub, append([]byte{byte(t)}, q[4:4+(t>>16)]...))
				q = q[8:]
				continue
			}
			sub = append(sub, append([]byte{byte(t)}, q[8:8+m]...))
			q = q[8+(m+7)&^7:]
		}
		if len(sub) < 4 || string(sub[2][1:]) != name {
			continue
		}
		var dims []int
		for d := sub[1][1:]; len(d) >= 4; d = d[4:] {
			dims = append(dims, int(int32(le.Uint32(d))))
		}
		data := sub[3]
		var v []float32
		switch data[0] {
		case 7:
			for d := data[1:]; len(d) >= 4; d = d[4:] {
				v = append(v, math.Float32frombits(le.Uint32(d)))
			}
		case 9:
			for d := data[1:]; len(d) >= 8; d = d[8:] {
				v = append(v, float32(math.Float64frombits(le.Uint64(d))))
			}
		default:
			return nil, nil, errors.New("stub: type")
		}
		return dims, colToC(v, dims), nil
	}
	return nil, nil, errors.New("stub: no variable " + name)
}

func colToC(v []float32, dims []int) []float32 {
	out := make([]float32, len(v))
	perm := FortranPerm(dims)
	for f, c := range perm {
		out[c] = v[f]
	}
	return out
}
