package hierarchy

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Default values of Resampling.
const (
	DefaultReplicates = 1000
	DefaultLevel      = 0.95
)

// Resampling configures Bootstrap and Permutation.
type Resampling struct {
	// Replicates is the number of resamples; zero means
	// DefaultReplicates.
	Replicates int
	// Src is the random source (required).
	Src rand.Source
	// Level is the confidence level of Bootstrap intervals; zero means
	// DefaultLevel.
	Level float64
	// Select, if not nil, scores every replicate with layer selection
	// (SelectLayers with these settings); nil scores all entries at once
	// as Compute does. Exact selection on a many-layer network costs one
	// full enumeration per replicate.
	Select *Selection
}

func (r *Resampling) resolve() (Resampling, error) {
	var c Resampling
	if r != nil {
		c = *r
	}
	if c.Replicates == 0 {
		c.Replicates = DefaultReplicates
	}
	if c.Level == 0 {
		c.Level = DefaultLevel
	}
	switch {
	case c.Src == nil:
		return c, errors.New("hierarchy: resampling needs a random source")
	case c.Replicates < 1:
		return c, errors.New("hierarchy: resampling needs at least one replicate")
	case !(c.Level > 0 && c.Level < 1):
		return c, errors.New("hierarchy: confidence level outside (0, 1)")
	}
	return c, nil
}

func (c *Resampling) score(ctx context.Context, t *Table) (float64, error) {
	if c.Select == nil {
		return t.Spearman(), nil
	}
	s, err := selectLayers(ctx, t, c.Select, false)
	if err != nil {
		return 0, err
	}
	return s.Score, nil
}

// Interval is a bootstrap confidence interval.
type Interval struct {
	// Lo and Hi are the percentile bounds (linear interpolation, as
	// numpy.percentile) over the replicates that are not NaN.
	Lo, Hi float64
	// Replicates holds every replicate's score; NaN counts those that are
	// NaN.
	Replicates []float64
	NaN        int
}

// Bootstrap returns a percentile confidence interval of the score of res
// by resampling units: every entry's units are drawn with replacement
// (as many as it has), which the per-unit accuracies allow; resampling
// test images would need the predictions, which accuracy files do not
// hold. A unit's selection and best row do not depend on other units, so
// a replicate is a multinomial draw of each entry's row of the
// contingency table (with "not selected" as an extra category).
func Bootstrap(ctx context.Context, res *Result, r *Resampling) (*Interval, error) {
	c, err := r.resolve()
	if err != nil {
		return nil, err
	}
	out := &Interval{Replicates: make([]float64, c.Replicates)}
	if err := c.bootstrapInto(ctx, res, c.Src, out.Replicates); err != nil {
		return nil, err
	}
	out.finish(c.Level)
	return out, nil
}

// bootstrapInto fills dst with bootstrap replicates of res's score drawn
// from src.
func (c *Resampling) bootstrapInto(ctx context.Context, res *Result, src rand.Source, dst []float64) error {
	return c.bootstrapSubjectsInto(ctx, res, nil, src, dst)
}

// bootstrapSubjectsInto fills dst with bootstrap replicates drawn from src.
// With subjects (per-subject results whose tables sum to pooled's), a
// replicate first draws len(subjects) subjects with replacement, then each
// drawn subject's units; otherwise it draws pooled's units.
func (c *Resampling) bootstrapSubjectsInto(ctx context.Context, pooled *Result, subjects []*Result, src rand.Source, dst []float64) error {
	t := pooled.Table
	rt := &Table{Entries: t.Entries, Rows: t.Rows, Counts: make([]int, len(t.Counts))}
	bin := distuv.Binomial{Src: src}
	rng := rand.New(src)
	for rep := range dst {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(subjects) == 0 {
			drawUnits(rt, pooled, &bin, false)
		} else {
			clear(rt.Counts)
			for range subjects {
				drawUnits(rt, subjects[rng.IntN(len(subjects))], &bin, true)
			}
		}
		v, err := c.score(ctx, rt)
		if err != nil {
			return err
		}
		dst[rep] = v
	}
	return nil
}

