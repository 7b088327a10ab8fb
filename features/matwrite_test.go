package features

import (
	"testing"

	"github.com/brainhierarchy/bhscore/internal/mat"
)

func writeV5(t *testing.T, path, name string, dims []int, data []float64) {
	t.Helper()
	err := mat.WriteV5(path, map[string]*mat.Array{name: {Dims: dims, Class: mat.Single, Data: data}}, false)
	if err != nil {
		t.Fatal(err)
	}
}
