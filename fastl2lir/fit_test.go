package fastl2lir

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// randProblem returns z-scored-ish X (n×p) and Y = X·B + offset + noise
// with 6 informative inputs per target, like the conformance generator.
func randProblem(seed uint64, n, p, q int) (*mat.Dense, *mat.Dense) {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := mat.NewDense(n, p, nil)
	for i := range n {
		for j := range p {
			x.Set(i, j, rng.NormFloat64()+0.3)
		}
	}
	y := mat.NewDense(n, q, nil)
	for j := range q {
		off := 1 + 1.5*rng.NormFloat64()
		cols := rng.Perm(p)[:min(6, p)]
		for i := range n {
			v := off + 0.8*rng.NormFloat64()
			for _, c := range cols {
				v += x.At(i, c)
			}
			y.Set(i, j, v)
		}
	}
	return x, y
}

// naiveFit is a direct transcription of the reference algorithm (corrmat,
// argsort, dense solve) for testing.
func naiveFit(x, y *mat.Dense, alpha float64, k int) (*mat.Dense, []float64) {
	n, p := x.Dims()
	_, q := y.Dims()
	xt := mat.NewDense(n, p+1, nil)
	for i := range n {
		for j := range p {
			xt.Set(i, j, x.At(i, j))
		}
		xt.Set(i, p, 1)
	}
	w := mat.NewDense(p, q, nil)
	b := make([]float64, q)
	if k == 0 || k >= p {
		var g mat.Dense
		if n > p+1 {
			g.Mul(xt.T(), xt)
			for i := range p + 1 {
				g.Set(i, i, g.At(i, i)+alpha)
			}
			var rhs, sol mat.Dense
			rhs.Mul(xt.T(), y)
			sol.Solve(&g, &rhs)
			for i := range p {
				for j := range q {
					w.Set(i, j, sol.At(i, j))
				}
			}
			for j := range q {
				b[j] = sol.At(p, j)
			}
		} else {
			g.Mul(xt, xt.T())
			for i := range n {
				g.Set(i, i, g.At(i, i)+alpha)
			}
			var z, sol mat.Dense
			z.Solve(&g, y)
			sol.Mul(xt.T(), &z)
			for i := range p {
				for j := range q {
					w.Set(i, j, sol.At(i, j))
				}
			}
			for j := range q {
				b[j] = sol.At(p, j)
			}
		}
		return w, b
	}
	var g mat.Dense
	g.Mul(xt.T(), xt)
	for i := range p + 1 {
		g.Set(i, i, g.At(i, i)+alpha)
	}
	var h mat.Dense
	h.Mul(y.T(), xt)
	for j := range q {
		yc := mat.Col(nil, j, y)
		c := make([]float64, p)
		for i := range p {
			xc := mat.Col(nil, i, x)
			if stat.PopVariance(xc, nil) >= 1e-8 {
				c[i] = math.Abs(stat.Correlation(xc, yc, nil))
			}
		}
		idx := make([]int, p)
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return c[idx[a]] > c[idx[b]] })
		s := append(idx[:k:k], p)
		sub := mat.NewDense(k+1, k+1, nil)
		rhs := mat.NewVecDense(k+1, nil)
		for a, ia := range s {
			for bb, ib := range s {
				sub.Set(a, bb, g.At(ia, ib))
			}
			rhs.SetVec(a, h.At(j, ia))
		}
		var sol mat.VecDense
		sol.SolveVec(sub, rhs)
		for a, ia := range s[:k] {
			w.Set(ia, j, sol.AtVec(a))
		}
		b[j] = sol.AtVec(k)
	}
	return w, b
}

func checkModel(t *testing.T, name string, m *Model, w *mat.Dense, b []float64, tol float64) {
	t.Helper()
	if e := relErr(m.W.RawMatrix().Data, w.RawMatrix().Data); e > tol {
		t.Errorf("%s: W relative error %.3g > %g", name, e, tol)
	}
	if e := relErr(m.B, b); e > tol {
		t.Errorf("%s: b relative error %.3g > %g", name, e, tol)
	}
}

// Tolerance against the naive gonum implementation (LU, other summation
// order): both are backward stable on these well-conditioned systems.
const tolNaive = 1e-9

