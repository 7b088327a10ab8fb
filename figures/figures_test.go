package figures

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/brainhierarchy/bhscore/report"
)

func TestFigures(t *testing.T) {
	dir := t.TempDir()
	r := testReport()
	files, err := SaveFigure3(r, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	s1, err := SaveFigureS1(r.DNNs[0], dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, s1...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(f) {
		case ".png":
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if sz := img.Bounds().Size(); sz.X < 300 || sz.Y < 250 {
				t.Errorf("%s: %v pixels", f, sz)
			}
		case ".svg":
			names := []string{"TinyHier", "conv1", "fc1", "HVC"}
			if filepath.Base(f) == "figure3.svg" {
				names = []string{"TinyHier", "TinyRev", "MyNet", "Broken", "VGG-S", "Inception-v4", "0.89"}
			}
			for _, n := range names {
				if !bytes.Contains(b, []byte(n)) {
					t.Errorf("%s does not contain %q", f, n)
				}
			}
		}
	}
	if _, err := SaveFigure3(r, dir, &Figure3Options{OmitPublished: true}); err != nil {
		t.Error(err)
	}
	if _, err := SaveFigure3(&report.Report{}, dir, &Figure3Options{OmitPublished: true}); err == nil {
		t.Error("empty report: no error")
	}
}

// testReport has a network with a top-ROI table (Figure S1), a NaN score
// and scores to place among the published ones.
func testReport() *report.Report {
	hier := report.DNNScore{Name: "TinyHier", Decoding: 0.92, Encoding: 0.86, BHScore: 0.8899179880422999,
		Layers: []string{"conv1", "conv2", "fc1"}, ROIs: []string{"V1", "V2", "V3", "V4", "HVC"},
		TopROICounts: [][]int{{9, 3, 1, 0, 0}, {1, 5, 6, 2, 0}, {0, 0, 0, 3, 0}}}
	return report.New([]report.DNNScore{hier,
		{Name: "TinyRev", BHScore: -0.85}, {Name: "Broken", BHScore: math.NaN()}, {Name: "MyNet", BHScore: 0.25}})
}

// TestFigure3ErrorBars checks that a study network's bootstrap interval
// is drawn: the error bar's caps sit at the interval's ends, so the
// figure's x range must reach them.
func TestFigure3ErrorBars(t *testing.T) {
	r := testReport()
	r.DNNs[3].BHScoreCI = []float64{0.1, 0.62}
	p, err := Figure3(r, &Figure3Options{OmitPublished: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.X.Max < 0.62 {
		t.Errorf("x range ends at %v, before the interval's end 0.62", p.X.Max)
	}
	// The SVG with the interval draws more paths (the bar and its caps).
	plain := testReport()
	count := func(r *report.Report) int {
		files, err := SaveFigure3(r, t.TempDir(), &Figure3Options{OmitPublished: true})
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(files[1])
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Count(b, []byte("<path"))
	}
	if with, without := count(r), count(plain); with < without+3 {
		t.Errorf("SVG paths: %d with the interval, %d without; want 3 more (bar and two caps)", with, without)
	}
	dir := os.Getenv("BHSCORE_FIGURE_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if _, err := SaveFigure3(r, dir, nil); err != nil {
		t.Fatal(err)
	}
}
