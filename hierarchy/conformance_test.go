package hierarchy

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// scoreTol is the tolerance of shared/conformance/bhscore/README.md
// ("scores to 1e-12 absolute"); an independent numpy implementation
// agrees with the reference within 1e-14.
const scoreTol = 1e-12

// jfloat decodes a JSON number or null (NaN).
type jfloat float64

func (f *jfloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = jfloat(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jfloat(v)
	return nil
}

type caseFile struct {
	Name        string       `json:"name"`
	PredaccList [][][]jfloat `json:"predacc_list"`
	Compute     map[string]struct {
		Score         jfloat  `json:"score"`
		TopROIs       [][]int `json:"top_rois"`
		SelectedUnits [][]int `json:"selected_units"`
	} `json:"compute_bhscore"`
	LayerSelect []struct {
		NLayers       int      `json:"n_layers"`
		PVal          float64  `json:"pval"`
		ExplicitMid   [][]int  `json:"explicit_subsets_middle_layer_indices"`
		ExplicitScore []jfloat `json:"explicit_scores"`
		ExactMean     jfloat   `json:"all_subsets_exact_mean"`
		Count         int      `json:"all_subsets_count"`
		Repeats       int      `json:"seed0_n_repeat"`
		Seed0Scores   []jfloat `json:"seed0_scores"`
		Seed0Mean     jfloat   `json:"seed0_mean"`
		Seed0Draws    [][]int  `json:"seed0_draws_middle_layer_indices"`
	} `json:"layerselect"`
}

var caseNames = []string{"hier5_ordinary", "reversed6", "nan_ties", "layer_no_pass", "high_r", "encoding_style"}

func loadCase(t testing.TB, name string) (*caseFile, [][][]float64) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var c caseFile
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	acc := make([][][]float64, len(c.PredaccList))
	for i, l := range c.PredaccList {
		acc[i] = make([][]float64, len(l))
		for r, row := range l {
			acc[i][r] = make([]float64, len(row))
			for u, v := range row {
				acc[i][r][u] = float64(v)
			}
		}
	}
	return &c, acc
}

func sameFloat(got, want, tol float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return math.Abs(got-want) <= tol
}

func deepCopy(acc [][][]float64) [][][]float64 {
	out := make([][][]float64, len(acc))
	for i := range acc {
		out[i] = make([][]float64, len(acc[i]))
		for r := range acc[i] {
			out[i][r] = slices.Clone(acc[i][r])
		}
	}
	return out
}

func equalNaN(a, b [][][]float64) bool {
	for i := range a {
		for r := range a[i] {
			for u := range a[i][r] {
				x, y := a[i][r][u], b[i][r][u]
				if x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
					return false
				}
			}
		}
	}
	return true
}

func TestConformanceCompute(t *testing.T) {
	for _, name := range caseNames {
		t.Run(name, func(t *testing.T) {
			c, acc := loadCase(t, name)
			orig := deepCopy(acc)
			for key, pval := range map[string]float64{"pval_0.05": 0.05, "pval_0.01": 0.01} {
				want := c.Compute[key]
				res, err := Compute(acc, &Settings{PValue: pval})
				if err != nil {
					t.Fatal(err)
				}
				if !sameFloat(res.Score, float64(want.Score), scoreTol) {
					t.Errorf("%s: score %v, reference %v", key, res.Score, float64(want.Score))
				}
				for i, l := range res.Entries {
					if !slices.Equal(l.Selected, want.SelectedUnits[i]) && len(l.Selected)+len(want.SelectedUnits[i]) > 0 {
						t.Errorf("%s: entry %d: selected %v, reference %v", key, i, l.Selected, want.SelectedUnits[i])
					}
					if !slices.Equal(l.Top, want.TopROIs[i]) && len(l.Top)+len(want.TopROIs[i]) > 0 {
						t.Errorf("%s: entry %d: top rows %v, reference %v", key, i, l.Top, want.TopROIs[i])
					}
				}
			}
			if !equalNaN(acc, orig) {
				t.Error("Compute modified its input")
			}
		})
	}
}

func TestConformanceLayerSelect(t *testing.T) {
	ctx := context.Background()
	for _, name := range caseNames {
		t.Run(name, func(t *testing.T) {
			c, acc := loadCase(t, name)
			for _, ls := range c.LayerSelect {
				res, err := Compute(acc, &Settings{PValue: ls.PVal})
				if err != nil {
					t.Fatal(err)
				}
				// Exact expectation and every explicit subset.
				ex, err := SelectLayers(ctx, res.Table, &Selection{NLayers: ls.NLayers})
				if err != nil {
					t.Fatal(err)
				}
				if ex.Subsets != ls.Count || !reflect.DeepEqual(ex.Draws, ls.ExplicitMid) {
					t.Fatalf("n_layers %d: subsets %v, reference %v", ls.NLayers, ex.Draws, ls.ExplicitMid)
				}
				for i, s := range ex.Scores {
					if !sameFloat(s, float64(ls.ExplicitScore[i]), scoreTol) {
						t.Errorf("n_layers %d subset %v: %v, reference %v", ls.NLayers, ex.Draws[i], s, float64(ls.ExplicitScore[i]))
					}
				}
				if !sameFloat(ex.Score, float64(ls.ExactMean), scoreTol) {
					t.Errorf("n_layers %d: exact mean %v, reference %v", ls.NLayers, ex.Score, float64(ls.ExactMean))
				}
				// np.random.seed(0) + the reference's draws.
				np, err := SelectLayers(ctx, res.Table, &Selection{Method: Numpy, NLayers: ls.NLayers, Repeats: ls.Repeats, Seed: 0})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(np.Draws, ls.Seed0Draws) {
					t.Errorf("n_layers %d: numpy draws differ from the reference", ls.NLayers)
				}
				for i, s := range np.Scores {
					if !sameFloat(s, float64(ls.Seed0Scores[i]), scoreTol) {
						t.Errorf("n_layers %d repeat %d: %v, reference %v", ls.NLayers, i, s, float64(ls.Seed0Scores[i]))
					}
				}
				if !sameFloat(np.Score, float64(ls.Seed0Mean), scoreTol) {
					t.Errorf("n_layers %d: seed-0 mean %v, reference %v", ls.NLayers, np.Score, float64(ls.Seed0Mean))
				}
			}
		})
	}
}

// TestNumpySubsample checks the notebook's encoding subsample
// np.random.seed(0); np.random.choice(acc, 1000, replace=False) against
// the reference index lists (numpy 1.24.2).
func TestNumpySubsample(t *testing.T) {
	b, err := os.ReadFile("testdata/np_random_seed0_choice1000.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		IdxByN map[string][]int `json:"idx_by_n"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	for key, n := range map[string]int{"1500": 1500, "3100": 3100} {
		acc := make([]float32, n)
		for i := range acc {
			acc[i] = float32(i) + 0.25
		}
		got := Subsample(acc, 1000, 0)
		for i, j := range f.IdxByN[key] {
			if got[i] != acc[j] {
				t.Fatalf("N=%d: element %d is %v, reference acc[%d] = %v", n, i, got[i], j, acc[j])
			}
		}
	}
	small := []float64{3, 1, 2}
	if got := Subsample(small, 1000, 0); !slices.Equal(got, small) {
		t.Errorf("short input changed: %v", got)
	}
}
