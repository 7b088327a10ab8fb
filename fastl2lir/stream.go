package fastl2lir

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"sync"
	"unsafe"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/internal/linalg"
	"github.com/brainhierarchy/bhscore/internal/memplan"
)

// ColumnSource supplies the columns of an m×p input matrix X block by
// block, so that X never has to be in memory at once (the units of a whole
// DNN layer: 1,200 images × 3.2 M units is 15 GB of float32).
type ColumnSource interface {
	// ReadColumns fills dst with columns [j0, j1) of X, column-major:
	// dst[(j-j0)*m+i] is X[i, j]. FitStream reads blocks in ascending
	// order, each once, then the columns the selections need.
	ReadColumns(ctx context.Context, j0, j1 int, dst []float32) error
}

// Problem is one fit of FitStream: targets Y (trials × q) for trials that
// present rows Index of the streamed inputs, as in FitImages; a nil Index
// means trial t presents row t.
type Problem struct {
	Index []int
	Y     mat.Matrix
}

// ColumnAlign is the alignment of FitStream's column blocks: columns are
// correlated in blocks of this many, as Fit does, so that both compute
// every correlation with the same arithmetic.
const ColumnAlign = colBlock

// gatherWindow is the column range FitStream's solve pass reads at once
// while gathering selected columns.
const gatherWindow = 4 * colBlock

// StreamOptions configures FitStream. The zero value is not valid: NFeat
// must select (0 < NFeat < p).
type StreamOptions struct {
	// Options holds the solver settings (Alpha, NFeat, ChunkSize,
	// Precision, Workers, Progress over the targets of all problems).
	// TargetShape must be nil.
	Options

	// Memory is the budget in bytes that PlanStream sizes the blocks to
	// (0: memplan's default, 3/4 of the machine's memory).
	Memory int64
	// BlockColumns, if > 0, fixes the columns per block of the
	// correlation pass (rounded up to a multiple of ColumnAlign) instead
	// of the plan's.
	BlockColumns int
	// GatherColumns, if > 0, fixes the most selected columns held at once
	// in the solve pass instead of the plan's.
	GatherColumns int
	// SourceColumnBytes is the memory the ColumnSource holds per column
	// of a block it reads (its own buffers), counted in the plan.
	SourceColumnBytes int64
	// ColumnsProgress, if not nil, is called after each block of the
	// correlation pass with the columns done and p (the solve pass
	// reports through Options.Progress).
	ColumnsProgress func(done, total int)
}

// ProblemShape is the size of one problem for PlanStream.
type ProblemShape struct {
	Rows    int // distinct input rows its trials present
	Trials  int // rows of Y
	Targets int // columns of Y
}

// StreamPlan is the memory plan of a FitStream run.
type StreamPlan struct {
	// BlockColumns is the number of columns per block of the correlation
	// pass (a multiple of ColumnAlign, or all p).
	BlockColumns int
	// GatherColumns is the most selected columns held at once in the solve
	// pass.
	GatherColumns int
	// Fixed is the estimated memory independent of the block sizes
	// (targets, candidate lists, selections, scratch); Peak the estimated
	// peak of the whole run, both in bytes.
	Fixed, Peak int64
	// Budget is the budget planned for, in bytes.
	Budget int64
}

// streamHeadroom is the share of the budget FitStream plans live data for;
// the rest is left to the garbage collector and the runtime.
const streamHeadroom = 0.85

// candBytes is the size of one selection candidate.
const candBytes = int64(unsafe.Sizeof(cand{}))

