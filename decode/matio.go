package decode

import (
	"fmt"

	imat "github.com/brainhierarchy/bhscore/internal/mat"
)

// saveArray writes data (C order over dims) as the float32 variable key of a
// MATLAB v7.3 file, as bdpy's save_array(..., dtype=np.float32) does,
// atomically (temporary name, then rename).
func saveArray(path, key string, dims []int, data []float32) error {
	return imat.WriteSingle(path, key, dims, data)
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
