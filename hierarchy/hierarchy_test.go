package hierarchy

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// TestVariants checks the float32 path against the reference run on
// float32 inputs and the textbook statistic against an independent
// numpy/scipy implementation (testdata/variants.json, provenance inside).
func TestVariants(t *testing.T) {
	b, err := os.ReadFile("testdata/variants.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Cases map[string]map[string]struct {
			Score     jfloat `json:"score"`
			NSelected []int  `json:"n_selected"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	for _, name := range caseNames {
		_, acc := loadCase(t, name)
		acc32 := make([][][]float32, len(acc))
		for i := range acc {
			acc32[i] = make([][]float32, len(acc[i]))
			for r := range acc[i] {
				acc32[i][r] = make([]float32, len(acc[i][r]))
				for u, x := range acc[i][r] {
					acc32[i][r][u] = float32(x)
				}
			}
		}
		for _, p := range []struct {
			key string
			p   float64
		}{{"0.05", 0.05}, {"0.01", 0.01}} {
			want := v.Cases[name]["f32_"+p.key]
			res, err := Compute(acc32, &Settings{PValue: p.p})
			if err != nil {
				t.Fatal(err)
			}
			if !sameFloat(res.Score, float64(want.Score), scoreTol) {
				t.Errorf("%s float32 p<%s: %v, reference %v", name, p.key, res.Score, float64(want.Score))
			}
			for i, l := range res.Entries {
				if len(l.Selected) != want.NSelected[i] {
					t.Errorf("%s float32 p<%s entry %d: %d selected, reference %d", name, p.key, i, len(l.Selected), want.NSelected[i])
				}
			}
			want = v.Cases[name]["textbook_"+p.key]
			res, err = Compute(acc, &Settings{PValue: p.p, T: TextbookT})
			if err != nil {
				t.Fatal(err)
			}
			if !sameFloat(res.Score, float64(want.Score), scoreTol) {
				t.Errorf("%s textbook p<%s: %v, numpy %v", name, p.key, res.Score, float64(want.Score))
			}
		}
	}
}

// TestTStat32 checks the float32 t statistic bit for bit against numpy
// (testdata/t_float32.json).
func TestTStat32(t *testing.T) {
	b, err := os.ReadFile("testdata/t_float32.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		R   []uint32 `json:"r_bits"`
		Ref []uint32 `json:"t_reference_bits"`
		Tb  []uint32 `json:"t_textbook_bits"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	for i, rb := range v.R {
		r := math.Float32frombits(rb)
		if got := math.Float32bits(float32(tStat32(r, 48, ReferenceT))); got != v.Ref[i] {
			t.Errorf("r=%v: reference t %v, numpy %v", r, math.Float32frombits(got), math.Float32frombits(v.Ref[i]))
		}
		if got := math.Float32bits(float32(tStat32(r, 48, TextbookT))); got != v.Tb[i] && !(math.IsNaN(float64(math.Float32frombits(got))) && math.IsNaN(float64(math.Float32frombits(v.Tb[i])))) {
			t.Errorf("r=%v: textbook t %v, numpy %v", r, math.Float32frombits(got), math.Float32frombits(v.Tb[i]))
		}
	}
}

func TestSpearman(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		x, y []float64
		want float64
	}{
		// scipy.stats.spearmanr (scipy 1.10.1) values.
		{[]float64{1, 2}, []float64{1, 2}, 0.9999999999999999},
		{[]float64{1, 2, 3, 4, 5}, []float64{5, 6, 7, 8, 7}, 0.8207826816681233},
		{[]float64{1, 1, 2, 2, 3}, []float64{0, 1, 1, 3, 2}, 0.7029594915666376},
		{[]float64{1}, []float64{2}, nan},
		{[]float64{1, 2, 3}, []float64{4, 4, 4}, nan},
		{[]float64{1, 2, nan}, []float64{1, 2, 3}, nan},
	} {
		got := Spearman(c.x, c.y)
		if !sameFloat(got, c.want, 1e-15) {
			t.Errorf("Spearman(%v, %v) = %v, scipy %v", c.x, c.y, got, c.want)
		}
	}
}

func TestTableSpearmanMatchesRanks(t *testing.T) {
	// The contingency-table formula equals Spearman on the flattened
	// lists, as the reference computes it.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		L, R := 2+rng.IntN(6), 1+rng.IntN(5)
		layers := make([]Entry, L)
		var x, y []float64
		for i := range layers {
			for range rng.IntN(8) {
				r := rng.IntN(R)
				layers[i].Top = append(layers[i].Top, r)
				x = append(x, float64(i+1))
				y = append(y, float64(r))
			}
		}
		got, want := NewTable(layers, R).Spearman(), Spearman(x, y)
		if !sameFloat(got, want, 1e-14) {
			t.Fatalf("table %v, ranks %v", got, want)
		}
	}
}

// synthTable returns a hierarchical L-layer table of counts.
func synthTable(L, R, units int, seed uint64) *Table {
	rng := rand.New(rand.NewPCG(seed, 7))
	t := &Table{Entries: L, Rows: R, Counts: make([]int, L*R)}
	for i := range L {
		centre := float64(i) / float64(L-1) * float64(R-1)
		for range units {
			r := int(math.Round(centre + 1.2*rng.NormFloat64()))
			if r >= 0 && r < R {
				t.Counts[i*R+r]++
			}
		}
	}
	return t
}

