package hierarchy

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"
)

type scipySpearman struct {
	Tables []struct {
		Counts [][]int
		Rho    string
	}
	Vectors []struct {
		X, Y []float64
		Rho  string
	}
}

func loadScipySpearman(t *testing.T) *scipySpearman {
	raw, err := os.ReadFile("testdata/spearman_scipy.json")
	if err != nil {
		t.Fatal(err)
	}
	var f scipySpearman
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func mustFloat(t *testing.T, s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func tableOf(counts [][]int) *Table {
	t := &Table{Entries: len(counts), Rows: len(counts[0])}
	for _, row := range counts {
		t.Counts = append(t.Counts, row...)
	}
	return t
}

// TestSpearmanBitExactScipy checks Table.Spearman and Spearman against
// scipy.stats.spearmanr (testdata/gen_spearman.py; scipy 1.10.1, numpy
// 1.24.2) with no tolerance: the rank sums are exact, so following
// np.corrcoef's order of operations gives scipy's bits.
func TestSpearmanBitExactScipy(t *testing.T) {
	f := loadScipySpearman(t)
	if len(f.Tables) < 300 || len(f.Vectors) < 50 {
		t.Fatalf("fixture too small: %d tables, %d vectors", len(f.Tables), len(f.Vectors))
	}
	for i, c := range f.Tables {
		tab := tableOf(c.Counts)
		want := mustFloat(t, c.Rho)
		if got := tab.Spearman(); got != want {
			t.Errorf("table %d: Spearman = %v, scipy %v", i, got, want)
		}
		// Layer selection scores subsets through the same code: the
		// full index set must agree too.
		var w spearmanWork
		w.init(tab.Rows)
		idx := make([]int, tab.Entries)
		for j := range idx {
			idx[j] = j
		}
		if got := w.score(tab, idx); got != want {
			t.Errorf("table %d: score = %v, scipy %v", i, got, want)
		}
	}
	for i, c := range f.Vectors {
		want := mustFloat(t, c.Rho)
		if got := Spearman(c.X, c.Y); got != want {
			t.Errorf("vector %d: Spearman = %v, scipy %v", i, got, want)
		}
	}
}

// TestSpearmanFixtureDiscriminates makes sure the fixture would catch the
// textbook finish sxy/sqrt(sxx)/sqrt(syy), which is off by an ulp on some
// tables (e.g. 0.7898868025610782 vs 0.7898868025610781 on a network).
func TestSpearmanFixtureDiscriminates(t *testing.T) {
	f := loadScipySpearman(t)
	differ := 0
	for _, c := range f.Tables {
		tab := tableOf(c.Counts)
		var w spearmanWork
		w.init(tab.Rows)
		idx := make([]int, tab.Entries)
		for j := range idx {
			idx[j] = j
		}
		sxx, syy, sxy, _ := w.sums(tab, idx)
		if old := sxy / math.Sqrt(sxx) / math.Sqrt(syy); old != mustFloat(t, c.Rho) {
			differ++
		}
	}
	if differ == 0 {
		t.Error("the textbook finish never differs from scipy on the fixture")
	}
	t.Logf("textbook finish differs from scipy on %d tables", differ)
}