// PlanStream estimates the memory of FitStream on an m×p input for the
// given problems and chooses block sizes that fit o.Memory. It fails with
// the numbers (a *memplan.TooSmallError) when even the smallest blocks do
// not fit. It does not depend on the data.
func PlanStream(m, p int, probs []ProblemShape, o *StreamOptions) (*StreamPlan, error) {
	if o == nil {
		o = &StreamOptions{}
	}
	budget := memplan.Bytes(o.Memory)
	if budget <= 0 {
		b, err := memplan.Budget("")
		if err != nil {
			return nil, err
		}
		budget = b
	}
	k := o.NFeat
	size := int64(8)
	if o.Precision == Float32 {
		size = 4
	}
	workers := int64(o.workers())
	var targets, sel, mmax, yBytes int64
	for _, s := range probs {
		q := int64(s.Targets)
		targets += q
		mmax = max(mmax, int64(s.Rows))
		// ysw, centred targets, statistics, trial map.
		yBytes += 2*int64(s.Rows)*q*size + 3*q*8 + int64(s.Trials)*8
	}
	capacity := int64(max(min(p, 2*k), k+1))
	sel = targets * int64(k)
	est := memplan.Estimate{
		What: fmt.Sprintf("streamed fit of %d inputs (%d images) to %d targets", p, m, targets),
		Fixed: []memplan.Item{
			{Name: "targets", Bytes: memplan.Bytes(yBytes)},
			{Name: "candidate lists", Bytes: memplan.Bytes(targets * capacity * candBytes)},
			{Name: "selections and weights", Bytes: memplan.Bytes(sel * (4 + 8 + 8 + 4))},
			{Name: "solver scratch", Bytes: memplan.Bytes(workers * (int64(k+1)*int64(k+1)*size + int64(k)*mmax*size + int64(targetBlock)*colBlock*size))},
			{Name: "gather window", Bytes: memplan.Bytes(int64(gatherWindow) * int64(m) * 4)},
		},
		PerUnit: []memplan.Item{
			{Name: "column block", Bytes: memplan.Bytes(int64(m)*4 + mmax*size + 17)},
			{Name: "source buffers", Bytes: memplan.Bytes(o.SourceColumnBytes)},
		},
	}
	live := memplan.Bytes(float64(budget) * streamHeadroom)
	b, err := est.Block(live, ColumnAlign, p)
	if err != nil {
		var ts *memplan.TooSmallError
		if errors.As(err, &ts) {
			ts.Budget = budget
			ts.What += fmt.Sprintf(" (%.0f%% of the budget planned for data)", streamHeadroom*100)
		}
		return nil, err
	}
	if o.BlockColumns > 0 {
		b = (o.BlockColumns + ColumnAlign - 1) / ColumnAlign * ColumnAlign
	}
	b = min(b, p)
	// A gathered column: its values, its weighted form for one view at a
	// time, its mean, slot and flags.
	gcol := int64(m)*4 + mmax*size + 8 + 16 + 1
	fixed := int64(est.FixedBytes())
	// The gather window is read through the source too.
	fixed += int64(gatherWindow) * o.SourceColumnBytes
	g := int64(p)
	if free := int64(live) - fixed; free/gcol < g {
		g = max(free/gcol, int64(k))
	}
	if o.GatherColumns > 0 {
		g = int64(max(o.GatherColumns, k))
	}
	peak := fixed + max(int64(b)*int64(est.UnitBytes()), g*gcol)
	return &StreamPlan{BlockColumns: b, GatherColumns: int(g), Fixed: fixed, Peak: peak, Budget: int64(budget)}, nil
}

// Sparse is a model fitted with feature selection, stored per target: the
// NFeat selected inputs (ascending) and their weights. FitStream returns
// it; a dense inputs × targets W of a whole layer would not fit in memory.
//
// A Sparse is safe for concurrent use as long as no goroutine modifies it.
type Sparse struct {
	// Inputs is p, the number of inputs.
	Inputs int
	// K is the number of inputs selected per target.
	K int
	// Index holds target j's selected inputs, ascending, at
	// Index[j*K : (j+1)*K]; W their weights at the same positions.
	Index []int32
	W     []float64
	// B holds the intercepts, one per target.
	B []float64
}

// Targets returns the number of targets.
func (s *Sparse) Targets() int { return len(s.B) }

// Dense returns the model with a dense p × q weight matrix (zero where an
// input is not selected), equal to what Fit returns.
func (s *Sparse) Dense() *Model {
	q := s.Targets()
	m := &Model{W: mat.NewDense(s.Inputs, q, nil), B: slices.Clone(s.B)}
	w := m.W.RawMatrix().Data
	for j := range q {
		for r, i := range s.Index[j*s.K : (j+1)*s.K] {
			w[int(i)*q+j] = s.W[j*s.K+r]
		}
	}
	return m
}

