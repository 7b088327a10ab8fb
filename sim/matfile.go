package sim

import (
	"fmt"
	"os"

	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/mat"
)

// writeFeat writes the float32 array data (C order, numpy shape) as the
// variable "feat" of a MAT file of format f at path, atomically: MATLAB v5
// as scipy.io.savemat writes it (the PyTorch extractor), v7.3 as bdpy's
// save_array (the Caffe extractor).
func writeFeat(path string, f Format, shape []int, data []float32) error {
	a := &mat.Array{Dims: shape, Class: mat.Single, Data: make([]float64, len(data))}
	for i, v := range data {
		a.Data[i] = float64(v)
	}
	vars := map[string]*mat.Array{"feat": a}
	switch f {
	case V5:
		b, err := mat.EncodeV5(vars, true)
		if err != nil {
			return err
		}
		return replace(path, func(tmp string) error { return os.WriteFile(tmp, b, 0o666) })
	case V73:
		return mat.WriteV73(path, vars)
	}
	return fmt.Errorf("sim: unknown MAT format %d", int(f))
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
