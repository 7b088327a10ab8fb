package features

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/brainhierarchy/bhscore/internal/mat"
)

// Benchmark data: one layer of benchImages images x benchUnits units
// (float32, ReLU-like: normal draws with negatives set to 0), as v5 files,
// v7.3 files and a packed store. Generated once into a cached directory
// under os.TempDir (delete it to regenerate).
const (
	benchImages = 1200
	benchUnits  = 4096
)

var (
	benchOnce sync.Once
	benchRoot string
	benchErr  error
)

func benchData(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		benchRoot = filepath.Join(os.TempDir(), fmt.Sprintf("bhscore-features-bench-%dx%d", benchImages, benchUnits))
		if _, err := os.Stat(filepath.Join(benchRoot, "done")); err == nil {
			return
		}
		benchErr = makeBenchData(benchRoot)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchRoot
}

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
	d, err := OpenDir(filepath.Join(root, "v5"), nil)
	if err != nil {
		return err
	}
	if err := Pack(context.Background(), d, filepath.Join(root, "packed"), nil); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(root, "done"), nil, 0o666)
}

func BenchmarkLoadLayer(b *testing.B) {
	root := benchData(b)
	ctx := context.Background()
	open := map[string]func() (Store, error){
		"v5":     func() (Store, error) { return OpenDir(filepath.Join(root, "v5"), nil) },
		"v73":    func() (Store, error) { return OpenDir(filepath.Join(root, "v73"), nil) },
		"packed": func() (Store, error) { return OpenPacked(filepath.Join(root, "packed"), nil) },
	}
	for _, name := range []string{"v5", "v73", "packed"} {
		b.Run(name, func(b *testing.B) {
			s, err := open[name]()
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(benchImages * benchUnits * 4)
			b.ReportAllocs()
			for b.Loop() {
				l, err := s.Layer(ctx, "fc6")
				if err != nil {
					b.Fatal(err)
				}
				if l.Rows() != benchImages || l.Units() != benchUnits {
					b.Fatal("wrong layer size")
				}
			}
		})
	}
}

func BenchmarkPack(b *testing.B) {
	root := benchData(b)
	ctx := context.Background()
	d, err := OpenDir(filepath.Join(root, "v5"), nil)
	if err != nil {
		b.Fatal(err)
	}
	l, err := d.Layer(ctx, "fc6")
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewMem(l)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchImages * benchUnits * 4)
	b.ReportAllocs()
	for b.Loop() {
		if err := Pack(ctx, m, b.TempDir(), nil); err != nil {
			b.Fatal(err)
		}
	}
}
