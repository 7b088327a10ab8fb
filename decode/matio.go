package decode

import (
	"fmt"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/h5"
	imat "github.com/brainhierarchy/bhscore/internal/mat"
)

// saveArray writes data (C order over dims) as the float32 variable key of a
// MATLAB v7.3 file, as bdpy's save_array(..., dtype=np.float32) does,
// atomically (temporary name, then rename).
func saveArray(path, key string, dims []int, data []float32) error {
	a := &imat.Array{Dims: dims, Class: imat.Single, Data: make([]float64, len(data))}
	for i, v := range data {
		a.Data[i] = float64(v)
	}
	return atomicfile.Write(path, func(tmp string) error {
		if err := imat.WriteV73(tmp, map[string]*imat.Array{key: a}); err != nil {
			return err
		}
		return h5.WriteUserBlock(tmp, stableHeader)
	})
}

// loadVector reads variable key of a MAT file and checks that it holds n
// values (any leading singleton dimensions).
func loadVector(path, key string, n int) ([]float32, error) {
	a, err := imat.Read(path, key)
	if err != nil {
		return nil, err
	}
	if n >= 0 && len(a.Data) != n {
		return nil, fmt.Errorf("%s: %s has %d values, want %d", path, key, len(a.Data), n)
	}
	out := make([]float32, len(a.Data))
	for i, v := range a.Data {
		out[i] = float32(v)
	}
	return out, nil
}

// stableHeader is the text of the MAT v7.3 user block written over the one
// internal/mat writes, which holds the creation time: with it, the same
// content gives the same bytes (a resumed study equals an uninterrupted
// one). TODO: drop once internal/mat writes a time-free header.
var stableHeader = []byte(fmt.Sprintf("%-116s", "MATLAB 7.3 MAT-file, Platform: bhscore, HDF5 schema 1.00 ."))