// PredictColumns returns X·W + B (n × q, float64) for the n×p inputs src,
// reading only the column windows that hold selected inputs. Each target's
// terms are summed in ascending input order (so values may differ from
// Model.Predict's in the last bits); an unselected input never contributes,
// even if it is NaN.
func (s *Sparse) PredictColumns(ctx context.Context, src ColumnSource, n int) (*mat.Dense, error) {
	q := s.Targets()
	if n <= 0 || q == 0 {
		return nil, fmt.Errorf("fastl2lir: predict with %d samples and %d targets: %w", n, q, ErrShape)
	}
	used := newBitset(s.Inputs)
	for _, i := range s.Index {
		used.set(int(i))
	}
	g := &gatherer{src: src, m: n, p: s.Inputs}
	got, slot, err := g.read(ctx, used)
	if err != nil {
		return nil, err
	}
	out := mat.NewDense(n, q, nil)
	od := out.RawMatrix().Data
	for j := range q {
		for i := range n {
			v := s.B[j]
			for r, c := range s.Index[j*s.K : (j+1)*s.K] {
				v += s.W[j*s.K+r] * float64(got[slot[c]*n+i])
			}
			od[i*q+j] = v
		}
	}
	return out, nil
}

// bitset is a set of column indices.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }
func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}
func (b bitset) clear() { clear(b) }

// gatherer reads the selected columns of FitStream's solve pass, all m
// values each, in ascending column order, with windows of gatherWindow
// columns, skipping windows that hold none. Its buffers are kept from one
// read to the next: the pass's largest allocations are made once, not
// left to the garbage collector between groups of targets.
type gatherer struct {
	src  ColumnSource
	m, p int
	// most is the most columns a read will hold; out is allocated for
	// that many at once.
	most  int
	out   []float32     // the columns read, one after the other
	win   []float32     // one window
	slot  map[int32]int // slot of each column read in out
	order []int32       // the columns read, ascending
}

// read reads the columns in used and returns them with the slot of each
// (valid until the next read).
func (g *gatherer) read(ctx context.Context, used bitset) ([]float32, map[int32]int, error) {
	m := g.m
	if g.slot == nil {
		g.slot = make(map[int32]int, max(used.count(), g.most))
	}
	clear(g.slot)
	g.order = g.order[:0]
	for w, word := range used {
		for word != 0 {
			t := bits.TrailingZeros64(word)
			i := int32(w*64 + t)
			g.slot[i] = len(g.order)
			g.order = append(g.order, i)
			word &^= 1 << t
		}
	}
	if n := len(g.order) * m; cap(g.out) < n {
		g.out = nil // let the old buffer go before taking the new one
		g.out = make([]float32, max(len(g.order), g.most)*m)
	}
	out := g.out[:len(g.order)*m]
	for k := 0; k < len(g.order); {
		w0 := int(g.order[k]) / gatherWindow * gatherWindow
		w1 := min(w0+gatherWindow, g.p)
		if g.win == nil {
			g.win = make([]float32, gatherWindow*m)
		}
		win := g.win[:(w1-w0)*m]
		if err := g.src.ReadColumns(ctx, w0, w1, win); err != nil {
			return nil, nil, err
		}
		for ; k < len(g.order) && int(g.order[k]) < w1; k++ {
			c := int(g.order[k])
			copy(out[k*m:(k+1)*m], win[(c-w0)*m:(c-w0+1)*m])
		}
	}
	return out, g.slot, nil
}

