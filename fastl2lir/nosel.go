package fastl2lir

import (
	"github.com/brainhierarchy/bhscore/internal/linalg"
)

// primal solves (X̃ᵀX̃ + αI) W̃ = X̃ᵀY, the reference's branch when there are
// more (distinct) rows than inputs + 1.
func (pb *prob[T]) primal() error {
	if err := pb.buildGram(false); err != nil {
		return err
	}
	p, q, m := pb.p, pb.q, pb.m
	ld := p + 1
	// rhs = [xwᵀ ysw; sum(y)], (p+1)×q
	rhs := make([]T, ld*q)
	ts := tiles(p, q, tileSize, false)
	err := forEach(pb.ctx, pb.workers, len(ts), func(t int) error {
		tl := ts[t]
		linalg.Gemm(true, false, tl.i1-tl.i0, tl.j1-tl.j0, m, 1, pb.xw[tl.i0:], pb.ldx, pb.ysw[tl.j0:], pb.ldy, 0, rhs[tl.i0*q+tl.j0:], q)
		return nil
	})
	if err != nil {
		return err
	}
	for j := range q {
		rhs[p*q+j] = T(pb.sumY[j])
	}
	if err := pb.solveShared(ld, pb.g, rhs, q, func() ([]T, error) {
		err := pb.buildGram(false)
		return pb.g, err
	}); err != nil {
		return err
	}
	for i := range p {
		for j := range q {
			pb.w[i*q+j] = float64(rhs[i*q+j])
		}
	}
	for j := range q {
		pb.b[j] = float64(rhs[p*q+j])
	}
	pb.progress(q)
	return nil
}

// dual solves W̃ = X̃ᵀ(X̃X̃ᵀ + αI)⁻¹Y, the reference's branch when rows <=
// inputs + 1. In the image-level form the system is (xw xwᵀ + √c√cᵀ + αI)
// Z = ysw and W̃ = [xw, √c]ᵀZ.
func (pb *prob[T]) dual() error {
	p, q, m := pb.p, pb.q, pb.m
	kk, err := pb.kernel()
	if err != nil {
		return err
	}
	z := make([]T, m*q)
	for d := range m {
		copy(z[d*q:(d+1)*q], pb.ysw[d*pb.ldy:d*pb.ldy+q])
	}
	if err := pb.solveShared(m, kk, z, q, pb.kernel); err != nil {
		return err
	}
	// W = xwᵀ Z
	var wt []T
	if w, ok := any(pb.w).([]T); ok {
		wt = w
	} else {
		wt = make([]T, p*q)
	}
	ts := tiles(p, q, tileSize, false)
	err = forEach(pb.ctx, pb.workers, len(ts), func(t int) error {
		tl := ts[t]
		linalg.Gemm(true, false, tl.i1-tl.i0, tl.j1-tl.j0, m, 1, pb.xw[tl.i0:], pb.ldx, z[tl.j0:], q, 0, wt[tl.i0*q+tl.j0:], q)
		return nil
	})
	if err != nil {
		return err
	}
	if _, ok := any(pb.w).([]T); !ok {
		for i, v := range wt {
			pb.w[i] = float64(v)
		}
	}
	for j := range q {
		var s T
		for d := range m {
			s += T(pb.swAt(d)) * z[d*q+j]
		}
		pb.b[j] = float64(s)
	}
	pb.progress(q)
	return nil
}

// kernel returns the lower triangle of xw xwᵀ + √c√cᵀ + αI (m×m).
func (pb *prob[T]) kernel() ([]T, error) {
	p, m := pb.p, pb.m
	kk := make([]T, m*m)
	ts := tiles(m, m, tileSize, true)
	err := forEach(pb.ctx, pb.workers, len(ts), func(t int) error {
		tl := ts[t]
		if tl.i0 == tl.j0 {
			linalg.SyrkLower(false, tl.i1-tl.i0, p, 1, pb.xw[tl.i0*pb.ldx:], pb.ldx, 0, kk[tl.i0*m+tl.i0:], m)
			return nil
		}
		linalg.Gemm(false, true, tl.i1-tl.i0, tl.j1-tl.j0, p, 1, pb.xw[tl.i0*pb.ldx:], pb.ldx, pb.xw[tl.j0*pb.ldx:], pb.ldx, 0, kk[tl.i0*m+tl.j0:], m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for d := range m {
		sd := pb.swAt(d)
		for e := 0; e <= d; e++ {
			kk[d*m+e] += T(sd * pb.swAt(e))
		}
		kk[d*m+d] += pb.alpha
	}
	return kk, nil
}

// solveShared solves A X = B in place for one symmetric positive definite
// A (lower triangle, n×n) and many right-hand sides (n×q), in parallel over
// fixed blocks of columns of B.
func (pb *prob[T]) solveShared(n int, a, b []T, q int, rebuild func() ([]T, error)) error {
	if !linalg.PotrfLower(n, a, n) {
		// a was overwritten by the failed factorisation: rebuild it.
		a, err := rebuild()
		if err != nil {
			return err
		}
		return solveFallback(n, q, a, n, b, q, false)
	}
	nb := (q + targetBlock - 1) / targetBlock
	return forEach(pb.ctx, pb.workers, nb, func(t int) error {
		j0 := t * targetBlock
		linalg.PotrsLower(n, min(j0+targetBlock, q)-j0, a, n, b[j0:], q)
		return nil
	})
}
