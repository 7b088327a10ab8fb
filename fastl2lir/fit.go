package fastl2lir

import (
	"context"
	"fmt"
	"math"
	"sync"
	"unsafe"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/internal/linalg"
)

const (
	// targetBlock is the number of targets correlated and solved together
	// by one task: their centred targets form one GEMM operand.
	targetBlock = 64
	// colBlock is the number of input columns per correlation GEMM.
	colBlock = 1024
	// tileSize is the block size of the parallel Gram and product tiles.
	tileSize = 256
	// maxGramBytes bounds the materialised (p+1)² Gram matrix.
	maxGramBytes = 2 << 30
	// zeroVar is the reference's threshold on np.var(X, axis=0) (ddof 0).
	zeroVar = 1e-8
)

// prob holds one fit's inputs in the fit precision T, in the image-level
// form: m distinct rows with trial counts c_d (all 1 for Fit), xw = √c∘X,
// ysw = (per-row sums of Y)/√c, so that XᵀX = xwᵀxw and XᵀY = xwᵀysw.
type prob[T linalg.Float] struct {
	ctx     context.Context
	o       *Options
	workers int

	m, p, q int
	n       float64 // number of trials

	xw  []T // m×p, row-major, leading dimension ldx; nil in per-target mode
	ldx int
	xwT []T // p×m, per-target mode only

	sw    []float64 // √c per row; nil means all ones
	rows  []int     // input row behind distinct row d; nil means d itself
	count []float64 // trials per distinct row; nil means all ones
	ysw   []T       // m×q, leading dimension ldy
	ldy   int

	mx, sx, my, sy, sumY []float64
	zv                   []bool

	alpha T
	g     []T // (p+1)×(p+1) lower-triangular X̃ᵀX̃ + αI (full mode)

	w []float64 // p×q model weights (row-major, stride q)
	b []float64

	progMu sync.Mutex
	done   int
}

func fit(ctx context.Context, x *mat.Dense, index []int, y *mat.Dense, o *Options) (*Model, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	_, p := x.Dims()
	_, q := y.Dims()
	if o.NFeat < 0 {
		return nil, fmt.Errorf("fastl2lir: negative n_feat %d", o.NFeat)
	}
	if o.Precision != Float64 && o.Precision != Float32 {
		return nil, fmt.Errorf("fastl2lir: unknown precision %v", o.Precision)
	}
	var shape []int
	if o.TargetShape != nil {
		prod := 1
		for _, d := range o.TargetShape {
			if d <= 0 {
				return nil, fmt.Errorf("fastl2lir: target shape %v has a non-positive dimension", o.TargetShape)
			}
			prod *= d
		}
		if prod != q {
			return nil, fmt.Errorf("fastl2lir: target shape %v has %d elements, y has %d columns: %w", o.TargetShape, prod, q, ErrShape)
		}
		shape = append([]int(nil), o.TargetShape...)
	}
	model := &Model{W: mat.NewDense(p, q, nil), B: make([]float64, q), TargetShape: shape}
	var err error
	switch o.Precision {
	case Float32:
		err = fitT[float32](ctx, x, index, y, o, model)
	default:
		err = fitT[float64](ctx, x, index, y, o, model)
	}
	if err != nil {
		return nil, err
	}
	return model, nil
}

func fitT[T linalg.Float](ctx context.Context, x *mat.Dense, index []int, y *mat.Dense, o *Options, model *Model) error {
	xr, yr := x.RawMatrix(), y.RawMatrix()
	pb := &prob[T]{
		ctx: ctx, o: o, workers: o.workers(),
		p: xr.Cols, q: yr.Cols, n: float64(yr.Rows),
		alpha: T(o.Alpha),
		w:     model.W.RawMatrix().Data, b: model.B,
	}
	k := o.NFeat
	if k == 0 {
		k = pb.p
	}
	selection := k < pb.p

	perTarget := false
	if selection {
		size := int64(unsafe.Sizeof(T(0)))
		switch o.gram {
		case gramFull:
		case gramPerTarget:
			perTarget = true
		default:
			gram := int64(pb.p+1) * int64(pb.p+1) * size
			perTarget = gram > maxGramBytes || float64(pb.p)*float64(pb.p) > 2*float64(pb.q)*float64(k)*float64(k)
		}
	}
	pb.prepare(xr, index, yr, perTarget)

	if !selection {
		if pb.m > pb.p+1 {
			return pb.primal()
		}
		return pb.dual()
	}
	if !perTarget {
		if err := pb.buildGram(true); err != nil {
			return err
		}
	}
	return pb.selectAndSolve(k)
}

