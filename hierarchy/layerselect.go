package hierarchy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/brainhierarchy/bhscore/internal/nprand"
	"github.com/brainhierarchy/bhscore/internal/npsum"
)

// Method is a layer-selection method.
type Method int

const (
	// Exact averages the score over every admissible subset (first and
	// last layer plus NLayers-2 distinct inner layers), each with equal
	// weight: the expectation the paper's random selection estimates,
	// without sampling noise. Computed from the contingency table.
	Exact Method = iota
	// MonteCarlo averages Repeats random subsets drawn from Src, as the
	// paper does.
	MonteCarlo
	// Numpy reproduces np.random.seed(Seed) followed by the reference's
	// compute_bhscore_layerselect draws bit for bit (numpy's legacy
	// MT19937 and choice without replacement), or continues the stream of
	// RNG when it is set.
	Numpy
)

// String returns "exact", "montecarlo" or "numpy".
func (m Method) String() string {
	switch m {
	case Exact:
		return "exact"
	case MonteCarlo:
		return "montecarlo"
	case Numpy:
		return "numpy"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Default values of Selection.
const (
	DefaultNLayers    = 5
	DefaultRepeats    = 100
	DefaultMaxSubsets = 50_000_000
)

// Chooser draws size distinct indices from [0, n), as numpy's legacy
// np.random.choice(n, size, replace=False) does. NumpyRNG returns one.
type Chooser interface {
	Choice(n, size int, replace bool) []int
}

// NumpyRNG returns a generator seeded as np.random.seed(seed), to carry
// one numpy stream across several calls (Selection.RNG), as the
// notebook's unseeded decoding cell does across networks.
func NumpyRNG(seed uint32) Chooser { return nprand.New(seed) }

// Selection configures layer selection. The zero value is the exact
// expectation over all 5-layer subsets.
//
// A network with fewer layers than NLayers is scored on all its layers
// (the reference raises ValueError); no random numbers are drawn then.
type Selection struct {
	// Method picks the selection method (default Exact).
	Method Method
	// NLayers is the number of layers per subset including the first and
	// the last (>= 2). Zero means DefaultNLayers.
	NLayers int
	// Repeats is the number of random subsets for MonteCarlo and Numpy.
	// Zero means DefaultRepeats.
	Repeats int
	// Src is the random source for MonteCarlo (required there).
	Src rand.Source
	// Seed is the numpy seed for Numpy when RNG is nil.
	Seed uint32
	// RNG, if not nil, is used by Numpy instead of a fresh
	// np.random.seed(Seed) generator.
	RNG Chooser
	// MaxSubsets bounds the number of subsets Exact enumerates; zero
	// means DefaultMaxSubsets. Beyond it Exact returns ErrTooManySubsets.
	MaxSubsets int
}

// ErrTooManySubsets is returned by exact layer selection when the number
// of admissible subsets exceeds Selection.MaxSubsets.
var ErrTooManySubsets = errors.New("hierarchy: too many layer subsets for exact selection")

// Selected is the outcome of layer selection.
type Selected struct {
	// Score is the mean score: the exact expectation (Exact) or the mean
	// of the repeats computed as np.mean does (pairwise summation). It is
	// NaN when any subset (Exact) or repeat scores NaN, as np.mean is.
	Score float64
	// Scores holds the score of every repeat (MonteCarlo, Numpy) or of
	// every subset in lexicographic order (Exact, only when at most
	// 10,000 subsets exist); nil otherwise.
	Scores []float64
	// Draws holds the sorted 0-based inner layers of every repeat
	// (MonteCarlo, Numpy) or subset (Exact, with Scores).
	Draws [][]int
	// Subsets is the number of admissible subsets (Exact); NaNSubsets is
	// how many of them score NaN.
	Subsets, NaNSubsets int
	// AllLayers reports that the network had at most NLayers layers and
	// was scored on all of them.
	AllLayers bool
}

const maxKeptSubsets = 10_000

// Validate reports whether s can be used (NLayers >= 2, Repeats >= 1, a
// known method, a random source for MonteCarlo). Check it before costly
// work that ends in scoring.
func (s *Selection) Validate() error {
	_, err := s.resolve()
	return err
}

func (s *Selection) resolve() (Selection, error) {
	var c Selection
	if s != nil {
		c = *s
	}
	if c.NLayers == 0 {
		c.NLayers = DefaultNLayers
	}
	if c.Repeats == 0 {
		c.Repeats = DefaultRepeats
	}
	if c.MaxSubsets == 0 {
		c.MaxSubsets = DefaultMaxSubsets
	}
	switch {
	case c.NLayers < 2:
		return c, fmt.Errorf("hierarchy: %d layers per subset: need at least 2 (first and last)", c.NLayers)
	case c.Repeats < 1:
		return c, fmt.Errorf("hierarchy: %d repeats", c.Repeats)
	case c.Method == MonteCarlo && c.Src == nil:
		return c, errors.New("hierarchy: Monte-Carlo layer selection needs a random source")
	case c.Method < Exact || c.Method > Numpy:
		return c, fmt.Errorf("hierarchy: unknown layer-selection method %d", int(c.Method))
	}
	return c, nil
}

// SelectLayers scores t under layer selection, as the reference's
// compute_bhscore_layerselect followed by np.mean does (the reference
// scores each subset with compute_bhscore, whose unit selection does not
// depend on the other layers, so scoring subsets of the table is
// equivalent). t's entries are the network's layers in order.
func SelectLayers(ctx context.Context, t *Table, s *Selection) (*Selected, error) {
	return selectLayers(ctx, t, s, true)
}

// selectLayers is SelectLayers; keep false leaves Exact's Scores and
// Draws nil (resampling needs only the score).
func selectLayers(ctx context.Context, t *Table, s *Selection, keep bool) (*Selected, error) {
	c, err := s.resolve()
	if err != nil {
		return nil, err
	}
	L := t.Entries
	if L == 0 {
		return nil, ErrEmpty
	}
	if c.NLayers > L {
		return &Selected{Score: t.Spearman(), AllLayers: true}, nil
	}
	k := c.NLayers - 2
	var w spearmanWork
	w.init(t.Rows)
	idx := make([]int, c.NLayers)
	idx[0], idx[len(idx)-1] = 0, L-1
	switch c.Method {
	case Exact:
		return exact(ctx, t, &w, idx, k, c.MaxSubsets, keep)
	case MonteCarlo, Numpy:
		var choose func(n, size int) []int
		if c.Method == Numpy {
			rng := c.RNG
			if rng == nil {
				rng = nprand.New(c.Seed)
			}
			choose = func(n, size int) []int { return rng.Choice(n, size, false) }
		} else {
			r := rand.New(c.Src)
			perm := make([]int, L-2)
			choose = func(n, size int) []int {
				for i := range perm {
					perm[i] = i
				}
				for i := 0; i < size; i++ {
					j := i + r.IntN(n-i)
					perm[i], perm[j] = perm[j], perm[i]
				}
				return perm[:size]
			}
		}
		out := &Selected{Scores: make([]float64, c.Repeats), Draws: make([][]int, c.Repeats)}
		for rep := range c.Repeats {
			if rep%256 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			d := slices.Clone(choose(L-2, k))
			for i := range d {
				d[i]++
			}
			slices.Sort(d)
			copy(idx[1:], d)
			out.Draws[rep] = d
			out.Scores[rep] = w.score(t, idx)
		}
		out.Score = npMean(out.Scores)
		return out, nil
	}
	panic("unreachable")
}

// binomial returns C(n, k), or -1 when it exceeds limit.
func binomial(n, k, limit int) int {
	if k < 0 || k > n {
		return 0
	}
	k = min(k, n-k)
	c := 1
	for i := 1; i <= k; i++ {
		// c*(n-k+i) may overflow only when c is already huge.
		if c > math.MaxInt/(n-k+i) {
			return -1
		}
		c = c * (n - k + i) / i
		if c > limit {
			return -1
		}
	}
	return c
}

func exact(ctx context.Context, t *Table, w *spearmanWork, idx []int, k, limit int, keepAll bool) (*Selected, error) {
	L := t.Entries
	total := binomial(L-2, k, limit)
	if total < 0 {
		return nil, fmt.Errorf("%w: C(%d, %d) > %d", ErrTooManySubsets, L-2, k, limit)
	}
	out := &Selected{Subsets: total}
	keep := keepAll && total <= maxKeptSubsets
	if keep {
		out.Scores = make([]float64, 0, total)
		out.Draws = make([][]int, 0, total)
	}
	// Enumerate combinations of 1..L-2 in lexicographic order; sum with
	// Neumaier compensation so the mean does not depend on the count.
	comb := idx[1 : 1+k]
	for i := range comb {
		comb[i] = i + 1
	}
	var sum, comp float64
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		v := w.score(t, idx)
		if keep {
			out.Scores = append(out.Scores, v)
			out.Draws = append(out.Draws, slices.Clone(comb))
		}
		if math.IsNaN(v) {
			out.NaNSubsets++
		} else {
			s := sum + v
			if math.Abs(sum) >= math.Abs(v) {
				comp += (sum - s) + v
			} else {
				comp += (v - s) + sum
			}
			sum = s
		}
		// Next combination.
		i := k - 1
		for i >= 0 && comb[i] == L-2-(k-1-i) {
			i--
		}
		if i < 0 {
			break
		}
		comb[i]++
		for j := i + 1; j < k; j++ {
			comb[j] = comb[j-1] + 1
		}
	}
	if out.NaNSubsets > 0 {
		out.Score = math.NaN()
	} else {
		out.Score = (sum + comp) / float64(total)
	}
	return out, nil
}

// npMean returns the mean of x as np.mean does for a contiguous float64
// array (internal/npsum: numpy's pairwise summation).
func npMean(x []float64) float64 { return npsum.Mean(x) }
