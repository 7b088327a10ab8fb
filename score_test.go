package bhscore

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/brainhierarchy/bhscore/hierarchy"
	"github.com/brainhierarchy/bhscore/report"
)

// pipelineExpected holds the parts of testdata/pipeline/expected.json
// (conformance/pipeline, produced by the original scripts and the
// calc_bhscore.ipynb logic) that scoring reproduces.
type pipelineExpected struct {
	Summary map[string]struct {
		Decoding, Encoding, Average float64
	} `json:"bhscores_summary"`
	Ranking []struct {
		Rank    int
		Network string
	} `json:"ranking"`
}

// loadPipelineExpected reads testdata/pipeline/expected.json.
func loadPipelineExpected(t *testing.T) pipelineExpected {
	t.Helper()
	raw, err := os.ReadFile("testdata/pipeline/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want pipelineExpected
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	return want
}

// checkPipelineReport compares a report of the pipeline study with the
// notebook's scores and ranking, within 1e-12 (conformance/pipeline/README.md:
// BH scores within 1e-12).
func checkPipelineReport(t *testing.T, rep *report.Report, want pipelineExpected) {
	t.Helper()
	const tol = 1e-12
	for _, d := range rep.DNNs {
		w := want.Summary[d.Name]
		if math.Abs(d.Decoding-w.Decoding) > tol || math.Abs(d.Encoding-w.Encoding) > tol || math.Abs(d.BHScore-w.Average) > tol {
			t.Errorf("%s: got %v %v %v, want %v %v %v", d.Name, d.Decoding, d.Encoding, d.BHScore, w.Decoding, w.Encoding, w.Average)
		}
	}
	for i, r := range want.Ranking {
		if got := rep.DNNs[rep.Ranking[i]].Name; got != r.Network {
			t.Errorf("rank %d: %s, want %s", r.Rank, got, r.Network)
		}
	}
}

// TestScorePipelineTrees scores the accuracy trees the original scripts
// wrote and compares with the notebook's numbers. The notebook seeds
// np.random.seed(0) before each network's decoding cell and uses
// n_layers = min(5, L); tolerance 1e-12 as conformance/pipeline suggests.
func TestScorePipelineTrees(t *testing.T) {
	want := loadPipelineExpected(t)
	s, err := LoadDesign("testdata/pipeline/settings.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Order) != 2 || s.Order[0] != "TinyHier" {
		t.Fatalf("order = %v", s.Order)
	}
	rep, err := ScoreTrees(context.Background(), s,
		"testdata/pipeline/decoding_accuracy/ImageNetTest",
		"testdata/pipeline/encoding_accuracy/ImageNetTest",
		&ScoreOptions{Selection: &hierarchy.Selection{Method: hierarchy.Numpy, Seed: 0}})
	if err != nil {
		t.Fatal(err)
	}
	checkPipelineReport(t, rep, want)
	// The default exact expectation equals the seed-0 mean here because
	// every draw is the full set of middle layers (README: n_layers = L).
	exact, err := ScoreTrees(context.Background(), s,
		"testdata/pipeline/decoding_accuracy/ImageNetTest", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range exact.DNNs {
		if math.Abs(d.Decoding-want.Summary[d.Name].Decoding) > 1e-12 || !math.IsNaN(d.Encoding) {
			t.Errorf("%s exact: %v %v", d.Name, d.Decoding, d.Encoding)
		}
		if len(d.TopROICounts) != len(s.DNNs[d.Name].Layers) {
			t.Errorf("%s: top ROI counts for %d layers", d.Name, len(d.TopROICounts))
		}
	}
}

func TestDesignErrors(t *testing.T) {
	for _, bad := range []string{
		`{`,
		`{"subjects": [], "rois": ["V1"], "dnns": {"a": {"dir": "x", "layers": ["l"]}}}`,
		`{"subjects": ["s"], "rois": ["V1"], "dnns": {}}`,
		`{"subjects": ["s"], "rois": ["V1"], "dnns": {"a": {"dir": "../x", "layers": ["l"]}}}`,
		`{"subjects": ["s"], "rois": ["V1"], "dnns": {"a": {"dir": "x", "layers": []}}}`,
	} {
		if _, err := ParseDesign([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestDesignRoundTrip(t *testing.T) {
	s, err := LoadDesign("testdata/pipeline/settings.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseDesign(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Order) != 2 || back.Order[1] != "TinyRev" || back.DNNs["TinyRev"].Dir != "caffe/TinyRev" || len(back.DNNs["TinyHier"].Layers) != 5 {
		t.Errorf("round trip: %+v", back)
	}
}
