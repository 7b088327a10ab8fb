package features

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Benchmark data: one layer of benchImages images x benchUnits units
// (float32, ReLU-like: normal draws with negatives set to 0), as v5 files,
// v7.3 files and a packed store. Generated once into a cached directory
// under os.TempDir (delete it to regenerate), or taken from
// $BHSCORE_FEATURES_BENCH_DIR.
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
		if dir := os.Getenv("BHSCORE_FEATURES_BENCH_DIR"); dir != "" {
			// Files written by the Python tools (see BENCHMARKS.md):
			// dir/v5/fc6/*.mat and dir/v73/fc6/*.mat; the packed store
			// is made from the v5 tree into dir/packed.
			benchRoot = dir
			benchErr = packBenchData(dir)
			return
		}
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

func packBenchData(root string) error {
	d, err := OpenDir(filepath.Join(root, "v5"), nil)
	if err != nil {
		return err
	}
	return Pack(context.Background(), d, filepath.Join(root, "packed"), nil)
}
