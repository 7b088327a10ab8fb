package hierarchy

import (
	"errors"
	"fmt"
	"math"
	"unsafe"
)

// Float is the element type of accuracy arrays: float32 as stored in
// accuracy.mat files, or float64.
type Float interface {
	~float32 | ~float64
}

// TStatistic selects the t statistic of the significance test.
type TStatistic int

const (
	// ReferenceT is the statistic of the published code,
	// t = r·sqrt((n-2)·(1-r²)). It never exceeds sqrt((n-2)/4), gives
	// p = 1 at r = 1 and so rejects the best-predicted units. It is the
	// default because it reproduces the published scores.
	ReferenceT TStatistic = iota
	// TextbookT is the usual test of a Pearson correlation,
	// t = r·sqrt((n-2)/(1-r²)).
	TextbookT
)

// String returns "reference" or "textbook".
func (t TStatistic) String() string {
	switch t {
	case ReferenceT:
		return "reference"
	case TextbookT:
		return "textbook"
	}
	return fmt.Sprintf("TStatistic(%d)", int(t))
}

// Default values of Settings.
const (
	DefaultPValue = 0.05
	DefaultNTest  = 50
)

// Settings control unit selection. The zero value is the published
// analysis: p < 0.05, 50 test images, the reference t statistic.
type Settings struct {
	// PValue is the significance threshold; a unit is kept iff its
	// two-sided p < PValue (strict) and its best accuracy is > 0.
	// Zero means DefaultPValue.
	PValue float64
	// NTest is the number of test images the accuracies were computed
	// over; the test has NTest-2 degrees of freedom. The reference
	// hard-codes 50. Zero means DefaultNTest; otherwise it must be >= 3.
	NTest int
	// T selects the t statistic (default ReferenceT).
	T TStatistic
}

// Validate reports whether s can be used: a p-value threshold in (0, 1),
// at least 3 test images and a known t statistic. Check it before costly
// work that ends in scoring.
func (s *Settings) Validate() error {
	_, _, _, err := s.resolve()
	return err
}

func (s *Settings) resolve() (pval float64, df int, tstat TStatistic, err error) {
	pval, n, tstat := DefaultPValue, DefaultNTest, ReferenceT
	if s != nil {
		if s.PValue != 0 {
			pval = s.PValue
		}
		if s.NTest != 0 {
			n = s.NTest
		}
		tstat = s.T
	}
	switch {
	case !(pval > 0 && pval < 1):
		return 0, 0, 0, fmt.Errorf("hierarchy: p-value threshold %v outside (0, 1)", pval)
	case n < 3:
		return 0, 0, 0, fmt.Errorf("hierarchy: %d test images: need at least 3", n)
	case tstat != ReferenceT && tstat != TextbookT:
		return 0, 0, 0, fmt.Errorf("hierarchy: unknown t statistic %d", int(tstat))
	}
	return pval, n - 2, tstat, nil
}

// ErrEmpty is returned when there is nothing to score.
var ErrEmpty = errors.New("hierarchy: no layers")

// Entry is the result of unit selection for one entry of the input list
// (a DNN layer for decoding, an ROI for encoding).
type Entry struct {
	// Units is the number of units (columns) in the entry.
	Units int
	// Selected holds the 0-based indices of the units that pass the
	// test, in increasing order.
	Selected []int
	// Top holds the best row (ROI for decoding, layer for encoding) of
	// each selected unit, aligned with Selected: the reference's
	// "top ROIs".
	Top []int
}

// Result is the outcome of Compute.
type Result struct {
	// Score is the BH score: Spearman's rho between entry position and
	// best row over all selected units. NaN when fewer than two units
	// are selected or either variable is constant (as scipy returns).
	Score float64
	// Entries holds the per-entry selection.
	Entries []Entry
	// Table is the contingency table of entries × best rows.
	Table *Table
}

// TopROIs selects the units of one entry and returns their indices and
// best rows. acc[row][unit] holds the accuracies of every unit for every
// row (all rows must have the same length). NaN accuracies count as 0,
// the best row is the first row with the maximum (numpy's argmax), and a
// unit is kept iff its maximum is > 0 and its p-value is < the threshold.
// For float32 input the t statistic is evaluated in float32, as numpy
// does for the float32 arrays loaded from accuracy.mat files. acc is not
// modified.
func TopROIs[T Float](acc [][]T, s *Settings) (selected, top []int, err error) {
	pval, df, tstat, err := s.resolve()
	if err != nil {
		return nil, nil, err
	}
	return topROIs(acc, pval, df, tstat)
}

