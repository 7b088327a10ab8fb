package bhscore

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brainhierarchy/bhscore/hierarchy"
	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/pipelinetest"
)

// pipelineConfig is the study of testdata/pipeline (conformance/pipeline):
// two subjects, five ROIs, two networks, alpha 100 and 15 selected inputs
// in both directions (the patched scripts' settings), results in out.
func pipelineConfig(t testing.TB, out string) *Config {
	t.Helper()
	p, err := filepath.Abs("testdata/pipeline")
	if err != nil {
		t.Fatal(err)
	}
	c := &Config{
		TrainFeatures: filepath.Join(p, "features/ImageNetTraining"),
		TestFeatures:  filepath.Join(p, "features/ImageNetTest"),
		Networks: []NetworkConfig{
			{Name: "TinyHier", Dir: "pytorch/TinyHier", Layers: []string{"conv1", "conv2", "conv3", "fc1", "fc2"}},
			{Name: "TinyRev", Dir: "caffe/TinyRev", Layers: []string{"stage1", "stage2", "stage3", "stage4"}},
		},
		Decoding: DirectionConfig{Alpha: 100, NFeat: 15},
		Encoding: DirectionConfig{Alpha: 100, NFeat: 15},
		Output:   out,
	}
	for _, s := range []string{"sub-01", "sub-02"} {
		c.Subjects = append(c.Subjects, SubjectConfig{Name: s,
			Train: filepath.Join(p, "fmri", s+"_perceptionNaturalImageTraining_VC_v2.h5"),
			Test:  filepath.Join(p, "fmri", s+"_perceptionNaturalImageTest_VC_v2.h5")})
	}
	for _, r := range []string{"V1", "V2", "V3", "V4", "HVC"} {
		c.ROIs = append(c.ROIs, ROIConfig{Name: r, Selector: "ROI_" + r + " = 1"})
	}
	c.defaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRunStudyPipeline runs the whole miniature study from its inputs and
// compares the BH scores and ranking with the notebook's
// (expected.json bhscores_summary, ranking). The recomputed accuracies
// differ from the stored ones by at most ~3e-7 (decode and encode tests), far
// below the decision margins (README: >= 8.6e-5), so the scores agree to
// 1e-12 as the README suggests.
func TestRunStudyPipeline(t *testing.T) {
	raw, err := os.ReadFile("testdata/pipeline/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want pipelineExpected
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cfg := pipelineConfig(t, out)
	var started, finished, targets int
	rep, err := RunStudy(context.Background(), cfg, &RunOptions{
		DiscardModels: true, DiscardPredictions: true,
		Score: &ScoreOptions{Selection: &hierarchy.Selection{Method: hierarchy.Numpy, Seed: 0}},
		Progress: func(e Event) {
			switch e.Kind {
			case JobStarted:
				started++
			case JobFinished:
				finished++
			case JobTargets:
				targets++
			case JobFailed:
				t.Errorf("%s: %v", e.Job.Key(), e.Err)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if started != 180 || finished != 180 || targets == 0 {
		t.Errorf("events: %d started, %d finished, %d target reports", started, finished, targets)
	}
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
	if _, err := LoadSettings(filepath.Join(out, "settings.json")); err != nil {
		t.Errorf("settings.json: %v", err)
	}
	// A second run finds everything done and only scores.
	var ran int
	if _, err := RunStudy(context.Background(), cfg, &RunOptions{DiscardModels: true, DiscardPredictions: true,
		Progress: func(e Event) {
			if e.Kind == JobStarted {
				ran++
			}
		}}); err != nil {
		t.Fatal(err)
	}
	if ran != 0 {
		t.Errorf("second run ran %d jobs", ran)
	}
}

// reducedConfig is the pipeline study restricted to TinyRev's first two
// layers (40 jobs), keeping every output.
func reducedConfig(t testing.TB, out string) *Config {
	c := pipelineConfig(t, out)
	c.Networks = []NetworkConfig{{Name: "TinyRev", Dir: "caffe/TinyRev", Layers: []string{"stage1", "stage2"}}}
	return c
}

const childEnv = "BHSCORE_STUDY_CHILD_OUT"

// TestStudyChild is the worker re-executed by TestKillResume; it does
// nothing in a normal run.
func TestStudyChild(t *testing.T) {
	out := os.Getenv(childEnv)
	if out == "" {
		t.Skip("helper process")
	}
	Analyse(context.Background(), reducedConfig(t, out), &RunOptions{SolverWorkers: 1, DiscardPredictions: true})
}

// keepModels keeps decoders and encoders (7 files per job) but not the
// per-image predictions, to keep the fsync count of the tests small; the
// prediction writers are the same atomic MAT writer.
var keepModels = &RunOptions{DiscardPredictions: true}

// TestKillResume interrupts runs at random points (SIGKILL of a re-executed
// worker process, and cancellation of ctx), restarts them, and checks that
// the final outputs, done markers included, are byte-identical to an
// uninterrupted run's.
func TestKillResume(t *testing.T) {
	ctx := context.Background()
	ref := t.TempDir()
	if _, err := Analyse(ctx, reducedConfig(t, ref), keepModels); err != nil {
		t.Fatal(err)
	}
	want := pipelinetest.Files(t, ref, atomicfile.IsTemp)
	if len(want) < 40*8 {
		t.Fatalf("reference run wrote %d files", len(want))
	}
	rng := rand.New(rand.NewPCG(7, 7))
	out := t.TempDir()
	// Two SIGKILLs of a child process at random times.
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStudyChild$")
		cmd.Env = append(os.Environ(), childEnv+"="+out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(200+rng.IntN(800)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
	}
	// Two cancellations after a random number of jobs.
	for range 2 {
		cctx, cancel := context.WithCancel(ctx)
		stop := 1 + rng.IntN(6)
		n := 0
		Analyse(cctx, reducedConfig(t, out), &RunOptions{DiscardPredictions: true, Progress: func(e Event) {
			if e.Kind == JobFinished {
				if n++; n == stop {
					cancel()
				}
			}
		}})
		cancel()
	}
	sum, err := Analyse(ctx, reducedConfig(t, out), keepModels)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Remaining != 0 {
		t.Fatalf("%d jobs remain", sum.Remaining)
	}
	t.Logf("final run: %d finished, %d skipped", sum.Finished, sum.Skipped)
	pipelinetest.CompareFiles(t, want, pipelinetest.Files(t, out, atomicfile.IsTemp))
}

// TestTwoWorkers runs two workers on one output directory at once (with
// Wait, so each also takes what the other leaves) and checks that every job
// ran exactly once.
func TestTwoWorkers(t *testing.T) {
	out := t.TempDir()
	cfg := reducedConfig(t, out)
	var mu sync.Mutex
	runs := map[string]int{}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := Analyse(context.Background(), cfg, &RunOptions{
				Wait: true, Heartbeat: 50 * time.Millisecond, SolverWorkers: 1,
				DiscardModels: true, DiscardPredictions: true,
				Host: fmt.Sprintf("worker%d", w),
				Progress: func(e Event) {
					if e.Kind == JobStarted {
						mu.Lock()
						runs[e.Job.Key()]++
						mu.Unlock()
					}
				}})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(runs) != 40 {
		t.Errorf("%d distinct jobs ran, want 40", len(runs))
	}
	for k, n := range runs {
		if n != 1 {
			t.Errorf("%s ran %d times", k, n)
		}
	}
}

// TestStudyBadInput checks that bad inputs fail the job with an error naming
// the direction, network, layer, subject and ROI, without stopping the other
// jobs.
func TestStudyBadInput(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(c *Config)
		want []string
	}{
		{"empty selection", func(c *Config) { c.ROIs = []ROIConfig{{Name: "none", Selector: "ROI_V1 = 2"}} },
			[]string{"decode network TinyRev layer stage1 subject sub-01 ROI none", "selection is empty"}},
		{"unknown key", func(c *Config) { c.ROIs = []ROIConfig{{Name: "V9", Selector: "ROI_V9 = 1"}} },
			[]string{"subject sub-01 ROI V9", "ROI_V9"}},
		{"missing layer", func(c *Config) { c.Networks[0].Layers = []string{"stage9"} },
			[]string{"network TinyRev layer stage9 subject sub-01 ROI V1", "training features"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := reducedConfig(t, t.TempDir())
			cfg.Networks[0].Layers = cfg.Networks[0].Layers[:1]
			cfg.Subjects = cfg.Subjects[:1]
			cfg.ROIs = cfg.ROIs[:1]
			cfg.Encoding.Skip = true
			c.edit(cfg)
			_, err := RunStudy(context.Background(), cfg, &RunOptions{DiscardModels: true, DiscardPredictions: true})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
