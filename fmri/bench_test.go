package fmri

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

// The benchmark file (6,000 trials x 15,000 columns, 720 MB, the size of a
// real training file) is generated on first use in os.TempDir and removed
// by TestMain.
const benchRows, benchCols, benchROI = 6000, 15000, 1500

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchPath != "" {
		os.Remove(benchPath)
	}
	os.Exit(code)
}

func benchFile(b *testing.B) string {
	benchOnce.Do(func() {
		rng := rand.New(rand.NewPCG(1, 2))
		data := make([]float64, benchRows*benchCols)
		for i := range data {
			data[i] = rng.NormFloat64()
		}
		bd := New()
		if benchErr = bd.Add(mat.NewDense(benchRows, benchCols, data), "VoxelData"); benchErr != nil {
			return
		}
		roi := make([]float64, benchCols)
		for _, c := range rng.Perm(benchCols)[:benchROI] {
			roi[c] = 1
		}
		if benchErr = bd.AddMetadata("ROI_V1", roi, "V1", ""); benchErr != nil {
			return
		}
		p := filepath.Join(os.TempDir(), fmt.Sprintf("bhscore-fmri-bench-%d.h5", os.Getpid()))
		if benchErr = bd.Save(p); benchErr == nil {
			benchPath = p
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

// peakHeap samples the live heap while fn runs and returns the largest
// increase over the heap at the start.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(s); return s[0].Value.Uint64() }
	base := read()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	if v := read(); v > peak.Load() {
		peak.Store(v)
	}
	close(done)
	wg.Wait()
	if peak.Load() < base {
		return 0
	}
	return peak.Load() - base
}

func BenchmarkSelect(b *testing.B) {
	ctx := context.Background()
	p := benchFile(b)
	f, err := Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for _, c := range []struct{ name, expr string }{
		{"full", "VoxelData"},
		{"ROI_V1", "ROI_V1"},
	} {
		b.Run(c.name, func(b *testing.B) {
			cols, _ := f.Columns(c.expr)
			block := float64(8 * benchRows * len(cols))
			var peak uint64
			b.ReportAllocs()
			for b.Loop() {
				pk := peakHeap(func() {
					if _, err := f.Select(ctx, c.expr); err != nil {
						b.Fatal(err)
					}
				})
				peak = max(peak, pk)
			}
			b.ReportMetric(block/1e6, "selected-MB")
			b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
			b.ReportMetric(float64(peak)/block, "peak/selected")
		})
	}
}