func topROIs[T Float](acc [][]T, pval float64, df int, tstat TStatistic) (selected, top []int, err error) {
	if len(acc) == 0 {
		return nil, nil, errors.New("hierarchy: no rows")
	}
	n := len(acc[0])
	for r, row := range acc {
		if len(row) != n {
			return nil, nil, fmt.Errorf("hierarchy: row %d has %d units, row 0 has %d", r, len(row), n)
		}
	}
	var zero T
	is32 := unsafe.Sizeof(zero) == 4
	lo, hi := tBand(pval, df)
	for u := 0; u < n; u++ {
		best := 0
		m := acc[0][u]
		if m != m {
			m = 0
		}
		for r := 1; r < len(acc); r++ {
			v := acc[r][u]
			if v != v {
				v = 0
			}
			if v > m {
				m, best = v, r
			}
		}
		if !(m > 0) {
			continue
		}
		var t float64
		if is32 {
			t = tStat32(float32(m), df, tstat)
		} else {
			t = tStat64(float64(m), df, tstat)
		}
		// Outside a narrow band around the critical t the decision is
		// certain; inside it, evaluate p exactly as the reference does.
		keep := t > hi
		if !keep && t >= lo {
			keep = 2*(1-studentTCDF(t, df)) < pval
		}
		if keep {
			selected = append(selected, u)
			top = append(top, best)
		}
	}
	return selected, top, nil
}

func tStat64(r float64, df int, tstat TStatistic) float64 {
	r2 := r * r
	if tstat == TextbookT {
		return r * math.Sqrt(float64(df)/(1-r2))
	}
	return r * math.Sqrt(float64(df)*(1-r2))
}

// tStat32 evaluates the statistic in float32 arithmetic, rounding after
// every operation as numpy does.
func tStat32(r float32, df int, tstat TStatistic) float64 {
	r2 := float32(r * r)
	om := float32(1 - r2)
	var inner float32
	if tstat == TextbookT {
		inner = float32(float32(df) / om)
	} else {
		inner = float32(float32(df) * om)
	}
	sq := float32(math.Sqrt(float64(inner)))
	return float64(float32(r * sq))
}

// Compute returns the BH score of one network as the reference's
// compute_bhscore does. acc[i][row][unit]: for decoding, i runs over
// layers (in hierarchical order) and rows over ROIs; for encoding, i runs
// over ROIs and rows over layers. Entries may have different numbers of
// units but must have the same number of rows. The caller's arrays are
// not modified (the reference writes 0 into their NaN entries).
func Compute[T Float](acc [][][]T, s *Settings) (*Result, error) {
	pval, df, tstat, err := s.resolve()
	if err != nil {
		return nil, err
	}
	if len(acc) == 0 {
		return nil, ErrEmpty
	}
	rows := len(acc[0])
	res := &Result{Entries: make([]Entry, len(acc))}
	for i, a := range acc {
		if len(a) != rows {
			return nil, fmt.Errorf("hierarchy: entry %d has %d rows, entry 0 has %d", i, len(a), rows)
		}
		sel, top, err := topROIs(a, pval, df, tstat)
		if err != nil {
			return nil, fmt.Errorf("%w (entry %d)", err, i)
		}
		units := 0
		if rows > 0 {
			units = len(a[0])
		}
		res.Entries[i] = Entry{Units: units, Selected: sel, Top: top}
	}
	res.Table = NewTable(res.Entries, rows)
	res.Score = res.Table.Spearman()
	return res, nil
}

// tBand returns bounds lo < tcrit < hi around the critical t of the
// two-sided test (p(t) = 2(1 - CDF(t)) crosses pval at tcrit) such that
// every t < lo fails and every t > hi passes; p is monotone and computed
// to ~1e-15, far inside the band's 1e-9 relative margin.
func tBand(pval float64, df int) (lo, hi float64) {
	if pval >= 1 {
		// p < 1 iff t > 0 (up to rounding): always evaluate exactly.
		return math.Inf(-1), math.Inf(1)
	}
	a, b := 0.0, 1.0
	for 2*(1-studentTCDF(b, df)) >= pval {
		a, b = b, 2*b
		if b > 1e300 {
			return math.Inf(-1), math.Inf(1)
		}
	}
	for range 200 {
		m := (a + b) / 2
		if m == a || m == b {
			break
		}
		if 2*(1-studentTCDF(m, df)) < pval {
			b = m
		} else {
			a = m
		}
	}
	return a * (1 - 1e-9), b * (1 + 1e-9)
}
