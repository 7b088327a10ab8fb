package fastl2lir

import (
	"fmt"
	"unsafe"

	"github.com/brainhierarchy/bhscore/internal/linalg"
)

// subSolver solves the per-target systems of the selection branch: for one
// target with selected input columns S (ascending), the (k+1)² system
// (X̃ᵀX̃ + αI)[S̃,S̃] w = (X̃ᵀy)[S̃], S̃ = S plus the bias, by Cholesky. It
// holds one worker's scratch space and is reused from target to target;
// it is not safe for concurrent use.
//
// Use: fill the system with fromGram or fromColumns, the right-hand side
// rhs(k) (selected columns in the order of S, then the bias), then solve;
// the solution replaces the right-hand side.
type subSolver[T linalg.Float] struct {
	k   int     // capacity: the largest number of selected columns
	a   []T     // the system, row-major upper triangle, leading dimension k+1 of the current system
	r   []T     // right-hand side, then solution
	idx []int32 // selected columns and the bias (fromGram), or 0…k (fromColumns)
	xs  []T     // gathered columns (fromColumns callers), k×m

	// The refined float64 solve (mixed): the float32 rounding of a, ‖a‖∞,
	// and whether they are current.
	mixed  bool
	a32    []float32
	anrm   float64
	rowsum []float64
	ready  bool
	rw     linalg.RefineWork
}

func newSubSolver[T linalg.Float](k int) *subSolver[T] {
	s := &subSolver[T]{k: k, a: make([]T, (k+1)*(k+1)), r: make([]T, k+1), idx: make([]int32, k+1)}
	if unsafe.Sizeof(T(0)) == 8 && linalg.Refine {
		s.mixed = true
		s.a32 = make([]float32, (k+1)*(k+1))
		s.rowsum = make([]float64, k+1)
	}
	return s
}

// cols returns scratch for k gathered columns of length m (row-major,
// leading dimension m), for callers of fromColumns.
func (s *subSolver[T]) cols(k, m int) []T {
	if cap(s.xs) < k*m {
		s.xs = make([]T, k*m)
	}
	return s.xs[:k*m]
}

// rhs returns the right-hand side of a system with k selected columns.
func (s *subSolver[T]) rhs(k int) []T { return s.r[:k+1] }

// fromGram writes the system of the columns idx (ascending, all < p) from
// g, the upper triangle of X̃ᵀX̃ + αI ((p+1)², bias last, row-major,
// leading dimension ld). Rows of g are read in ascending order, each
// from its diagonal on, so the gather streams through g once.
func (s *subSolver[T]) fromGram(g []T, ld, p int, idx []int32) {
	K := len(idx) + 1
	all := s.idx[:K]
	copy(all, idx)
	all[K-1] = int32(p)
	s.gather(g, ld, all)
}

// gather writes the system a[r][c] = g[idx[r]][idx[c]] (upper triangle),
// and for the mixed solve its float32 rounding and norm in the same pass.
func (s *subSolver[T]) gather(g []T, ld int, idx []int32) {
	K := len(idx)
	if s.mixed {
		s.anrm = linalg.GatherUpperMixed(K, any(g).([]float64), ld, idx, any(s.a).([]float64), s.a32, K, s.rowsum)
		s.ready = true
		return
	}
	linalg.GatherUpper(K, g, ld, idx, s.a, K)
}

// fromColumns writes the system of k selected columns held in cols (k rows
// of length m, row-major, leading dimension ldc: the √c-weighted columns
// of X in the order of S, see prob), with colSum(r) the trial-level sum of
// selected column r, n the number of trials and alpha the penalty.
func (s *subSolver[T]) fromColumns(k, m int, cols []T, ldc int, colSum func(r int) float64, n float64, alpha T) {
	K := k + 1
	a := s.a[:K*K]
	linalg.SyrkUpper(false, k, m, 1, cols, ldc, 0, a, K)
	for r := range k {
		a[r*K+k] = T(colSum(r))
	}
	a[k*K+k] = T(n)
	for r := range K {
		a[r*K+r] += alpha
	}
	s.ready = false
}

// solve solves the system with k selected columns in place in rhs(k).
// float64 systems are solved with a float32 factorisation and float64
// refinement where the backend makes that faster (linalg.Refine), with a
// float64 factorisation otherwise or when refinement fails. When Cholesky
// rejects the system (not positive definite, NaN), rebuild is called to
// write it again and it is solved by the LU fallback.
func (s *subSolver[T]) solve(k int, rebuild func()) error {
	K := k + 1
	a, r := s.a[:K*K], s.r[:K]
	if s.mixed {
		if !s.ready {
			// fromColumns: round and take the norm of the system in place
			// (the gather of a from itself with the identity).
			id := s.idx[:K]
			for i := range id {
				id[i] = int32(i)
			}
			s.gather(a, K, id)
		}
		s.ready = false
		if linalg.SolveRefined(K, any(a).([]float64), s.a32, K, s.anrm, any(r).([]float64), &s.rw) {
			return nil
		}
	}
	if linalg.CholUpper(K, a, K) {
		linalg.CholSolveUpper(K, a, K, r)
		return nil
	}
	rebuild()
	return solveFallback(K, 1, a, K, r, 1, true)
}

// errTarget names the target of a failed solve.
func errTarget(err error, j int) error { return fmt.Errorf("%w (target %d)", err, j) }
