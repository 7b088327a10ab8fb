package mat_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/brainhierarchy/bhscore/internal/mat"
)

func Example() {
	dir, _ := os.MkdirTemp("", "mat")
	defer os.RemoveAll(dir)
	acc := &mat.Array{Dims: []int{1, 2, 3}, Class: mat.Single, Data: []float64{0.5, 0.25, -1, 0, 0.125, 1}}
	for _, name := range []string{"a_v5.mat", "a_v73.mat"} {
		p := filepath.Join(dir, name)
		var err error
		if name == "a_v5.mat" {
			err = mat.WriteV5(p, map[string]*mat.Array{"accuracy": acc}, true)
		} else {
			err = mat.WriteV73(p, map[string]*mat.Array{"accuracy": acc})
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		f, _ := mat.DetectFile(p)
		a, err := mat.Read(p, "accuracy")
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(f == mat.V73, a.Class, a.Dims, a.Data)
	}
	_, err := mat.Read(filepath.Join(dir, "a_v5.mat"), "feat")
	fmt.Println(err != nil)
	// Output:
	// false single [1 2 3] [0.5 0.25 -1 0 0.125 1]
	// true single [1 2 3] [0.5 0.25 -1 0 0.125 1]
	// true
}

func ExampleWriteSparse() {
	dir, _ := os.MkdirTemp("", "mat")
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "W.mat")
	w := &mat.Array{Dims: []int{3, 2}, Class: mat.Single, Data: []float64{0, 1.5, 0, 0, -2, 0}}
	if err := mat.WriteSparse(p, "W", w); err != nil {
		fmt.Println(err)
		return
	}
	s, _ := mat.ReadSparseComponents(p, "W")
	fmt.Println(s.Shape, s.Index, s.Value)
	d, _ := mat.ReadSparse(p, "W")
	fmt.Println(d.Class, d.Dims, d.Data)
	// Output:
	// [3 2] [[0 2] [1 0]] [1.5 -2]
	// double [3 2] [0 1.5 0 0 -2 0]
}
