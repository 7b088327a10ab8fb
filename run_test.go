package bhscore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/hierarchy"
	"github.com/brainhierarchy/bhscore/internal/pipelinetest"
)

// TestRunPipeline runs the whole miniature study from its inputs and
// compares the BH scores and ranking with the notebook's
// (expected.json bhscores_summary, ranking). The recomputed accuracies
// differ from the stored ones by at most ~3e-7 (decode and encode tests), far
// below the decision margins (README: >= 8.6e-5), so the scores agree to
// 1e-12 as the README suggests.
func TestRunPipeline(t *testing.T) {
	want := loadPipelineExpected(t)
	out := t.TempDir()
	cfg := pipelinetest.Config(t, "testdata/pipeline", out)
	var started, finished, targets int
	rep, err := Run(context.Background(), cfg, &analysis.Options{
		DiscardModels: true, DiscardPredictions: true,
		Progress: func(e analysis.Event) {
			switch e.Kind {
			case analysis.JobStarted:
				started++
			case analysis.JobFinished:
				finished++
			case analysis.JobTargets:
				targets++
			case analysis.JobFailed:
				t.Errorf("%s: %v", e.Job.Key(), e.Err)
			}
		},
	}, &ScoreOptions{Selection: &hierarchy.Selection{Method: hierarchy.Numpy, Seed: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if started != 180 || finished != 180 || targets == 0 {
		t.Errorf("events: %d started, %d finished, %d target reports", started, finished, targets)
	}
	checkPipelineReport(t, rep, want)
	if _, err := LoadDesign(filepath.Join(out, "settings.json")); err != nil {
		t.Errorf("settings.json: %v", err)
	}
	// A second run finds everything done and only scores.
	var ran int
	if _, err := Run(context.Background(), cfg, &analysis.Options{DiscardModels: true, DiscardPredictions: true,
		Progress: func(e analysis.Event) {
			if e.Kind == analysis.JobStarted {
				ran++
			}
		}}, nil); err != nil {
		t.Fatal(err)
	}
	if ran != 0 {
		t.Errorf("second run ran %d jobs", ran)
	}
}