// round returns v rounded to T, as float64.
func round[T linalg.Float](v float64) float64 { return float64(T(v)) }

// prepare builds the image-level inputs (dropping distinct rows no trial
// uses) and the trial-level statistics, all from inputs rounded to T.
func (pb *prob[T]) prepare(xr blas64.General, index []int, yr blas64.General, perTarget bool) {
	p, q, n := pb.p, pb.q, yr.Rows
	isF64 := unsafe.Sizeof(T(0)) == 8

	// rows[d] is the row of x behind distinct row d; count[d] its trials.
	var rows []int
	var count []float64
	defer func() { pb.rows, pb.count = rows, count }()
	var trialRow []int // trial -> distinct row
	if index == nil {
		pb.m = xr.Rows
	} else {
		cnt := make([]int, xr.Rows)
		for _, d := range index {
			cnt[d]++
		}
		remap := make([]int, xr.Rows)
		for d, c := range cnt {
			if c > 0 {
				remap[d] = len(rows)
				rows = append(rows, d)
				count = append(count, float64(c))
			}
		}
		pb.m = len(rows)
		trialRow = make([]int, n)
		for t, d := range index {
			trialRow[t] = remap[d]
		}
		pb.sw = make([]float64, pb.m)
		for d, c := range count {
			pb.sw[d] = math.Sqrt(c)
		}
	}
	m := pb.m
	xrow := func(d int) []float64 {
		r := d
		if rows != nil {
			r = rows[d]
		}
		return xr.Data[r*xr.Stride : r*xr.Stride+p]
	}
	// Trial-level column statistics of X.
	pb.mx = make([]float64, p)
	pb.sx = make([]float64, p)
	pb.zv = make([]bool, p)
	offs := make([]int, m)
	for d := range m {
		r := d
		if rows != nil {
			r = rows[d]
		}
		offs[d] = r * xr.Stride
	}
	xStats[T](pb.mx, pb.sx, pb.zv, xr.Data, offs, 1, count, pb.n)

	// Trial-level statistics of Y.
	pb.my = make([]float64, q)
	pb.sy = make([]float64, q)
	pb.sumY = make([]float64, q)
	yrow := func(t int) []float64 { return yr.Data[t*yr.Stride : t*yr.Stride+q] }
	for t := range n {
		for j, v := range yrow(t) {
			pb.sumY[j] += round[T](v)
		}
	}
	for j, s := range pb.sumY {
		pb.my[j] = s / pb.n
	}
	for t := range n {
		for j, v := range yrow(t) {
			e := round[T](v) - pb.my[j]
			pb.sy[j] += e * e
		}
	}
	for j, s := range pb.sy {
		pb.sy[j] = math.Sqrt(s / (pb.n - 1))
	}

	sw := func(d int) float64 {
		if pb.sw == nil {
			return 1
		}
		return pb.sw[d]
	}

	// Inputs.
	switch {
	case perTarget:
		pb.xwT = make([]T, p*m)
		const bs = 64
		for d0 := 0; d0 < m; d0 += bs {
			for i0 := 0; i0 < p; i0 += bs {
				for d := d0; d < min(d0+bs, m); d++ {
					s, row := sw(d), xrow(d)
					for i := i0; i < min(i0+bs, p); i++ {
						pb.xwT[i*m+d] = T(s * round[T](row[i]))
					}
				}
			}
		}
	case index == nil && isF64:
		pb.xw, pb.ldx = any(xr.Data).([]T), xr.Stride
	default:
		pb.xw, pb.ldx = make([]T, m*p), p
		for d := range m {
			s, row, dst := sw(d), xrow(d), pb.xw[d*p:(d+1)*p]
			for i, v := range row {
				dst[i] = T(s * round[T](v))
			}
		}
	}

	// Targets.
	switch {
	case index == nil && isF64:
		pb.ysw, pb.ldy = any(yr.Data).([]T), yr.Stride
	case index == nil:
		pb.ysw, pb.ldy = make([]T, n*q), q
		for t := range n {
			dst := pb.ysw[t*q : (t+1)*q]
			for j, v := range yrow(t) {
				dst[j] = T(v)
			}
		}
	default:
		sums := make([]float64, m*q)
		for t := range n {
			dst := sums[trialRow[t]*q : (trialRow[t]+1)*q]
			for j, v := range yrow(t) {
				dst[j] += round[T](v)
			}
		}
		pb.ysw, pb.ldy = make([]T, m*q), q
		for d := range m {
			s := sw(d)
			for j := range q {
				pb.ysw[d*q+j] = T(sums[d*q+j] / s)
			}
		}
	}
}