// drawUnits redraws the units of every entry of res with replacement (a
// multinomial draw of each entry's row of the contingency table, "not
// selected" being one more category) into rt, adding to its counts when
// add is set.
func drawUnits(rt *Table, res *Result, bin *distuv.Binomial, add bool) {
	t := res.Table
	for i, l := range res.Entries {
		left := l.Units
		rem := 1.0
		for k := 0; k < t.Rows; k++ {
			cnt := t.Counts[i*t.Rows+k]
			var x int
			if left > 0 && cnt > 0 && rem > 0 {
				p := math.Min(1, float64(cnt)/float64(l.Units)/rem)
				bin.N, bin.P = float64(left), p
				x = int(bin.Rand())
			}
			if add {
				rt.Counts[i*t.Rows+k] += x
			} else {
				rt.Counts[i*t.Rows+k] = x
			}
			left -= x
			rem -= float64(cnt) / float64(l.Units)
		}
	}
}

// finish sets NaN, Lo and Hi from the replicates.
func (out *Interval) finish(level float64) {
	ok := make([]float64, 0, len(out.Replicates))
	out.NaN = 0
	for _, v := range out.Replicates {
		if math.IsNaN(v) {
			out.NaN++
		} else {
			ok = append(ok, v)
		}
	}
	slices.Sort(ok)
	a := (1 - level) / 2
	out.Lo, out.Hi = percentile(ok, a), percentile(ok, 1-a)
}

// percentile returns the q-quantile of sorted x with numpy's default
// linear interpolation; NaN for empty x.
func percentile(x []float64, q float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	h := q * float64(len(x)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(x) {
		return x[len(x)-1]
	}
	return x[i] + (h-lo)*(x[i+1]-x[i])
}

// Null is the outcome of a permutation test.
type Null struct {
	// Observed is the score with the true layer order.
	Observed float64
	// P is the one-sided p-value (1 + #{null >= observed}) / (1 + n) for
	// a hierarchy at least as brain-like as observed under shuffled
	// layer order (NaN replicates never count as >=). NaN when Observed
	// is NaN.
	P float64
	// Scores holds every replicate's score.
	Scores []float64
}

// Permutation tests the score of res against a null of shuffled entry
// order: every replicate permutes all entries (layers for decoding,
// including the first and last) and rescores.
func Permutation(ctx context.Context, res *Result, r *Resampling) (*Null, error) {
	c, err := r.resolve()
	if err != nil {
		return nil, err
	}
	obs, err := c.score(ctx, res.Table)
	if err != nil {
		return nil, err
	}
	out := &Null{Observed: obs, Scores: make([]float64, c.Replicates)}
	if err := c.permuteInto(ctx, res.Table, c.Src, out.Scores); err != nil {
		return nil, err
	}
	out.P = pValue(obs, out.Scores)
	return out, nil
}

// permuteInto fills dst with the scores of t under random entry orders
// drawn from src.
func (c *Resampling) permuteInto(ctx context.Context, t *Table, src rand.Source, dst []float64) error {
	rng := rand.New(src)
	perm := make([]int, t.Entries)
	for i := range perm {
		perm[i] = i
	}
	pt := &Table{Entries: t.Entries, Rows: t.Rows, Counts: make([]int, len(t.Counts))}
	for rep := range dst {
		if err := ctx.Err(); err != nil {
			return err
		}
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for i, p := range perm {
			copy(pt.Counts[i*t.Rows:(i+1)*t.Rows], t.Counts[p*t.Rows:(p+1)*t.Rows])
		}
		v, err := c.score(ctx, pt)
		if err != nil {
			return err
		}
		dst[rep] = v
	}
	return nil
}

// pValue returns (1 + #{null >= obs}) / (1 + len(null)), NaN for a NaN
// observation (NaN replicates never count).
func pValue(obs float64, null []float64) float64 {
	if math.IsNaN(obs) {
		return math.NaN()
	}
	ge := 0
	for _, v := range null {
		if v >= obs {
			ge++
		}
	}
	return float64(1+ge) / float64(1+len(null))
}
