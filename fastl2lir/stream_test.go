package fastl2lir

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/internal/memplan"
)

// colMajor is an in-memory ColumnSource that records the blocks read.
type colMajor struct {
	m, p  int
	data  []float32 // column-major
	mu    sync.Mutex
	reads [][2]int
}

func (c *colMajor) ReadColumns(ctx context.Context, j0, j1 int, dst []float32) error {
	c.mu.Lock()
	c.reads = append(c.reads, [2]int{j0, j1})
	c.mu.Unlock()
	copy(dst, c.data[j0*c.m:j1*c.m])
	return nil
}

// dense returns the source as an m×p float64 matrix.
func (c *colMajor) dense() *mat.Dense {
	x := mat.NewDense(c.m, c.p, nil)
	for j := range c.p {
		for i := range c.m {
			x.Set(i, j, float64(c.data[j*c.m+i]))
		}
	}
	return x
}

// streamCase returns inputs of m images × p units (ReLU-like, with a
// constant column and a repeated one so that ties and zero variance
// occur) and two problems: 5 repetitions of every image, and 3 of the
// first m-7 images in shuffled order.
func streamCase(m, p, q int, seed uint64) (*colMajor, []Problem) {
	rng := rand.New(rand.NewPCG(seed, 7))
	src := &colMajor{m: m, p: p, data: make([]float32, m*p)}
	for i := range src.data {
		if rng.IntN(3) != 0 {
			src.data[i] = float32(rng.NormFloat64())
		}
	}
	for i := range m {
		src.data[5*m+i] = 1.5                  // constant
		src.data[(p-1)*m+i] = src.data[17*m+i] // tie with column 17
	}
	mk := func(index []int) Problem {
		y := mat.NewDense(len(index), q, nil)
		for t, d := range index {
			for j := range q {
				v := 0.3*float64(src.data[(j*31%p)*m+d]) + rng.NormFloat64()
				y.Set(t, j, v)
			}
		}
		return Problem{Index: index, Y: y}
	}
	var a, b []int
	for r := range 5 {
		for d := range m {
			a = append(a, (d+r)%m)
		}
	}
	for range 3 {
		for _, d := range rng.Perm(m - 7) {
			b = append(b, d)
		}
	}
	return src, []Problem{mk(a), mk(b)}
}

func TestFitStreamIdentical(t *testing.T) {
	ctx := context.Background()
	src, probs := streamCase(40, 2500, 70, 1)
	x := src.dense()
	for _, prec := range []Precision{Float32, Float64} {
		for _, tc := range []struct {
			name          string
			block, gather int
			workers       int
			chunk         int
		}{
			{"small blocks", 1024, 60, 1, 0},
			{"one block", 0, 0, 3, 0},
			{"chunked", 2048, 5000, 2, 10},
		} {
			t.Run(prec.String()+"/"+tc.name, func(t *testing.T) {
				o := &StreamOptions{
					Options:      Options{Alpha: 100, NFeat: 30, Precision: prec, Workers: tc.workers, ChunkSize: tc.chunk},
					Memory:       1 << 30,
					BlockColumns: tc.block, GatherColumns: tc.gather,
				}
				got, err := FitStream(ctx, src, src.m, src.p, probs, o)
				if err != nil {
					t.Fatal(err)
				}
				for i, pr := range probs {
					mo := o.Options
					mo.gram = gramPerTarget
					want, err := FitImages(ctx, x, pr.Index, pr.Y, &mo)
					if err != nil {
						t.Fatal(err)
					}
					d := got[i].Dense()
					wd, gd := want.W.RawMatrix().Data, d.W.RawMatrix().Data
					for e := range wd {
						if math.Float64bits(wd[e]) != math.Float64bits(gd[e]) {
							t.Fatalf("problem %d: W[%d] = %v, in-memory %v (bitwise)", i, e, gd[e], wd[e])
						}
					}
					for j := range want.B {
						if math.Float64bits(want.B[j]) != math.Float64bits(d.B[j]) {
							t.Fatalf("problem %d: b[%d] = %v, in-memory %v", i, j, d.B[j], want.B[j])
						}
					}
					// The streamed estimate equals the dense prediction up
					// to summation order.
					pred, err := got[i].PredictColumns(ctx, src, src.m)
					if err != nil {
						t.Fatal(err)
					}
					wantPred, _ := want.Predict(x)
					// 1e-9 relative: float64 sums of 30 terms in another order.
					if !mat.EqualApprox(pred, wantPred, 1e-9) {
						t.Fatalf("problem %d: PredictColumns differs from Model.Predict", i)
					}
				}
			})
		}
	}
}

func TestFitStreamErrors(t *testing.T) {
	ctx := context.Background()
	src, probs := streamCase(20, 300, 3, 2)
	for _, o := range []*StreamOptions{nil, {Options: Options{NFeat: 0}}, {Options: Options{NFeat: 300}}} {
		if _, err := FitStream(ctx, src, 20, 300, probs, o); err == nil {
			t.Errorf("options %+v: no error", o)
		}
	}
	bad := []Problem{{Index: []int{0, 25}, Y: mat.NewDense(2, 1, nil)}}
	if _, err := FitStream(ctx, src, 20, 300, bad, &StreamOptions{Options: Options{NFeat: 5}, Memory: 1 << 30}); err == nil {
		t.Error("index out of range: no error")
	}
	// A budget too small for the candidate lists fails at once, with the
	// numbers.
	_, err := FitStream(ctx, src, 20, 300, probs, &StreamOptions{Options: Options{NFeat: 5}, Memory: 10 << 10})
	var ts *memplan.TooSmallError
	if !errors.As(err, &ts) || len(src.reads) != 0 {
		t.Errorf("tiny budget: err = %v after %d reads, want *memplan.TooSmallError before any", err, len(src.reads))
	}
}

