package hierarchy

import (
	"math"
	"slices"
	"sort"
)

// Table is the contingency table of selected units: Count(i, r) is the
// number of selected units of entry i whose best row is r. Spearman's rho
// between two discrete variables depends only on this table, which makes
// layer selection, bootstrap and permutation tests cheap.
type Table struct {
	// Entries and Rows are the table's dimensions.
	Entries, Rows int
	// Counts holds the counts row-major: Counts[i*Rows+r].
	Counts []int
}

// NewTable tabulates the best rows of the selected units of each entry.
func NewTable(layers []Entry, rows int) *Table {
	t := &Table{Entries: len(layers), Rows: rows, Counts: make([]int, len(layers)*rows)}
	for i, l := range layers {
		for _, r := range l.Top {
			t.Counts[i*rows+r]++
		}
	}
	return t
}

// Count returns the number of selected units of entry i with best row r.
func (t *Table) Count(i, r int) int { return t.Counts[i*t.Rows+r] }

// Spearman returns Spearman's rho between entry position and best row
// over all units of t, with average ranks for ties, as scipy.stats.spearmanr
// of the reference's flattened lists: NaN when fewer than two units or
// when either variable is constant.
func (t *Table) Spearman() float64 {
	var w spearmanWork
	w.init(t.Rows)
	idx := make([]int, t.Entries)
	for i := range idx {
		idx[i] = i
	}
	return w.score(t, idx)
}

// spearmanWork holds scratch space for scoring subsets of a table's
// entries without allocating.
type spearmanWork struct {
	colTot []float64
	colRnk []float64
}

func (w *spearmanWork) init(rows int) {
	w.colTot = make([]float64, rows)
	w.colRnk = make([]float64, rows)
}

// score returns Spearman's rho over the entries idx (in that order) of t.
// With N units, entry j holding n_j units gets the average rank
// Q_j = sum_{j'<j} n_j' + (n_j+1)/2, best row r with column total T_r
// gets R_r likewise, and rho is the Pearson correlation of the ranks,
// i.e. sum c_jr q_j ρ_r / sqrt(sum n_j q_j² · sum T_r ρ_r²) with
// centred ranks q, ρ (both have mean (N+1)/2).
func (w *spearmanWork) score(t *Table, idx []int) float64 {
	sxx, syy, sxy, n := w.sums(t, idx)
	if n < 2 || sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return corrcoef(sxx, syy, sxy, n)
}

// sums returns the sums of squared and crossed centred ranks of entry
// position (x) and best row (y) over the units of entries idx, and the
// number of units.
func (w *spearmanWork) sums(t *Table, idx []int) (sxx, syy, sxy, n float64) {
	rows := t.Rows
	clear(w.colTot)
	for _, i := range idx {
		c := t.Counts[i*rows : (i+1)*rows]
		for r, v := range c {
			w.colTot[r] += float64(v)
		}
	}
	for _, v := range w.colTot {
		n += v
	}
	if n < 2 {
		return 0, 0, 0, n
	}
	mean := (n + 1) / 2
	var cum float64
	for r, v := range w.colTot {
		rho := cum + (v+1)/2 - mean
		w.colRnk[r] = rho
		syy += v * rho * rho
		cum += v
	}
	cum = 0
	for _, i := range idx {
		c := t.Counts[i*rows : (i+1)*rows]
		var nj, dot float64
		for r, v := range c {
			if v != 0 {
				fv := float64(v)
				nj += fv
				dot += fv * w.colRnk[r]
			}
		}
		if nj == 0 {
			continue
		}
		q := cum + (nj+1)/2 - mean
		sxx += nj * q * q
		sxy += q * dot
		cum += nj
	}
	return sxx, syy, sxy, n
}

// corrcoef finishes np.corrcoef(ranks, rowvar=False)[1, 0] as
// scipy.stats.spearmanr takes it, from the sums of squared and crossed
// deviations of the n centred ranks x (entry position) and y (best row):
// np.cov scales by the float64 reciprocal 1/(n-1), np.corrcoef divides by
// the standard deviation of y, then of x, and clips to [-1, 1].
//
// Ranks are multiples of 1/2 and their mean is (n+1)/2 exactly, so the
// deviations, their products and every partial sum are exact in float64
// whatever the summation order (numpy's BLAS dot included) while
// n³/3 < 2⁵³, i.e. below about 300,000 units; the result is then
// bit-identical to scipy's.
func corrcoef(sxx, syy, sxy, n float64) float64 {
	inv := 1 / (n - 1)
	c := sxy * inv
	sx := math.Sqrt(sxx * inv)
	sy := math.Sqrt(syy * inv)
	return max(-1, min(1, c/sy/sx))
}

// Spearman returns Spearman's rank correlation of x and y as
// scipy.stats.spearmanr (nan_policy "propagate") does for two 1-d
// arrays: average ranks for ties, then the Pearson correlation of the
// ranks, finished as np.corrcoef does (bit-identical to scipy below about
// 300,000 values; see corrcoef). It returns NaN when len(x) < 2, when either input is constant
// or when any value is NaN. x and y must have the same length.
func Spearman(x, y []float64) float64 {
	if len(x) != len(y) {
		panic("hierarchy: Spearman: length mismatch")
	}
	if len(x) < 2 {
		return math.NaN()
	}
	if slices.ContainsFunc(x, math.IsNaN) || slices.ContainsFunc(y, math.IsNaN) {
		return math.NaN()
	}
	rx, ry := rank(x), rank(y)
	n := float64(len(x))
	mean := (n + 1) / 2
	var sxx, syy, sxy float64
	for i := range rx {
		dx, dy := rx[i]-mean, ry[i]-mean
		sxx += dx * dx
		syy += dy * dy
		sxy += dx * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return corrcoef(sxx, syy, sxy, n)
}

// rank returns 1-based average ranks (scipy.stats.rankdata "average").
func rank(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && x[idx[j]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2
		for k := i; k < j; k++ {
			r[idx[k]] = avg
		}
		i = j
	}
	return r
}