// FitStream fits every problem to inputs X (m × p) read from src block by
// block, as FitImages(X, problem.Index, problem.Y, &o.Options) would with
// feature selection, with memory that does not grow with p beyond the
// selections: one pass over X's columns (blocks of PlanStream's size)
// computes the input-target correlations of all problems at once, keeping
// each target's running best NFeat candidates (the reference's rules:
// largest |r|, NaN first, float32 correlations in float32 fits); a second
// pass reads only the selected columns, a bounded number at a time, and
// solves each target's system.
//
// The result is bitwise identical to FitImages (and Fit) when they build
// each target's system from its selected columns, which they do whenever
// the (p+1)² Gram matrix is large (p² > 2·q·NFeat², or over 2 GiB): all
// layers too large for memory. NFeat must be in (0, p).
func FitStream(ctx context.Context, src ColumnSource, m, p int, probs []Problem, o *StreamOptions) ([]*Sparse, error) {
	if o == nil {
		return nil, errors.New("fastl2lir: FitStream needs options with NFeat")
	}
	if m < 1 || p < 1 || len(probs) == 0 {
		return nil, fmt.Errorf("fastl2lir: FitStream of %d×%d inputs and %d problems: %w", m, p, len(probs), ErrShape)
	}
	if o.NFeat <= 0 || o.NFeat >= p {
		return nil, fmt.Errorf("fastl2lir: FitStream needs feature selection: n_feat %d for %d inputs", o.NFeat, p)
	}
	if o.TargetShape != nil {
		return nil, errors.New("fastl2lir: FitStream does not take a target shape")
	}
	if o.Precision != Float64 && o.Precision != Float32 {
		return nil, fmt.Errorf("fastl2lir: unknown precision %v", o.Precision)
	}
	shapes := make([]ProblemShape, len(probs))
	for i, pr := range probs {
		n, q := pr.Y.Dims()
		if pr.Index == nil && n != m {
			return nil, fmt.Errorf("fastl2lir: problem %d: %d trials without an index for %d input rows: %w", i, n, m, ErrShape)
		}
		if pr.Index != nil && len(pr.Index) != n {
			return nil, fmt.Errorf("fastl2lir: problem %d: %d trial indices for %d rows of y: %w", i, len(pr.Index), n, ErrShape)
		}
		if n < 2 || q < 1 {
			return nil, fmt.Errorf("fastl2lir: problem %d: %d trials × %d targets: %w", i, n, q, ErrShape)
		}
		rows := m
		if pr.Index != nil {
			seen := newBitset(m)
			for t, d := range pr.Index {
				if d < 0 || d >= m {
					return nil, fmt.Errorf("fastl2lir: problem %d: trial %d refers to input row %d, x has %d rows", i, t, d, m)
				}
				seen.set(d)
			}
			rows = seen.count()
		}
		shapes[i] = ProblemShape{Rows: rows, Trials: n, Targets: q}
	}
	plan, err := PlanStream(m, p, shapes, o)
	if err != nil {
		return nil, err
	}
	if o.Precision == Float32 {
		return fitStream[float32](ctx, src, m, p, probs, o, plan)
	}
	return fitStream[float64](ctx, src, m, p, probs, o, plan)
}

// streamProb is one problem's state in FitStream.
type streamProb[T linalg.Float] struct {
	pb   *prob[T] // targets prepared as in Fit (no inputs)
	view int      // index of its view
	zc   [][]T    // centred targets per group
	tk   []topk   // per target
	out  *Sparse
	h    []float64 // right-hand side entries of the selections, q×k
}

// streamView is the inputs as problems with the same distinct rows and
// trial counts see them: the column statistics and the √c-weighted
// columns are computed once per block for all of them (e.g. every ROI of
// a subject, or every subject shown the same images).
type streamView[T linalg.Float] struct {
	pb   *prob[T] // its first problem: rows, counts, weights, trials
	offs []int    // offs[d]: input row of distinct row d
}

// sameView reports whether problems a and b see the same inputs.
func sameView[T linalg.Float](a, b *prob[T]) bool {
	return a.m == b.m && a.n == b.n && slices.Equal(a.rows, b.rows) && slices.Equal(a.count, b.count)
}

// weigh writes the √c-weighted column of distinct rows of one input
// column, rounded to T, as Fit's xw holds it.
func weigh[T linalg.Float](dst []T, col []float32, v *streamView[T]) {
	for d, r := range v.offs {
		dst[d] = T(v.pb.swAt(d) * round[T](float64(col[r])))
	}
}

