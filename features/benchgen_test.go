package features

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/brainhierarchy/bhscore/internal/mat"
)

func makeBenchData(root string) error {
	os.RemoveAll(root)
	rng := rand.New(rand.NewPCG(0, 0))
	for _, f := range []string{"v5", "v73"} {
		if err := os.MkdirAll(filepath.Join(root, f, "fc6"), 0o777); err != nil {
			return err
		}
	}
	data := make([]float64, benchUnits)
	for i := range benchImages {
		for j := range data {
			v := float64(float32(rng.NormFloat64()))
			data[j] = max(v, 0)
		}
		stem := fmt.Sprintf("n%08d_%d", i%50, i)
		vars := map[string]*mat.Array{"feat": {Dims: []int{1, benchUnits}, Class: mat.Single, Data: data}}
		if err := mat.WriteV5(filepath.Join(root, "v5", "fc6", stem+".mat"), vars, false); err != nil {
			return err
		}
		if err := mat.WriteV73(filepath.Join(root, "v73", "fc6", stem+".mat"), vars); err != nil {
			return err
		}
	}
	if err := packBenchData(root); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(root, "done"), nil, 0o666)
}
