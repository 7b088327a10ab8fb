package fastl2lir

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"gonum.org/v1/gonum/mat"
)

// Precision is the floating-point type a fit computes in.
type Precision int

const (
	// Float64 computes everything in float64 (the reference's default dtype).
	Float64 Precision = iota
	// Float32 rounds X and Y to float32 and computes the correlations, the
	// Gram matrix and the solves in float32, as the reference does with
	// dtype=np.float32 (the encoding scripts). The model is still returned
	// in float64 (exact widening).
	Float32
)

func (p Precision) String() string {
	switch p {
	case Float64:
		return "float64"
	case Float32:
		return "float32"
	}
	return fmt.Sprintf("Precision(%d)", int(p))
}

// Options configures a fit. The zero value is valid: alpha 0, no feature
// selection, float64, all cores.
type Options struct {
	// Alpha is the ridge penalty. It multiplies the whole identity,
	// including the intercept's entry, as in the reference. Zero means no
	// penalty (the reference's own default is 1.0; the analyses use 100).
	Alpha float64

	// NFeat is the number of inputs selected per target (n_feat). Zero
	// means all inputs; NFeat >= the number of inputs also means no
	// selection (the reference warns in that case).
	NFeat int

	// ChunkSize bounds the number of targets processed together
	// (chunk_size). It changes memory use, never results. Zero lets the
	// package choose.
	ChunkSize int

	// Precision selects float64 (default) or float32 arithmetic.
	Precision Precision

	// Workers bounds the number of goroutines; 0 means GOMAXPROCS.
	// Results are identical for every value.
	Workers int

	// Progress, if not nil, is called with the number of targets solved so
	// far and the total, after each block of targets. Calls are sequential
	// (never concurrent) and done increases.
	Progress func(done, total int)

	// TargetShape is the shape of one target sample when targets are N-d
	// (e.g. a 3×2×4 layer); nil means a vector of q targets. Its product
	// must be q, the number of columns of Y, whose columns hold each sample
	// flattened in C (row-major) order. The reference flattens N-d targets
	// in Fortran order; the fit is per target, so the order only relabels
	// targets: W and B come back in the same C order as Y's columns, equal
	// element by element to the reference's N-d W and b.
	TargetShape []int

	// gram forces a Gram strategy in tests.
	gram gramMode
}

type gramMode int

const (
	gramAuto      gramMode = iota
	gramFull               // materialise X̃ᵀX̃ once, gather each target's sub-system
	gramPerTarget          // build each target's (k+1)² system from its selected columns
)

func (o *Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Model is a fitted FastL2LiR model: Y ≈ X·W + B.
//
// A Model is safe for concurrent use by multiple goroutines as long as no
// goroutine modifies it.
type Model struct {
	// W is the p×q weight matrix (inputs × targets). With feature
	// selection, entries of unselected inputs are exactly 0.
	W *mat.Dense
	// B holds the q intercepts.
	B []float64
	// TargetShape is the N-d shape of the targets (nil for a vector); W's
	// columns and B are in C order of this shape.
	TargetShape []int
}

// ErrShape reports inputs whose dimensions do not agree.
var ErrShape = errors.New("fastl2lir: dimension mismatch")

// Fit fits FastL2LiR to inputs x (n×p) and targets y (n×q).
//
// It returns the reference's model (PyFastL2LiR 0.11 FastL2LiR.fit) within
// floating-point tolerance. Errors: dimension mismatch (wrapping ErrShape),
// invalid options, a singular system, or ctx's error.
func Fit(ctx context.Context, x, y mat.Matrix, o *Options) (*Model, error) {
	if o == nil {
		o = &Options{}
	}
	n, _ := x.Dims()
	ny, _ := y.Dims()
	if n != ny {
		return nil, fmt.Errorf("fastl2lir: x has %d rows, y has %d: %w", n, ny, ErrShape)
	}
	return fit(ctx, dense(x), nil, dense(y), o)
}

// FitImages fits the model of Fit(x[index], y) without expanding x: x holds
// each distinct input row once (e.g. the m images of a training set) and
// index[t] is the row of x presented in trial t, the t-th row of y. The fit
// uses image-level sufficient statistics (weighted Gram matrix and summed
// targets), so the cost grows with the number of distinct rows, not trials.
// Results equal Fit on the expanded matrix to floating-point tolerance.
//
// Without feature selection the smaller of the primal ((p+1)²) and the
// image-level dual (distinct rows²) system is solved; both give the same
// solution.
func FitImages(ctx context.Context, x mat.Matrix, index []int, y mat.Matrix, o *Options) (*Model, error) {
	if o == nil {
		o = &Options{}
	}
	m, _ := x.Dims()
	n, _ := y.Dims()
	if len(index) != n {
		return nil, fmt.Errorf("fastl2lir: %d trial indices for %d rows of y: %w", len(index), n, ErrShape)
	}
	for t, d := range index {
		if d < 0 || d >= m {
			return nil, fmt.Errorf("fastl2lir: trial %d refers to input row %d, x has %d rows", t, d, m)
		}
	}
	return fit(ctx, dense(x), index, dense(y), o)
}

// Predict returns X·W + B for inputs x (n×p), in float64 (the reference's
// predict default, whatever the fit precision).
func (m *Model) Predict(x mat.Matrix) (*mat.Dense, error) {
	n, _ := x.Dims()
	_, q := m.W.Dims()
	if n == 0 || q == 0 {
		return nil, fmt.Errorf("fastl2lir: predict with %d samples and %d targets: %w", n, q, ErrShape)
	}
	dst := mat.NewDense(n, q, nil)
	if err := m.PredictTo(dst, x); err != nil {
		return nil, err
	}
	return dst, nil
}
