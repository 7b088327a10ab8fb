package features

import (
	"errors"
	"fmt"

	"github.com/brainhierarchy/bhscore/internal/mat"
)

// readVar reads variable name of a MATLAB v5 or v7.3 file (detected from
// its header) as float32, with dims in numpy order and values in C order.
// Errors do not repeat the path, which the caller's *Error holds.
func readVar(path, name string) ([]int, []float32, error) {
	a, err := mat.Read(path, name)
	if err != nil {
		var me *mat.Error
		if errors.As(err, &me) && me.File == path {
			if me.Var != "" {
				return nil, nil, fmt.Errorf("variable %q: %w", me.Var, me.Err)
			}
			return nil, nil, me.Err
		}
		return nil, nil, err
	}
	out := make([]float32, len(a.Data))
	for i, v := range a.Data {
		out[i] = float32(v)
	}
	return a.Dims, out, nil
}
