package hierarchy

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// synthAcc returns entries × rows × units accuracies: with probability
// strength a unit's best row follows its entry's position (a hierarchy),
// otherwise it is uniform; best accuracies are 0.5 (significant at n = 50
// under the reference statistic), the others 0.1.
func synthAcc(rng *rand.Rand, entries, rows, units int, strength float64) [][][]float64 {
	acc := make([][][]float64, entries)
	for i := range acc {
		acc[i] = make([][]float64, rows)
		for r := range acc[i] {
			acc[i][r] = make([]float64, units)
			for u := range acc[i][r] {
				acc[i][r][u] = 0.1
			}
		}
		for u := range units {
			best := rng.IntN(rows)
			if rng.Float64() < strength {
				best = int(math.Round(float64(i) * float64(rows-1) / float64(entries-1)))
			}
			acc[i][best][u] = 0.5
		}
	}
	return acc
}

func synthNetwork(t *testing.T, seed uint64, layers int, strength float64) Network {
	rng := rand.New(rand.NewPCG(seed, 7))
	dec, err := Compute(synthAcc(rng, layers, 5, 60, strength), nil)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := Compute(synthAcc(rng, 5, layers, 80, strength), nil)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := SelectLayers(context.Background(), dec.Table, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Network{Name: "net", Decoding: dec, Encoding: enc, DecodingScore: sel.Score, EncodingScore: enc.Score}
}

func TestUncertaintiesWorkersIndependent(t *testing.T) {
	ctx := context.Background()
	nets := []Network{synthNetwork(t, 1, 8, 0.8), synthNetwork(t, 2, 6, 0.3), synthNetwork(t, 3, 7, 0.0)}
	run := func(workers int, seed uint64) []NetworkUncertainty {
		var calls, last, total int
		out, err := Uncertainties(ctx, nets, &Uncertainty{
			Bootstrap: 120, Permutations: 110, Src: rand.NewPCG(seed, 1), Workers: workers,
			Progress: func(d, tot int) { calls++; last, total = d, tot },
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := 3 * 2 * (120 + 110); total != want || last != want || calls == 0 {
			t.Errorf("progress ended at %d of %d after %d calls, want %d", last, total, calls, want)
		}
		return out
	}
	a, b := run(1, 42), run(4, 42)
	if !reflect.DeepEqual(a, b) {
		t.Error("results depend on the number of workers")
	}
	if c := run(2, 43); reflect.DeepEqual(a, c) {
		t.Error("a different seed gives the same results")
	}
}

func TestUncertaintiesBehaviour(t *testing.T) {
	ctx := context.Background()
	strong := synthNetwork(t, 11, 8, 0.9)
	none := synthNetwork(t, 12, 8, 0.0)
	nets := []Network{strong, none}
	out, err := Uncertainties(ctx, nets, &Uncertainty{Bootstrap: 300, Permutations: 300, Src: rand.NewPCG(5, 6)})
	if err != nil {
		t.Fatal(err)
	}
	s, n := out[0], out[1]
	for _, c := range []struct {
		name string
		sp   Spread
		obs  float64
	}{{"decoding", s.Decoding, strong.DecodingScore}, {"encoding", s.Encoding, strong.EncodingScore}, {"bhscore", s.BHScore, (strong.DecodingScore + strong.EncodingScore) / 2}} {
		if c.sp.CI == nil || !(c.sp.CI.Lo <= c.obs && c.obs <= c.sp.CI.Hi) {
			t.Errorf("strong %s: CI %+v does not contain the observed %v", c.name, c.sp.CI, c.obs)
		}
		// 300 permutations: the smallest possible p is 1/301.
		if c.sp.P > 0.01 {
			t.Errorf("strong %s: permutation p = %v, want < 0.01", c.name, c.sp.P)
		}
	}
	if !(n.Decoding.P > 0.01 && n.Encoding.P > 0.01) {
		t.Errorf("no hierarchy: p = %v, %v; want not significant", n.Decoding.P, n.Encoding.P)
	}
	// The BH replicate is the mean of the two directions' replicates.
	for b, v := range s.BHScore.CI.Replicates {
		if want := (s.Decoding.CI.Replicates[b] + s.Encoding.CI.Replicates[b]) / 2; v != want {
			t.Fatalf("BH replicate %d = %v, want %v", b, v, want)
		}
	}
	// Well-separated networks keep their ranks.
	if s.RankStability != 1 || n.RankStability != 1 || s.RankLo != 1 || s.RankHi != 1 || n.RankLo != 2 {
		t.Errorf("rank stability %v %v, ranks [%d,%d] [%d,%d]", s.RankStability, n.RankStability, s.RankLo, s.RankHi, n.RankLo, n.RankHi)
	}
	// Two equal networks swap places about half the time.
	twin := strong
	out, err = Uncertainties(ctx, []Network{strong, twin}, &Uncertainty{Bootstrap: 400, Permutations: -1, Src: rand.NewPCG(7, 8)})
	if err != nil {
		t.Fatal(err)
	}
	if st := out[0].RankStability; st < 0.35 || st > 0.65 {
		t.Errorf("twin rank stability %v, want about 0.5", st)
	}
	if !math.IsNaN(out[0].Decoding.P) {
		t.Errorf("permutations skipped but p = %v", out[0].Decoding.P)
	}
}

func TestUncertaintiesOneDirection(t *testing.T) {
	n := synthNetwork(t, 21, 6, 0.9)
	n.Encoding, n.EncodingScore = nil, math.NaN()
	out, err := Uncertainties(context.Background(), []Network{n}, &Uncertainty{Bootstrap: 60, Permutations: 60, Src: rand.NewPCG(1, 1),
		Select: &Selection{Method: Numpy, Seed: 0}})
	if err != nil {
		t.Fatal(err)
	}
	o := out[0]
	if o.Decoding.CI == nil || o.Encoding.CI != nil || o.BHScore.CI != nil || !math.IsNaN(o.BHScore.P) || !math.IsNaN(o.RankStability) {
		t.Errorf("decoding only: %+v", o)
	}
	if _, err := Uncertainties(context.Background(), []Network{n}, &Uncertainty{}); err == nil {
		t.Error("no random source: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Uncertainties(ctx, []Network{n}, &Uncertainty{Src: rand.NewPCG(1, 1)}); err == nil {
		t.Error("cancelled context: no error")
	}
}

// TestUncertaintiesSubjects checks the two-stage bootstrap: with at least
// MinSubjects per-subject results the replicates resample subjects too.
// Subjects that disagree (half strongly hierarchical, half not) widen the
// interval over the units-only bootstrap, and results stay independent of
// the number of workers.
func TestUncertaintiesSubjects(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	const layers, rois, units = 6, 5, 80
	var subjects []SubjectResults
	pooled := make([][][]float64, layers)
	for i := range pooled {
		pooled[i] = make([][]float64, rois)
	}
	for s := range 6 {
		strength := 0.9
		if s%2 == 1 {
			strength = 0.1
		}
		acc := synthAcc(rng, layers, rois, units, strength)
		res, err := Compute(acc, nil)
		if err != nil {
			t.Fatal(err)
		}
		subjects = append(subjects, SubjectResults{Decoding: res})
		for i := range acc {
			for r := range acc[i] {
				pooled[i][r] = append(pooled[i][r], acc[i][r]...)
			}
		}
	}
	dec, err := Compute(pooled, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The pooled table is the sum of the subjects' tables.
	for k := range dec.Table.Counts {
		sum := 0
		for _, s := range subjects {
			sum += s.Decoding.Table.Counts[k]
		}
		if sum != dec.Table.Counts[k] {
			t.Fatalf("pooled count %d = %d, subjects sum to %d", k, dec.Table.Counts[k], sum)
		}
	}
	sel, err := SelectLayers(context.Background(), dec.Table, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := Network{Name: "mixed", Decoding: dec, DecodingScore: sel.Score, EncodingScore: math.NaN(), Subjects: subjects}
	run := func(n Network, workers int) NetworkUncertainty {
		out, err := Uncertainties(context.Background(), []Network{n}, &Uncertainty{Bootstrap: 300, Permutations: -1, Src: rand.NewPCG(1, 2), Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	two := run(n, 1)
	if !reflect.DeepEqual(two.Decoding.CI, run(n, 3).Decoding.CI) {
		t.Error("subject bootstrap depends on the number of workers")
	}
	unitsOnly := n
	unitsOnly.Subjects = nil
	one := run(unitsOnly, 2)
	w2, w1 := two.Decoding.CI.Hi-two.Decoding.CI.Lo, one.Decoding.CI.Hi-one.Decoding.CI.Lo
	if !(w2 > 1.5*w1) {
		t.Errorf("interval width with subjects %v, units only %v: want clearly wider", w2, w1)
	}
	// Below MinSubjects only units are resampled.
	few := n
	few.Subjects = subjects[:3]
	if got := run(few, 2); !reflect.DeepEqual(got.Decoding.CI, one.Decoding.CI) {
		t.Error("3 subjects (< MinSubjects): not the units-only bootstrap")
	}
}