func (pb *prob[T]) swAt(d int) float64 {
	if pb.sw == nil {
		return 1
	}
	return pb.sw[d]
}

func (pb *prob[T]) progress(k int) {
	if pb.o.Progress == nil {
		return
	}
	pb.progMu.Lock()
	defer pb.progMu.Unlock()
	pb.done += k
	pb.o.Progress(pb.done, pb.q)
}

// buildGram fills pb.g with the lower (upper: upper) triangle of X̃ᵀX̃ +
// αI, X̃ = [X, 1].
func (pb *prob[T]) buildGram(upper bool) error {
	p, m := pb.p, pb.m
	ld := p + 1
	pb.g = make([]T, ld*ld)
	g := pb.g
	ts := tiles(p, p, tileSize, true)
	err := forEach(pb.ctx, pb.workers, len(ts), func(t int) error {
		tl := ts[t]
		if upper {
			// the transposed tile
			tl = tile{tl.j0, tl.j1, tl.i0, tl.i1}
		}
		if tl.i0 == tl.j0 {
			if upper {
				linalg.SyrkUpper(true, tl.i1-tl.i0, m, 1, pb.xw[tl.i0:], pb.ldx, 0, g[tl.i0*ld+tl.i0:], ld)
			} else {
				linalg.SyrkLower(true, tl.i1-tl.i0, m, 1, pb.xw[tl.i0:], pb.ldx, 0, g[tl.i0*ld+tl.i0:], ld)
			}
			return nil
		}
		linalg.Gemm(true, false, tl.i1-tl.i0, tl.j1-tl.j0, m, 1, pb.xw[tl.i0:], pb.ldx, pb.xw[tl.j0:], pb.ldx, 0, g[tl.i0*ld+tl.j0:], ld)
		return nil
	})
	if err != nil {
		return err
	}
	for i := range p {
		if upper {
			g[i*ld+p] = T(pb.n * pb.mx[i])
		} else {
			g[p*ld+i] = T(pb.n * pb.mx[i])
		}
	}
	g[p*ld+p] = T(pb.n)
	for i := range ld {
		g[i*ld+i] += pb.alpha
	}
	return nil
}

type selScratch[T linalg.Float] struct {
	zc, pm []T
	tk     []topk
	idx    []int32
	sub    *subSolver[T]
}