func TestFitMatchesNaive(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name       string
		n, p, q, k int
		alpha      float64
	}{
		{"primal", 90, 20, 7, 0, 3},
		{"dual", 30, 50, 6, 0, 10},
		{"dual-boundary", 21, 20, 6, 0, 10}, // n == p+1: dual
		{"selection", 120, 300, 9, 25, 50},
		{"selection-wide", 40, 200, 5, 30, 100},
		{"nfeat>p", 60, 15, 4, 40, 2},
	} {
		x, y := randProblem(uint64(c.n*c.p), c.n, c.p, c.q)
		w, b := naiveFit(x, y, c.alpha, c.k)
		for _, gm := range []gramMode{gramFull, gramPerTarget} {
			m, err := Fit(ctx, x, y, &Options{Alpha: c.alpha, NFeat: c.k, gram: gm})
			if err != nil {
				t.Fatal(err)
			}
			checkModel(t, c.name, m, w, b, tolNaive)
		}
		// float32: compared with the float64 solution, within the float32
		// tolerance of the conformance cases.
		m, err := Fit(ctx, x, y, &Options{Alpha: c.alpha, NFeat: c.k, Precision: Float32})
		if err != nil {
			t.Fatal(err)
		}
		checkModel(t, c.name+"/float32", m, w, b, tolFloat32)
	}
}

func expand(x *mat.Dense, index []int) *mat.Dense {
	_, p := x.Dims()
	e := mat.NewDense(len(index), p, nil)
	for t, d := range index {
		e.SetRow(t, x.RawRowView(d))
	}
	return e
}

func TestFitImagesMatchesFit(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 5))
	for _, c := range []struct {
		name          string
		m, p, q, k, n int
	}{
		{"selection", 40, 120, 9, 15, 200},
		{"primal", 40, 12, 5, 0, 200},
		{"dual", 20, 60, 5, 0, 100},     // m ≤ p+1 < n: image-level dual
		{"dual-both", 20, 60, 5, 0, 50}, // n ≤ p+1 too
	} {
		xi, _ := randProblem(uint64(c.m+c.p), c.m+2, c.p, 1) // 2 rows never used
		index := make([]int, c.n)
		for t := range index {
			index[t] = rng.IntN(c.m) // uneven repeat counts
		}
		xe := expand(xi, index)
		_, y := randProblem(uint64(c.n), c.n, c.p, c.q)
		for _, prec := range []Precision{Float64, Float32} {
			tol := tolNaive
			if prec == Float32 {
				tol = tolFloat32
			}
			want, err := Fit(ctx, xe, y, &Options{Alpha: 20, NFeat: c.k, Precision: prec})
			if err != nil {
				t.Fatal(err)
			}
			for _, gm := range []gramMode{gramFull, gramPerTarget} {
				got, err := FitImages(ctx, xi, index, y, &Options{Alpha: 20, NFeat: c.k, Precision: prec, gram: gm})
				if err != nil {
					t.Fatal(err)
				}
				checkModel(t, c.name+"/"+prec.String(), got, want.W, want.B, tol)
			}
		}
	}
}

func TestWorkersBitwise(t *testing.T) {
	ctx := context.Background()
	x, y := randProblem(11, 150, 400, 150)
	for _, o := range []Options{
		{Alpha: 10, NFeat: 30},
		{Alpha: 10, NFeat: 30, gram: gramPerTarget},
		{Alpha: 10, NFeat: 30, Precision: Float32},
		{Alpha: 10},
	} {
		var ref *Model
		for _, w := range []int{1, 2, 7} {
			o.Workers = w
			m, err := Fit(ctx, x, y, &o)
			if err != nil {
				t.Fatal(err)
			}
			if ref == nil {
				ref = m
				continue
			}
			if !slices.Equal(m.W.RawMatrix().Data, ref.W.RawMatrix().Data) || !slices.Equal(m.B, ref.B) {
				t.Errorf("%+v: results differ between 1 and %d workers", o, w)
			}
		}
	}
}

// Reference behaviour 7: a constant target c with centred X gets
// b = c·n/(n+α), W = 0.
func TestRegularisedIntercept(t *testing.T) {
	n, p, alpha, c := 50, 8, 10.0, 3.0
	x, _ := randProblem(3, n, p, 1)
	for j := range p { // centre
		col := mat.Col(nil, j, x)
		mu := stat.Mean(col, nil)
		for i := range n {
			x.Set(i, j, col[i]-mu)
		}
	}
	y := mat.NewDense(n, 1, nil)
	for i := range n {
		y.Set(i, 0, c)
	}
	m, err := Fit(context.Background(), x, y, &Options{Alpha: alpha})
	if err != nil {
		t.Fatal(err)
	}
	want := c * float64(n) / (float64(n) + alpha)
	if math.Abs(m.B[0]-want) > 1e-12 {
		t.Errorf("b = %v, want %v", m.B[0], want)
	}
}

