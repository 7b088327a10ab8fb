package hierarchy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"
)

// Network is one network's observed results, the input of Uncertainty.
type Network struct {
	// Name identifies the network in errors.
	Name string
	// Decoding and Encoding are Compute's results for the two directions
	// (decoding: layers × ROIs; encoding: ROIs × layers); nil skips that
	// direction.
	Decoding, Encoding *Result
	// DecodingScore and EncodingScore are the observed scores as
	// reported (NaN for a skipped direction): permutation p-values are
	// taken against them and the observed ranking is by their mean.
	DecodingScore, EncodingScore float64
	// Subjects optionally holds each subject's results (Scoring with that
	// subject alone), whose tables sum to Decoding's and Encoding's. With
	// at least Uncertainty.MinSubjects of them the bootstrap resamples
	// subjects too.
	Subjects []SubjectResults
}

// SubjectResults are one subject's results of both directions.
type SubjectResults struct {
	Decoding, Encoding *Result
}

// NetworkOf returns the Network of Scoring.Score's outcome.
func NetworkOf(name string, s *Scores) Network {
	return Network{Name: name, Decoding: s.DecodingResult, Encoding: s.EncodingResult, DecodingScore: s.Decoding, EncodingScore: s.Encoding}
}

// Default values of Uncertainty.
const (
	DefaultBootstrap    = DefaultReplicates
	DefaultPermutations = DefaultReplicates
	DefaultMinSubjects  = 5
	// chunkReplicates is the number of replicates one task draws from
	// its own stream: the unit of parallel work.
	chunkReplicates = 50
)

// Uncertainty configures Uncertainties. The zero value (with a Src) runs
// 1,000 bootstrap replicates and 1,000 permutations per network and
// direction at the 95% level, scoring decoding with the exact 5-layer
// expectation.
type Uncertainty struct {
	// Bootstrap and Permutations are the numbers of bootstrap replicates
	// and of permutations; zero means the defaults (1,000 each), negative
	// skips that analysis.
	Bootstrap, Permutations int
	// Level is the confidence level of the intervals; zero means
	// DefaultLevel (0.95).
	Level float64
	// Src seeds every random stream (required). Uncertainties draws two
	// 64-bit words per task from it, in a fixed order, before any work
	// starts: results depend on Src alone, not on Workers.
	Src rand.Source
	// Select scores decoding replicates with layer selection (nil: the
	// exact 5-layer expectation, as Scoring does). Numpy selection
	// re-seeds np.random.seed(Select.Seed) for every replicate (RNG is
	// ignored: a shared stream would make replicates depend on
	// scheduling); MonteCarlo draws from each task's own stream (Src is
	// ignored).
	Select *Selection
	// MinSubjects is the number of subjects (Network.Subjects) from which
	// the bootstrap resamples subjects as well as units: each replicate
	// draws that many subjects with replacement, then each drawn
	// subject's units. Below it only units are resampled (with 3
	// subjects a bootstrap over subjects has 10 distinct samples). Zero
	// means DefaultMinSubjects.
	MinSubjects int
	// Workers bounds the goroutines; zero means GOMAXPROCS.
	Workers int
	// Progress, if not nil, is called after each task with the number of
	// replicates done and the total, from one goroutine at a time.
	Progress func(done, total int)
}

// Spread is the uncertainty of one score.
type Spread struct {
	// CI is the percentile bootstrap interval; nil when not run.
	CI *Interval
	// P is the one-sided permutation p-value against shuffled layer (or
	// ROI) order; NaN when not run or when the score is NaN.
	P float64
}

// NetworkUncertainty is one network's outcome of Uncertainties.
type NetworkUncertainty struct {
	// Decoding, Encoding and BHScore are the spreads of the three scores.
	// A BHScore replicate is the mean of the decoding and encoding
	// replicates with the same index (bootstrap and permutation alike).
	Decoding, Encoding, BHScore Spread
	// RankStability is the fraction of bootstrap replicates in which the
	// network keeps its observed rank among the networks by BH score
	// (NaN when the bootstrap was not run or its BH score is NaN).
	RankStability float64
	// RankLo and RankHi are the percentile interval (at Level) of the
	// network's 1-based rank over the bootstrap replicates; zero when
	// RankStability is NaN.
	RankLo, RankHi int
}