// selectAndSolve runs the selection branch: per block of targets, one pass
// of correlations over blocks of input columns feeding a top-k selection
// per target, then one Cholesky solve per target.
func (pb *prob[T]) selectAndSolve(k int) error {
	p, q, m := pb.p, pb.q, pb.m
	gsz := targetBlock
	if c := pb.o.ChunkSize; c > 0 && c < gsz {
		gsz = c
	}
	ngroups := (q + gsz - 1) / gsz
	capacity := min(p, 2*k)
	sp := newPool(pb.workers, func() *selScratch[T] {
		s := &selScratch[T]{
			zc:  make([]T, m*gsz),
			pm:  make([]T, gsz*min(p, colBlock)),
			tk:  make([]topk, gsz),
			idx: make([]int32, k),
			sub: newSubSolver[T](k),
		}
		for i := range s.tk {
			s.tk[i] = newTopk(k, capacity)
		}
		return s
	})
	return forEach(pb.ctx, pb.workers, ngroups, func(gi int) error {
		j0 := gi * gsz
		j1 := min(j0+gsz, q)
		g := j1 - j0
		s := sp.get()
		defer sp.put(s)

		zc := s.zc[:m*g]
		pb.centre(zc, j0, j1)
		for jj := range g {
			s.tk[jj].reset()
		}
		for i0 := 0; i0 < p; i0 += colBlock {
			if err := pb.ctx.Err(); err != nil {
				return err
			}
			i1 := min(i0+colBlock, p)
			bs := i1 - i0
			pm := s.pm[:g*bs]
			// pm = Zcᵀ X[:, i0:i1] = (centred Y)ᵀ X for the block.
			if pb.xw != nil {
				linalg.Gemm(true, false, g, bs, m, 1, zc, g, pb.xw[i0:], pb.ldx, 0, pm, bs)
			} else {
				linalg.Gemm(true, true, g, bs, m, 1, zc, g, pb.xwT[i0*m:], m, 0, pm, bs)
			}
			pb.push(s.tk[:g], pm, bs, j0, i0, pb.mx[i0:i1], pb.sx[i0:i1], pb.zv[i0:i1])
		}
		for jj := range g {
			if err := pb.solveTarget(j0+jj, s.tk[jj].final(), s); err != nil {
				return err
			}
		}
		pb.progress(g)
		return nil
	})
}

// centre writes the centred targets j0..j1-1, Zc = ysw - √c·mean(y), into
// zc (distinct rows x (j1-j0), row-major).
func (pb *prob[T]) centre(zc []T, j0, j1 int) {
	g := j1 - j0
	for d := range pb.m {
		swd := pb.swAt(d)
		yrow := pb.ysw[d*pb.ldy+j0 : d*pb.ldy+j1]
		zrow := zc[d*g : (d+1)*g]
		for jj, v := range yrow {
			zrow[jj] = T(float64(v) - swd*pb.my[j0+jj])
		}
	}
}

// push turns a block of centred cross-products pm = Zcᵀ X[:, i0:i0+bs]
// (targets j0.. in rows, leading dimension bs) into candidates of the
// targets' selections tk: the correlation (float32-rounded in float32
// fits; 0 for a zero-variance column) and the right-hand side entry.
// mx, sx and zv hold the statistics of the block's columns.
func (pb *prob[T]) push(tk []topk, pm []T, bs, j0, i0 int, mx, sx []float64, zv []bool) {
	isF32 := unsafe.Sizeof(T(0)) == 4
	nm1 := pb.n - 1
	// lim[ii]·|r_thr|·sy bounds the |cross-product| of a column that cannot
	// beat a selection's threshold r_thr: |r| < |r_thr|(1-1e-6) whatever
	// the rounding of the division (and of float32), so such candidates
	// are rejected without computing r. Zero-variance columns (r = 0) get
	// +Inf; NaN thresholds and NaN or zero deviations never reject.
	var limBuf [colBlock]float64
	lim := limBuf[:len(sx)]
	if len(sx) > colBlock {
		lim = make([]float64, len(sx))
	}
	for ii, s := range sx {
		lim[ii] = nm1 * s * (1 - 1e-6)
		if zv[ii] {
			lim[ii] = math.Inf(1)
		}
	}
	for jj := range tk {
		j := j0 + jj
		sy, hy := pb.sy[j], pb.n*pb.my[j]
		t := &tk[jj]
		for ii, v := range pm[jj*bs : (jj+1)*bs] {
			if math.Abs(float64(v)) < t.thrAbs*sy*lim[ii] {
				continue
			}
			var c float64
			if !zv[ii] {
				c = float64(v) / nm1 / (sx[ii] * sy)
				if isF32 {
					c = float64(float32(c))
				}
			}
			// (YᵀX)[j,i] = (centred Y)ᵀX + n·mean(x)·mean(y)
			t.push(cand{key: corrKey(c), h: float64(v) + hy*mx[ii], idx: int32(i0 + ii)})
		}
	}
}

