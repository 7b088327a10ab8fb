package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestPublished(t *testing.T) {
	p := Published()
	// shared/published_bhscores.json: 29 networks, VGG-S first, Inception-v4 last.
	if len(p) != 29 || p[0].Name != "VGG-S" || p[28].Name != "Inception-v4" || p[0].BHScore != 0.4349932446714766 {
		t.Fatalf("published table: %d entries, %v ... %v", len(p), p[0], p[len(p)-1])
	}
	for i, s := range p {
		if i > 0 && s.BHScore > p[i-1].BHScore {
			t.Errorf("published scores not descending at %s", s.Name)
		}
		// The notebook's averaged score is np.mean of the two.
		if (s.Decoding+s.Encoding)/2 != s.BHScore {
			t.Errorf("%s: mean(%v, %v) != %v", s.Name, s.Decoding, s.Encoding, s.BHScore)
		}
	}
	for _, c := range []struct {
		s    float64
		want int
	}{{0.9, 1}, {0.4349932446714766, 2}, {0.43, 2}, {0.1, 30}, {-1, 30}, {0.3, 13}, {math.NaN(), 0}} {
		if got := PublishedRank(c.s); got != c.want {
			t.Errorf("PublishedRank(%v) = %d, want %d", c.s, got, c.want)
		}
	}
}

func TestRank(t *testing.T) {
	nan := math.NaN()
	// np.argsort(x)[::-1] with numpy 1.24.2.
	for _, c := range []struct {
		x    []float64
		want []int
	}{
		{[]float64{0.2, 0.5, 0.1}, []int{1, 0, 2}},
		{[]float64{0.2, nan, 0.1}, []int{1, 0, 2}},
		{[]float64{0.3, 0.1, 0.3}, []int{2, 0, 1}},
		// pipeline/expected.json ranking: TinyHier, TinyRev.
		{[]float64{0.8899179880422999, -0.8495124726289582}, []int{0, 1}},
	} {
		if got := Rank(c.x); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Rank(%v) = %v, numpy %v", c.x, got, c.want)
		}
	}
}

func testReport() *Report {
	return New([]DNNScore{
		{Name: "TinyHier", Decoding: 0.9211243298656574, Encoding: 0.8587116462189425, BHScore: 0.8899179880422999,
			Layers: []string{"conv1", "conv2", "fc1"}, ROIs: []string{"V1", "V2", "V3", "V4", "HVC"},
			TopROICounts: [][]int{{9, 3, 1, 0, 0}, {1, 5, 6, 2, 0}, {0, 0, 0, 3, 0}}},
		{Name: "TinyRev", Decoding: -0.8593604315386646, Encoding: -0.8396645137192519, BHScore: -0.8495124726289582},
		{Name: "Broken", Decoding: math.NaN(), Encoding: 0.2, BHScore: math.NaN()},
		{Name: "MyNet", Decoding: 0.3, Encoding: 0.2, BHScore: 0.25},
	})
}

func TestReportWriters(t *testing.T) {
	dir := t.TempDir()
	r := testReport()
	jp, cp := filepath.Join(dir, "scores.json"), filepath.Join(dir, "scores.csv")
	if err := r.SaveJSON(jp); err != nil {
		t.Fatal(err)
	}
	if err := r.SaveCSV(cp); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(jp)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		DNNs []struct {
			Name     string   `json:"name"`
			Decoding *float64 `json:"decoding"`
			BHScore  *float64 `json:"bhscore"`
			Rank     int      `json:"rank"`
			PubRank  *int     `json:"rank_among_published"`
		} `json:"dnns"`
		Ranking []string `json:"ranking"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	// NaN first (np.argsort(...)[::-1]).
	if want := []string{"Broken", "TinyHier", "MyNet", "TinyRev"}; !reflect.DeepEqual(got.Ranking, want) {
		t.Errorf("ranking %v, want %v", got.Ranking, want)
	}
	// A NaN score has no place among the published ones: null, "n/a".
	if got.DNNs[2].BHScore != nil || got.DNNs[2].Rank != 1 || got.DNNs[2].PubRank != nil || *got.DNNs[0].BHScore != 0.8899179880422999 || *got.DNNs[0].PubRank != 1 || *got.DNNs[3].PubRank != 19 {
		t.Errorf("JSON DNNs: %+v", got.DNNs)
	}
	c, _ := os.ReadFile(cp)
	lines := strings.Split(strings.TrimSpace(string(c)), "\n")
	if len(lines) != 5 || lines[1] != "1,Broken,NaN,0.2,NaN,n/a" || !strings.HasPrefix(lines[2], "2,TinyHier,0.9211243298656574,") {
		t.Errorf("CSV:\n%s", c)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("temporary files left: %v", ents)
	}
}

func TestReportUncertainty(t *testing.T) {
	r := testReport()
	r.Uncertainty = &Uncertainty{Bootstrap: 1000, Permutations: 500, Level: 0.9, Seed: 7}
	d := &r.DNNs[0]
	d.DecodingCI, d.EncodingCI, d.BHScoreCI = []float64{0.9, 0.95}, []float64{0.8, 0.9}, []float64{0.85, 0.92}
	d.DecodingP, d.EncodingP, d.BHScoreP = 0.001, 0.002, 0.001
	d.RankStability, d.RankRange = 0.97, []int{1, 2}
	var js, cs, tb strings.Builder
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteCSV(&cs); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteTable(&tb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"bhscore_ci": [`, `"bhscore_permutation_p": 0.001`, `"rank_stability": 0.97`, `"rank_range": [`, `"ci_level": 0.9`, `"bootstrap_replicates": 1000`, `"resample_seed": 7`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	if !strings.Contains(cs.String(), "2,TinyHier,0.9211243298656574,0.8587116462189425,0.8899179880422999,1,0.9,0.95,0.8,0.9,0.85,0.92,0.001,0.002,0.001,0.97,1,2\n") {
		t.Errorf("CSV:\n%s", cs.String())
	}
	for _, want := range []string{"90% CI", "[+0.8500, +0.9200]", "97%", "1000 replicates", "500 permutations"} {
		if !strings.Contains(tb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tb.String())
		}
	}
}

func TestHTML(t *testing.T) {
	r := testReport()
	r.Uncertainty = &Uncertainty{Bootstrap: 100, Permutations: 50, Level: 0.95, Seed: 1}
	r.DNNs[0].BHScoreCI, r.DNNs[0].BHScoreP, r.DNNs[0].RankStability, r.DNNs[0].RankRange = []float64{0.8, 0.95}, 0.02, 0.9, []int{2, 3}
	r.Parameters = []Field{{"p-value threshold", "0.05"}}
	h := r.HTML(nil)
	if len(h.Networks) != 4 || h.Networks[1].Name != "TinyHier" || h.Networks[1].BHScore.Lo != 0.8 || h.Networks[1].RankHi != 3 {
		t.Fatalf("networks: %+v", h.Networks)
	}
	if len(h.Published) != 29 || len(h.Parameters) != 1 || h.Level != 0.95 {
		t.Errorf("published %d, parameters %v, level %v", len(h.Published), h.Parameters, h.Level)
	}
	if tb := h.Networks[1].Tables; len(tb) != 1 || len(tb[0].Rows) != 3 || tb[0].Rows[0][1] != "9" {
		t.Errorf("tables: %+v", tb)
	}
	if !math.IsNaN(h.Networks[0].BHScore.P) || !math.IsNaN(h.Networks[0].RankStability) {
		t.Errorf("not run must be NaN: %+v", h.Networks[0])
	}
}