func (u *Uncertainty) resolve() (Uncertainty, error) {
	var c Uncertainty
	if u != nil {
		c = *u
	}
	if c.Bootstrap == 0 {
		c.Bootstrap = DefaultBootstrap
	}
	if c.Permutations == 0 {
		c.Permutations = DefaultPermutations
	}
	if c.Level == 0 {
		c.Level = DefaultLevel
	}
	if c.MinSubjects == 0 {
		c.MinSubjects = DefaultMinSubjects
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	switch {
	case c.Src == nil:
		return c, errors.New("hierarchy: uncertainty needs a random source")
	case !(c.Level > 0 && c.Level < 1):
		return c, errors.New("hierarchy: confidence level outside (0, 1)")
	}
	if c.Select == nil {
		c.Select = &Selection{} // the exact 5-layer expectation
	}
	{
		sel := *c.Select
		sel.RNG = nil
		if sel.Method == MonteCarlo {
			sel.Src = rand.NewPCG(0, 0) // replaced by each task's stream
		}
		if _, err := sel.resolve(); err != nil {
			return c, err
		}
		c.Select = &sel
	}
	return c, nil
}

type ukind int

const (
	kBoot ukind = iota
	kPerm
)

// utask is one chunk of replicates of one network, direction and kind.
type utask struct {
	net    int
	enc    bool
	kind   ukind
	lo, hi int
	s1, s2 uint64
}

// Uncertainties returns bootstrap intervals, permutation p-values and rank
// stability for every network, in input order.
//
// Bootstrap replicates resample units (decoding) and voxels (encoding)
// within each layer (ROI) as Bootstrap does, after resampling subjects
// when a network has at least MinSubjects of them; permutations shuffle the
// layer order (decoding, first and last layer included) or the ROI
// order (encoding) as Permutation does. Replicates are split into tasks
// of 50, each with its own PCG stream seeded from Src in a fixed order,
// and run on Workers goroutines, so results depend only on Src.
func Uncertainties(ctx context.Context, nets []Network, u *Uncertainty) ([]NetworkUncertainty, error) {
	c, err := u.resolve()
	if err != nil {
		return nil, err
	}
	nb, np := max(c.Bootstrap, 0), max(c.Permutations, 0)
	// Replicate storage: [net][dir][kind].
	reps := make([][2][2][]float64, len(nets))
	var tasks []utask
	total := 0
	for i, n := range nets {
		for d, res := range []*Result{n.Decoding, n.Encoding} {
			for k, cnt := range []int{nb, np} {
				if res == nil || cnt == 0 {
					continue
				}
				reps[i][d][k] = make([]float64, cnt)
				for lo := 0; lo < cnt; lo += chunkReplicates {
					tasks = append(tasks, utask{net: i, enc: d == 1, kind: ukind(k), lo: lo, hi: min(cnt, lo+chunkReplicates)})
					total += min(cnt, lo+chunkReplicates) - lo
				}
			}
		}
	}
	for i := range tasks {
		tasks[i].s1, tasks[i].s2 = c.Src.Uint64(), c.Src.Uint64()
	}

	var mu sync.Mutex
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.Workers)
	for _, tk := range tasks {
		g.Go(func() error {
			n := nets[tk.net]
			res, d := n.Decoding, 0
			rc := Resampling{}
			if tk.enc {
				res, d = n.Encoding, 1
			} else {
				sel := *c.Select
				rc.Select = &sel
			}
			src := rand.NewPCG(tk.s1, tk.s2)
			if rc.Select != nil && rc.Select.Method == MonteCarlo {
				rc.Select.Src = src
			}
			dst := reps[tk.net][d][tk.kind][tk.lo:tk.hi]
			var err error
			if tk.kind == kBoot {
				err = rc.bootstrapSubjectsInto(gctx, res, subjectsOf(n, tk.enc, c.MinSubjects), src, dst)
			} else {
				err = rc.permuteInto(gctx, res.Table, src, dst)
			}
			if err != nil {
				return fmt.Errorf("hierarchy: network %s: %w", n.Name, err)
			}
			if c.Progress != nil {
				mu.Lock()
				done += tk.hi - tk.lo
				c.Progress(done, total)
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	obs := make([][2]float64, len(nets))
	for i, n := range nets {
		obs[i] = [2]float64{n.DecodingScore, n.EncodingScore}
	}

	out := make([]NetworkUncertainty, len(nets))
	for i := range nets {
		o := &out[i]
		spreads := [2]*Spread{&o.Decoding, &o.Encoding}
		for d := range 2 {
			spreads[d].P = math.NaN()
			if b := reps[i][d][kBoot]; b != nil {
				spreads[d].CI = &Interval{Replicates: b}
				spreads[d].CI.finish(c.Level)
			}
			if p := reps[i][d][kPerm]; p != nil {
				spreads[d].P = pValue(obs[i][d], p)
			}
		}
		o.BHScore.P = math.NaN()
		if b := mean2(reps[i][0][kBoot], reps[i][1][kBoot]); b != nil {
			o.BHScore.CI = &Interval{Replicates: b}
			o.BHScore.CI.finish(c.Level)
		}
		if p := mean2(reps[i][0][kPerm], reps[i][1][kPerm]); p != nil {
			o.BHScore.P = pValue((obs[i][0]+obs[i][1])/2, p)
		}
		o.RankStability = math.NaN()
	}
	rankStability(out, obs, nb, c.Level)
	return out, nil
}

// subjectsOf returns the per-subject results of one direction of n when
// it has at least min subjects, else nil.
func subjectsOf(n Network, enc bool, min int) []*Result {
	if len(n.Subjects) < min {
		return nil
	}
	out := make([]*Result, len(n.Subjects))
	for i, s := range n.Subjects {
		out[i] = s.Decoding
		if enc {
			out[i] = s.Encoding
		}
		if out[i] == nil {
			return nil
		}
	}
	return out
}

// mean2 returns the element-wise mean of a and b, nil unless both are
// present.
func mean2(a, b []float64) []float64 {
	if a == nil || b == nil {
		return nil
	}
	out := make([]float64, len(a))
	for i := range a {
		out[i] = (a[i] + b[i]) / 2
	}
	return out
}

// rankStability ranks the networks by BH score (highest first, NaN last,
// ties in input order) in every bootstrap replicate and compares with the
// observed ranking.
func rankStability(out []NetworkUncertainty, obs [][2]float64, nb int, level float64) {
	if nb == 0 {
		return
	}
	n := len(out)
	score := make([]float64, n)
	for i := range n {
		score[i] = (obs[i][0] + obs[i][1]) / 2
	}
	observed := ranksOf(score)
	ranks := make([][]float64, n)
	same := make([]int, n)
	for b := range nb {
		for i := range n {
			score[i] = math.NaN()
			if ci := out[i].BHScore.CI; ci != nil {
				score[i] = ci.Replicates[b]
			}
		}
		rk := ranksOf(score)
		for i := range n {
			if rk[i] == observed[i] {
				same[i]++
			}
			ranks[i] = append(ranks[i], float64(rk[i]))
		}
	}
	a := (1 - level) / 2
	for i := range n {
		if out[i].BHScore.CI == nil || math.IsNaN((obs[i][0]+obs[i][1])/2) {
			continue
		}
		out[i].RankStability = float64(same[i]) / float64(nb)
		slices.Sort(ranks[i])
		// Ranks are integers: report the interval's integer bounds.
		out[i].RankLo = int(math.Floor(percentile(ranks[i], a)))
		out[i].RankHi = int(math.Ceil(percentile(ranks[i], 1-a)))
	}
}

// ranksOf returns the 1-based rank of every score, highest first, NaN
// last, ties in input order.
func ranksOf(score []float64) []int {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := score[idx[a]], score[idx[b]]
		if math.IsNaN(x) {
			return false
		}
		return math.IsNaN(y) || x > y
	})
	rk := make([]int, len(score))
	for pos, i := range idx {
		rk[i] = pos + 1
	}
	return rk
}