// xStats computes the trial-level statistics of the columns of X from
// values rounded to T, in float64: means mx, ddof-1 standard deviations sx
// and zv (variance below the reference's threshold). Element i of distinct
// row d is data[offs[d]+i*colStride]; count[d] is its number of trials
// (nil: one each) and n the number of trials. Every column is summed over
// d in order, whatever the layout, so results do not depend on it.
func xStats[T linalg.Float, E float32 | float64](mx, sx []float64, zv []bool, data []E, offs []int, colStride int, count []float64, n float64) {
	p := len(mx)
	cnt := func(d int) float64 {
		if count == nil {
			return 1
		}
		return count[d]
	}
	clear(mx)
	clear(sx)
	if colStride == 1 {
		for d, o := range offs {
			c := cnt(d)
			for i, v := range data[o : o+p] {
				mx[i] += c * round[T](float64(v))
			}
		}
		for i := range mx {
			mx[i] /= n
		}
		for d, o := range offs {
			c := cnt(d)
			for i, v := range data[o : o+p] {
				e := round[T](float64(v)) - mx[i]
				sx[i] += c * e * e
			}
		}
	} else {
		for i := range p {
			var s float64
			for d, o := range offs {
				s += cnt(d) * round[T](float64(data[o+i*colStride]))
			}
			mx[i] = s / n
			var ss float64
			for d, o := range offs {
				e := round[T](float64(data[o+i*colStride])) - mx[i]
				ss += cnt(d) * e * e
			}
			sx[i] = ss
		}
	}
	for i, s := range sx {
		zv[i] = s/n < zeroVar
		sx[i] = math.Sqrt(s / (n - 1))
	}
}

// system writes the (k+1)² system of the selected columns idx (ascending)
// plus the bias into sub.
func (pb *prob[T]) system(sub *subSolver[T], idx []int32) {
	if pb.g != nil {
		sub.fromGram(pb.g, pb.p+1, pb.p, idx)
		return
	}
	k, m := len(idx), pb.m
	xs := sub.cols(k, m)
	for r, i := range idx {
		copy(xs[r*m:(r+1)*m], pb.xwT[int(i)*m:(int(i)+1)*m])
	}
	sub.fromColumns(k, m, xs, m, func(r int) float64 { return pb.n * pb.mx[idx[r]] }, pb.n, pb.alpha)
}

// solveTarget solves target j's system for its selection sel (ascending
// column index) and scatters the solution into W and B.
func (pb *prob[T]) solveTarget(j int, sel []cand, s *selScratch[T]) error {
	k := len(sel)
	idx := s.idx[:k]
	for i, c := range sel {
		idx[i] = c.idx
	}
	pb.system(s.sub, idx)
	r := s.sub.rhs(k)
	for i, c := range sel {
		r[i] = T(c.h)
	}
	r[k] = T(pb.sumY[j])
	if err := s.sub.solve(k, func() { pb.system(s.sub, idx) }); err != nil {
		return errTarget(err, j)
	}
	q := pb.q
	for i, c := range idx {
		pb.w[int(c)*q+j] = float64(r[i])
	}
	pb.b[j] = float64(r[k])
	return nil
}

// solveFallback solves a symmetric system given by its lower (upper: upper)
// triangle that Cholesky rejected: NaN anywhere gives an all-NaN solution (as LAPACK's
// gesv would propagate it), otherwise LU with partial pivoting in float64.
func solveFallback[T linalg.Float](n, nrhs int, a []T, lda int, b []T, ldb int, upper bool) error {
	full := make([]float64, n*n)
	hasNaN := false
	for i := range n {
		for j := 0; j <= i; j++ {
			v := float64(a[i*lda+j])
			if upper {
				v = float64(a[j*lda+i])
			}
			hasNaN = hasNaN || math.IsNaN(v)
			full[i*n+j], full[j*n+i] = v, v
		}
	}
	rhs := make([]float64, n*nrhs)
	for i := range n {
		for j := range nrhs {
			rhs[i*nrhs+j] = float64(b[i*ldb+j])
			hasNaN = hasNaN || math.IsNaN(rhs[i*nrhs+j])
		}
	}
	if hasNaN {
		for i := range n {
			for j := range nrhs {
				b[i*ldb+j] = T(math.NaN())
			}
		}
		return nil
	}
	if !linalg.SolveLU(n, nrhs, full, n, rhs, nrhs) {
		return fmt.Errorf("fastl2lir: singular %d×%d system", n, n)
	}
	for i := range n {
		for j := range nrhs {
			b[i*ldb+j] = T(rhs[i*nrhs+j])
		}
	}
	return nil
}