// Reference behaviour 9: a NaN input column ranks first for every target
// and makes every target NaN; a zero-variance column is never selected.
func TestNaNAndZeroVariance(t *testing.T) {
	x, y := randProblem(4, 60, 30, 5)
	for i := range 60 {
		x.Set(i, 7, 2.5)
	}
	m, err := Fit(context.Background(), x, y, &Options{Alpha: 5, NFeat: 4})
	if err != nil {
		t.Fatal(err)
	}
	for j := range 5 {
		if m.W.At(7, j) != 0 {
			t.Errorf("zero-variance input selected for target %d", j)
		}
	}
	x.Set(3, 11, math.NaN())
	m, err = Fit(context.Background(), x, y, &Options{Alpha: 5, NFeat: 4})
	if err != nil {
		t.Fatal(err)
	}
	for j := range 5 {
		if !math.IsNaN(m.W.At(11, j)) || !math.IsNaN(m.B[j]) {
			t.Errorf("target %d: NaN input not propagated: w=%v b=%v", j, m.W.At(11, j), m.B[j])
		}
	}
}

func TestCancelAndProgress(t *testing.T) {
	x, y := randProblem(9, 80, 100, 200)
	var last, calls int
	o := &Options{Alpha: 1, NFeat: 10, Workers: 2, Progress: func(done, total int) {
		if done <= last || total != 200 {
			t.Errorf("progress %d/%d after %d", done, total, last)
		}
		last = done
		calls++
	}}
	if _, err := Fit(context.Background(), x, y, o); err != nil {
		t.Fatal(err)
	}
	if last != 200 || calls != 4 {
		t.Errorf("progress ended at %d after %d calls, want 200 after 4", last, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	o.Progress = func(done, total int) { cancel() }
	o.Workers = 1
	if _, err := Fit(ctx, x, y, o); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	x, y := randProblem(1, 20, 5, 3)
	short, _ := randProblem(1, 19, 5, 3)
	if _, err := Fit(ctx, short, y, nil); !errors.Is(err, ErrShape) {
		t.Errorf("row mismatch: %v", err)
	}
	if _, err := Fit(ctx, x, y, &Options{NFeat: -1}); err == nil {
		t.Error("negative n_feat accepted")
	}
	if _, err := Fit(ctx, x, y, &Options{TargetShape: []int{2, 2}}); !errors.Is(err, ErrShape) {
		t.Errorf("bad target shape: %v", err)
	}
	if _, err := FitImages(ctx, x, []int{0, 1, 20}, y, nil); !errors.Is(err, ErrShape) {
		t.Errorf("index length: %v", err)
	}
	idx := make([]int, 20)
	idx[4] = 20
	if _, err := FitImages(ctx, x, idx, y, nil); err == nil {
		t.Error("index out of range accepted")
	}
	m, _ := Fit(ctx, x, y, nil)
	if _, err := m.Predict(mat.NewDense(2, 4, nil)); !errors.Is(err, ErrShape) {
		t.Errorf("predict columns: %v", err)
	}
}

func TestSelectBest(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for trial := range 200 {
		n := 1 + rng.IntN(300)
		a := make([]cand, n)
		for i := range a {
			r := float64(rng.IntN(20)) / 7 // many ties
			if rng.IntN(30) == 0 {
				r = math.NaN()
			}
			a[i] = cand{key: corrKey(r), idx: int32(i)}
		}
		k := 1 + rng.IntN(n)
		want := slices.Clone(a)
		slices.SortFunc(want, func(x, y cand) int {
			if better(x, y) {
				return -1
			}
			return 1
		})
		// streaming through a small buffer must give the same set
		tk := newTopk(k, k+1+rng.IntN(5))
		for _, c := range a {
			tk.push(c)
		}
		got := tk.final()
		wantIdx := make([]int32, k)
		for i := range k {
			wantIdx[i] = want[i].idx
		}
		slices.Sort(wantIdx)
		gotIdx := make([]int32, len(got))
		for i, c := range got {
			gotIdx[i] = c.idx
		}
		if !slices.Equal(gotIdx, wantIdx) {
			t.Fatalf("trial %d (n=%d k=%d): got %v want %v", trial, n, k, gotIdx, wantIdx)
		}
	}
}