func fitStream[T linalg.Float](ctx context.Context, src ColumnSource, m, p int, probs []Problem, o *StreamOptions, plan *StreamPlan) ([]*Sparse, error) {
	k := o.NFeat
	workers := o.workers()
	// Fit's target groups: with larger GEMM operands dgemm rounds some
	// correlations differently, and the streamed fit must equal Fit's.
	gsz := targetBlock
	if c := o.ChunkSize; c > 0 && c < gsz {
		gsz = c
	}
	capacity := min(p, 2*k)
	total := 0
	sps := make([]*streamProb[T], len(probs))
	var views []*streamView[T]
	for i, pr := range probs {
		y := dense(pr.Y)
		yr := y.RawMatrix()
		pb := &prob[T]{ctx: ctx, o: &o.Options, workers: workers, q: yr.Cols, n: float64(yr.Rows), alpha: T(o.Alpha)}
		pb.prepare(blas64.General{Rows: m}, pr.Index, yr, true)
		sp := &streamProb[T]{pb: pb, view: -1, tk: make([]topk, pb.q)}
		for vi, v := range views {
			if sameView(v.pb, pb) {
				sp.view = vi
				break
			}
		}
		if sp.view < 0 {
			v := &streamView[T]{pb: pb, offs: make([]int, pb.m)}
			for d := range v.offs {
				v.offs[d] = d
				if pb.rows != nil {
					v.offs[d] = pb.rows[d]
				}
			}
			sp.view = len(views)
			views = append(views, v)
		}
		for j0 := 0; j0 < pb.q; j0 += gsz {
			j1 := min(j0+gsz, pb.q)
			zc := make([]T, pb.m*(j1-j0))
			pb.centre(zc, j0, j1)
			sp.zc = append(sp.zc, zc)
		}
		for j := range sp.tk {
			sp.tk[j] = newTopk(k, capacity)
		}
		total += pb.q
		sps[i] = sp
	}

	// Pass 1: correlations, block by block; per view the statistics and
	// weighted columns once, then every group of targets of its problems.
	type task struct{ sp, gi int }
	groups := make([][]task, len(views))
	for si, sp := range sps {
		for gi := range sp.zc {
			groups[sp.view] = append(groups[sp.view], task{si, gi})
		}
	}
	b := plan.BlockColumns
	blk := make([]float32, b*m)
	var mmax int
	for _, v := range views {
		mmax = max(mmax, v.pb.m)
	}
	xwT := make([]T, b*mmax)
	mx, sx, zv := make([]float64, b), make([]float64, b), make([]bool, b)
	pms := newPool(workers, func() *[]T { s := make([]T, gsz*colBlock); return &s })
	for j0 := 0; j0 < p; j0 += b {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		j1 := min(j0+b, p)
		bw := j1 - j0
		if err := src.ReadColumns(ctx, j0, j1, blk[:bw*m]); err != nil {
			return nil, err
		}
		for vi, v := range views {
			vp := v.pb
			mj := vp.m
			xStats[T](mx[:bw], sx[:bw], zv[:bw], blk, v.offs, m, vp.count, vp.n)
			x := xwT[:bw*mj]
			err := forEach(ctx, workers, (bw+colBlock-1)/colBlock, func(c int) error {
				for i := c * colBlock; i < min((c+1)*colBlock, bw); i++ {
					weigh(x[i*mj:(i+1)*mj], blk[i*m:(i+1)*m], v)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			err = forEach(ctx, workers, len(groups[vi]), func(i int) error {
				sp := sps[groups[vi][i].sp]
				gi := groups[vi][i].gi
				pb := sp.pb
				t0 := gi * gsz
				t1 := min(t0+gsz, pb.q)
				g := t1 - t0
				pmp := pms.get()
				defer pms.put(pmp)
				for i0 := j0; i0 < j1; i0 += colBlock {
					i1 := min(i0+colBlock, j1)
					bs := i1 - i0
					pm := (*pmp)[:g*bs]
					linalg.Gemm(true, true, g, bs, mj, 1, sp.zc[gi], g, x[(i0-j0)*mj:], mj, 0, pm, bs)
					pb.push(sp.tk[t0:t1], pm, bs, t0, i0, mx[i0-j0:i1-j0], sx[i0-j0:i1-j0], zv[i0-j0:i1-j0])
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		if o.ColumnsProgress != nil {
			o.ColumnsProgress(j1, p)
		}
	}
	blk, xwT, mx, sx, zv = nil, nil, nil, nil, nil

	// The selections, compacted; the candidate lists are freed.
	for _, sp := range sps {
		q := sp.pb.q
		sp.out = &Sparse{Inputs: p, K: k, Index: make([]int32, q*k), W: make([]float64, q*k), B: make([]float64, q)}
		sp.h = make([]float64, q*k)
		for j := range sp.tk {
			for r, c := range sp.tk[j].final() {
				sp.out.Index[j*k+r] = c.idx
				sp.h[j*k+r] = c.h
			}
			sp.tk[j] = topk{}
		}
		sp.zc = nil
	}

	// Pass 2: gather the selected columns of as many targets as fit; per
	// view weigh each gathered column once (and take its trial-level
	// mean), then solve the view's targets.
	type target struct{ prob, j int }
	var (
		progMu sync.Mutex
		done   int
	)
	subs := newPool(workers, func() *subSolver[T] { return newSubSolver[T](k) })
	used := newBitset(p)
	// The gather buffers are allocated once for the most columns a group
	// can hold: regrowing them between groups would leave the old ones to
	// the garbage collector, briefly holding both.
	for _, sp := range sps {
		for _, c := range sp.out.Index {
			used.set(int(c))
		}
	}
	most := min(used.count(), plan.GatherColumns)
	used.clear()
	gather := &gatherer{src: src, m: m, p: p, most: most}
	var group []target
	var wcols []T
	var wmean []float64
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		cols, slot, err := gather.read(ctx, used)
		if err != nil {
			return err
		}
		nslot := len(cols) / m
		need := make([]bool, nslot)
		for vi, v := range views {
			vp := v.pb
			mj := vp.m
			clear(need)
			var mine []target
			for _, t := range group {
				sp := sps[t.prob]
				if sp.view != vi {
					continue
				}
				mine = append(mine, t)
				for _, c := range sp.out.Index[t.j*k : (t.j+1)*k] {
					need[slot[c]] = true
				}
			}
			if len(mine) == 0 {
				continue
			}
			if cap(wcols) < nslot*mj {
				wcols = nil
				wcols = make([]T, max(nslot, most)*mj)
			}
			wcols = wcols[:nslot*mj]
			if cap(wmean) < nslot {
				wmean = make([]float64, nslot)
			}
			wmean = wmean[:nslot]
			err := forEach(ctx, workers, (nslot+colBlock-1)/colBlock, func(c int) error {
				var sd [1]float64
				var zz [1]bool
				for s := c * colBlock; s < min((c+1)*colBlock, nslot); s++ {
					if !need[s] {
						continue
					}
					col := cols[s*m : (s+1)*m]
					weigh(wcols[s*mj:(s+1)*mj], col, v)
					xStats[T](wmean[s:s+1], sd[:], zz[:], col, v.offs, m, vp.count, vp.n)
				}
				return nil
			})
			if err != nil {
				return err
			}
			err = forEach(ctx, workers, len(mine), func(ti int) error {
				t := mine[ti]
				sp := sps[t.prob]
				pb := sp.pb
				idx := sp.out.Index[t.j*k : (t.j+1)*k]
				sub := subs.get()
				defer subs.put(sub)
				build := func() {
					xs := sub.cols(k, mj)
					for r, c := range idx {
						s := slot[c]
						copy(xs[r*mj:(r+1)*mj], wcols[s*mj:(s+1)*mj])
					}
					sub.fromColumns(k, mj, xs, mj, func(r int) float64 { return pb.n * wmean[slot[idx[r]]] }, pb.n, pb.alpha)
				}
				build()
				rhs := sub.rhs(k)
				for r := range k {
					rhs[r] = T(sp.h[t.j*k+r])
				}
				rhs[k] = T(pb.sumY[t.j])
				if err := sub.solve(k, build); err != nil {
					return errTarget(err, t.j)
				}
				for r := range k {
					sp.out.W[t.j*k+r] = float64(rhs[r])
				}
				sp.out.B[t.j] = float64(rhs[k])
				return nil
			})
			if err != nil {
				return err
			}
		}
		if o.Progress != nil {
			progMu.Lock()
			done += len(group)
			o.Progress(done, total)
			progMu.Unlock()
		}
		group = group[:0]
		used.clear()
		return nil
	}
	inGroup := 0
	for pi, sp := range sps {
		for j := range sp.pb.q {
			fresh := 0
			for _, c := range sp.out.Index[j*k : (j+1)*k] {
				if !used.has(int(c)) {
					fresh++
				}
			}
			if inGroup+fresh > plan.GatherColumns && len(group) > 0 {
				if err := flush(); err != nil {
					return nil, err
				}
				inGroup, fresh = 0, k
			}
			for _, c := range sp.out.Index[j*k : (j+1)*k] {
				used.set(int(c))
			}
			inGroup += fresh
			group = append(group, target{pi, j})
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	out := make([]*Sparse, len(sps))
	for i, sp := range sps {
		out[i] = sp.out
	}
	return out, nil
}