// genSource produces a large input matrix column by column from a seed,
// holding none of it.
type genSource struct{ m int }

func (g genSource) ReadColumns(ctx context.Context, j0, j1 int, dst []float32) error {
	// One generator per call, reseeded per column: no garbage per column,
	// so the heap the tests sample tracks the fit's own data.
	src := rand.NewPCG(0, 0)
	rng := rand.New(src)
	for j := j0; j < j1; j++ {
		src.Seed(uint64(j), 3)
		for i := range g.m {
			dst[(j-j0)*g.m+i] = float32(rng.NormFloat64())
		}
	}
	return nil
}

// TestFitStreamBoundedMemory fits a layer several times larger than the
// budget: the plan's blocks are those the estimate allows, and the live
// heap, sampled throughout, stays within the plan's peak. In "many groups"
// the selections need more columns than the solve pass may hold, so it
// gathers them in several groups of different sizes (the case where
// regrowing its buffers once held the old and the new at the same time).
func TestFitStreamBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("samples the heap for a few seconds")
	}
	const m, p = 100, 200_000 // 80 MB of float32 inputs
	for _, tc := range []struct {
		name          string
		q             int
		budget        int64
		fixed, blocks int64
		groups        bool
	}{
		// Fixed part: targets 2×(2·100·40·4 + 3·40·8 + 300·8) = 70,720;
		// candidate lists 80·100·24 = 192,000; selections 80·50·24 =
		// 96,000; solver scratch 2·(51²·4 + 50·100·4 + 64·1024·4) =
		// 585,096; gather window 4096·100·4 = 1,638,400; total 2,582,216.
		// A block column costs 100·4 + 100·4 + 17 = 817 bytes:
		// (0.85·24 MiB - 2,582,216) / 817 = 23,023 columns, 22 blocks of
		// 1024.
		{name: "one group", q: 40, budget: 24 << 20, fixed: 2582216, blocks: 22528},
		// 3,000 targets select up to 150,000 columns; the solve pass holds
		// (0.85·48 MiB - fixed) / 825 bytes = 33,068 at once.
		{name: "many groups", q: 1500, budget: 48 << 20, fixed: 15500296, blocks: 32768, groups: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(4, 4))
			y := mat.NewDense(3*m, tc.q, nil)
			index := make([]int, 3*m)
			for t := range index {
				index[t] = t % m
				for j := range tc.q {
					y.Set(t, j, rng.NormFloat64())
				}
			}
			probs := []Problem{{Index: index, Y: y}, {Index: index, Y: y}}
			var flushes int
			o := &StreamOptions{Options: Options{Alpha: 100, NFeat: 50, Precision: Float32, Workers: 2,
				Progress: func(int, int) { flushes++ }}, Memory: tc.budget}
			shape := ProblemShape{Rows: m, Trials: 3 * m, Targets: tc.q}
			plan, err := PlanStream(m, p, []ProblemShape{shape, shape}, o)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Fixed != tc.fixed || int64(plan.BlockColumns) != tc.blocks {
				t.Errorf("plan: fixed %d, block %d columns; want %d, %d", plan.Fixed, plan.BlockColumns, tc.fixed, tc.blocks)
			}
			if plan.Peak > tc.budget {
				t.Errorf("planned peak %d exceeds the budget %d", plan.Peak, tc.budget)
			}
			grown, err := heapGrowth(func() error {
				got, err := FitStream(ctx, genSource{m}, m, p, probs, o)
				if err == nil && got[0].Targets() != tc.q {
					err = fmt.Errorf("%d targets", got[0].Targets())
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if tc.groups != (flushes > 1) {
				t.Errorf("solve pass in %d groups", flushes)
			}
			t.Logf("peak heap growth %.1f MiB (planned peak %.1f MiB, budget %d MiB, inputs %d MiB, %d groups)",
				float64(grown)/(1<<20), float64(plan.Peak)/(1<<20), tc.budget>>20, m*p*4>>20, flushes)
			// The plan covers the live data; 5% GC garbage on top is allowed
			// (the source makes none; the fit little), and 1 MiB for the
			// runtime (the race detector's and purego's builds need it).
			if grown > plan.Peak*21/20+1<<20 {
				t.Errorf("heap grew by %d bytes, planned peak %d", grown, plan.Peak)
			}
		})
	}
}

// heapGrowth runs f with little garbage allowed (GC percent 10), sampling
// the heap every 2 ms, and returns its largest growth over the heap before.
func heapGrowth(f func() error) (int64, error) {
	old := debug.SetGCPercent(10)
	defer debug.SetGCPercent(old)
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}()
	err := f()
	close(stop)
	wg.Wait()
	return int64(peak) - int64(base.HeapAlloc), err
}
