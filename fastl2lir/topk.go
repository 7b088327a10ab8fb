package fastl2lir

import (
	"math"
	"math/bits"
	"slices"
)

// cand is one input column competing for a target's selection: key orders
// |r| (NaN above +Inf above every finite value), h is the (Yᵀ X̃)[t, idx]
// entry of the right-hand side the solve needs if the column is selected.
type cand struct {
	key uint64
	h   float64
	idx int32
}

// corrKey maps |r| to an unsigned key whose order is numpy's argsort order
// of abs(r) with NaN after +Inf.
func corrKey(r float64) uint64 {
	if math.IsNaN(r) {
		return 0x7ff8000000000000
	}
	return math.Float64bits(math.Abs(r))
}

// better is the strict total order of the selection: larger |r| first, NaN
// first of all; among equal keys the larger column index first, which is
// what a stable ascending argsort reversed with [::-1] gives (numpy's
// default argsort is not stable, so exact ties are implementation-defined
// in the reference).
func better(a, b cand) bool {
	return a.key > b.key || (a.key == b.key && a.idx > b.idx)
}

// topk keeps the k best candidates of a stream. Candidates are appended to
// a buffer of capacity ≥ k+1; when it fills, a selection keeps the k best
// and their worst becomes a threshold that rejects most later candidates
// with one comparison.
type topk struct {
	k      int
	buf    []cand
	thr    cand
	hasThr bool
	// thrAbs is |r| of thr for push's quick rejection: NaN (never
	// rejects) without a threshold or when the threshold is NaN.
	thrAbs float64
}

func newTopk(k, capacity int) topk {
	return topk{k: k, buf: make([]cand, 0, max(capacity, k+1)), thrAbs: math.NaN()}
}

func (t *topk) reset() {
	t.buf = t.buf[:0]
	t.hasThr = false
	t.thrAbs = math.NaN()
}

func (t *topk) push(c cand) {
	if t.hasThr && !better(c, t.thr) {
		return
	}
	t.buf = append(t.buf, c)
	if len(t.buf) == cap(t.buf) {
		t.prune()
	}
}

func (t *topk) prune() {
	selectBest(t.buf, t.k)
	t.buf = t.buf[:t.k]
	// The k-th best is the worst of the kept ones.
	w := t.buf[0]
	for _, c := range t.buf[1:] {
		if better(w, c) {
			w = c
		}
	}
	t.thr, t.hasThr = w, true
	t.thrAbs = math.Float64frombits(w.key) // NaN for a NaN key
}

// final returns the k best candidates sorted by ascending column index.
func (t *topk) final() []cand {
	if len(t.buf) > t.k {
		selectBest(t.buf, t.k)
		t.buf = t.buf[:t.k]
	}
	slices.SortFunc(t.buf, func(a, b cand) int { return int(a.idx) - int(b.idx) })
	return t.buf
}

// selectBest reorders a so that a[:k] holds its k best elements (in no
// particular order): quickselect with median-of-three pivots, falling back
// to a full sort after too many unbalanced rounds.
func selectBest(a []cand, k int) {
	if k <= 0 || k >= len(a) {
		return
	}
	lo, hi := 0, len(a)-1
	target := k - 1
	budget := 2 * bits.Len(uint(len(a)))
	for hi-lo > 8 {
		if budget == 0 {
			slices.SortFunc(a[lo:hi+1], func(x, y cand) int {
				if better(x, y) {
					return -1
				}
				return 1
			})
			return
		}
		budget--
		mid := lo + (hi-lo)/2
		// median of three into a[hi]
		if better(a[mid], a[lo]) {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if better(a[hi], a[lo]) {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if better(a[mid], a[hi]) {
			a[mid], a[hi] = a[hi], a[mid]
		}
		p := a[hi]
		s := lo
		for i := lo; i < hi; i++ {
			if better(a[i], p) {
				a[i], a[s] = a[s], a[i]
				s++
			}
		}
		a[s], a[hi] = a[hi], a[s]
		switch {
		case s == target:
			return
		case target < s:
			hi = s - 1
		default:
			lo = s + 1
		}
	}
	// insertion sort of the small remainder
	for i := lo + 1; i <= hi; i++ {
		for j := i; j > lo && better(a[j], a[j-1]); j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