// TestExactVsMonteCarlo checks the exact expectation against a
// 100,000-repeat Monte-Carlo mean: the difference must lie within 3
// standard errors of that mean (fixed seed; deterministic).
func TestExactVsMonteCarlo(t *testing.T) {
	ctx := context.Background()
	tab := synthTable(12, 5, 40, 3)
	ex, err := SelectLayers(ctx, tab, nil)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := SelectLayers(ctx, tab, &Selection{Method: MonteCarlo, Repeats: 100_000, Src: rand.NewPCG(11, 12)})
	if err != nil {
		t.Fatal(err)
	}
	var ss float64
	for _, v := range mc.Scores {
		ss += (v - mc.Score) * (v - mc.Score)
	}
	se := math.Sqrt(ss/float64(len(mc.Scores)-1)) / math.Sqrt(float64(len(mc.Scores)))
	z := (mc.Score - ex.Score) / se
	t.Logf("exact %.6f over %d subsets, Monte-Carlo %.6f, SE %.2g, z %.2f", ex.Score, ex.Subsets, mc.Score, se, z)
	if math.Abs(z) > 3 {
		t.Errorf("exact %v vs Monte-Carlo %v: %.1f standard errors", ex.Score, mc.Score, z)
	}
}

func TestSelectLayersEdges(t *testing.T) {
	ctx := context.Background()
	tab := synthTable(4, 5, 30, 1)
	// Fewer layers than NLayers: all layers, no draws.
	s, err := SelectLayers(ctx, tab, &Selection{Method: Numpy})
	if err != nil {
		t.Fatal(err)
	}
	if !s.AllLayers || s.Score != tab.Spearman() {
		t.Errorf("4 layers, n_layers 5: %+v", s)
	}
	if _, err := SelectLayers(ctx, tab, &Selection{Method: MonteCarlo}); err == nil {
		t.Error("Monte-Carlo without a source: no error")
	}
	if _, err := SelectLayers(ctx, tab, &Selection{NLayers: 1}); err == nil {
		t.Error("NLayers 1: no error")
	}
	big := synthTable(80, 5, 3, 1)
	if _, err := SelectLayers(ctx, big, &Selection{NLayers: 12, MaxSubsets: 1000}); !errors.Is(err, ErrTooManySubsets) {
		t.Errorf("too many subsets: %v", err)
	}
	// Same seed, same draws.
	a, _ := SelectLayers(ctx, big, &Selection{Method: MonteCarlo, Src: rand.NewPCG(1, 1)})
	b, _ := SelectLayers(ctx, big, &Selection{Method: MonteCarlo, Src: rand.NewPCG(1, 1)})
	if a.Score != b.Score {
		t.Error("Monte-Carlo not reproducible")
	}
}

func TestNpMean(t *testing.T) {
	// Sums of 100 and 300 values reproduce numpy's pairwise summation:
	// np.mean(np.arange(n) * 0.1 + 1/3) printed by numpy 1.24.2.
	for _, c := range []struct {
		n    int
		want float64
	}{{100, 5.283333333333334}, {300, 15.283333333333333}} {
		x := make([]float64, c.n)
		for i := range x {
			x[i] = float64(i)*0.1 + 1.0/3
		}
		if got := npMean(x); got != c.want {
			t.Errorf("n=%d: %v, numpy %v", c.n, got, c.want)
		}
	}
}

func TestComputeErrors(t *testing.T) {
	if _, err := Compute([][][]float64{}, nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	if _, err := Compute([][][]float64{{{1, 2}, {1}}}, nil); err == nil {
		t.Error("ragged rows: no error")
	}
	if _, err := Compute([][][]float64{{{1}}, {{1}, {2}}}, nil); err == nil {
		t.Error("different row counts: no error")
	}
	if _, err := Compute([][][]float64{{{0.5}}}, &Settings{NTest: 2}); err == nil {
		t.Error("NTest 2: no error")
	}
}

func TestNTest(t *testing.T) {
	// r = 0.3 passes p < .05 with 100 test images but not with 50.
	acc := [][][]float64{{{0.3}}, {{0.6}}}
	for _, c := range []struct {
		n    int
		want int
	}{{50, 0}, {100, 1}} {
		res, err := Compute(acc, &Settings{NTest: c.n})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(res.Entries[0].Selected); got != c.want {
			t.Errorf("NTest %d: %d selected, want %d", c.n, got, c.want)
		}
	}
}

func TestBootstrapPermutation(t *testing.T) {
	ctx := context.Background()
	_, acc := loadCase(t, "hier5_ordinary")
	res, err := Compute(acc, nil)
	if err != nil {
		t.Fatal(err)
	}
	ci, err := Bootstrap(ctx, res, &Resampling{Replicates: 500, Src: rand.NewPCG(1, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if !(ci.Lo < res.Score && res.Score < ci.Hi && ci.Hi <= 1) {
		t.Errorf("score %v outside its bootstrap interval [%v, %v]", res.Score, ci.Lo, ci.Hi)
	}
	null, err := Permutation(ctx, res, &Resampling{Replicates: 200, Src: rand.NewPCG(3, 4)})
	if err != nil {
		t.Fatal(err)
	}
	// 5 layers have 120 orders; only the true one scores 0.91.
	if null.P > 0.05 || null.Observed != res.Score {
		t.Errorf("permutation p %v, observed %v", null.P, null.Observed)
	}
	sel := &Selection{NLayers: 3}
	ci2, err := Bootstrap(ctx, res, &Resampling{Replicates: 50, Src: rand.NewPCG(1, 2), Select: sel})
	if err != nil || math.IsNaN(ci2.Lo) {
		t.Errorf("bootstrap with layer selection: %v %v", ci2, err)
	}
}
