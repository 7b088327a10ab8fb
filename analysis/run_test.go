package analysis_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/pipelinetest"
)

// reducedConfig is the pipeline study restricted to TinyRev's first two
// layers (40 jobs), keeping every output.
func reducedConfig(t testing.TB, out string) *analysis.Config {
	c := pipelinetest.Config(t, pipelinetest.Dir, out)
	c.Networks = []analysis.NetworkConfig{{Name: "TinyRev", Dir: "caffe/TinyRev", Layers: []string{"stage1", "stage2"}}}
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
	analysis.Run(context.Background(), reducedConfig(t, out), &analysis.Options{SolverWorkers: 1, DiscardPredictions: true})
}

// keepModels keeps decoders and encoders (7 files per job) but not the
// per-image predictions, to keep the fsync count of the tests small; the
// prediction writers are the same atomic MAT writer.
var keepModels = &analysis.Options{DiscardPredictions: true}

// TestKillResume interrupts runs at random points (SIGKILL of a re-executed
// worker process, and cancellation of ctx), restarts them, and checks that
// the final outputs, done markers included, are byte-identical to an
// uninterrupted run's.
func TestKillResume(t *testing.T) {
	ctx := context.Background()
	ref := t.TempDir()
	if _, err := analysis.Run(ctx, reducedConfig(t, ref), keepModels); err != nil {
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
		analysis.Run(cctx, reducedConfig(t, out), &analysis.Options{DiscardPredictions: true, Progress: func(e analysis.Event) {
			if e.Kind == analysis.JobFinished {
				if n++; n == stop {
					cancel()
				}
			}
		}})
		cancel()
	}
	sum, err := analysis.Run(ctx, reducedConfig(t, out), keepModels)
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
			_, err := analysis.Run(context.Background(), cfg, &analysis.Options{
				Wait: true, Heartbeat: 50 * time.Millisecond, SolverWorkers: 1,
				DiscardModels: true, DiscardPredictions: true,
				Host: fmt.Sprintf("worker%d", w),
				Progress: func(e analysis.Event) {
					if e.Kind == analysis.JobStarted {
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
		edit func(c *analysis.Config)
		want []string
	}{
		{"empty selection", func(c *analysis.Config) { c.ROIs = []analysis.ROIConfig{{Name: "none", Selector: "ROI_V1 = 2"}} },
			[]string{"decode network TinyRev layer stage1 subject sub-01 ROI none", "selection is empty"}},
		{"unknown key", func(c *analysis.Config) { c.ROIs = []analysis.ROIConfig{{Name: "V9", Selector: "ROI_V9 = 1"}} },
			[]string{"subject sub-01 ROI V9", "ROI_V9"}},
		{"missing layer", func(c *analysis.Config) { c.Networks[0].Layers = []string{"stage9"} },
			[]string{"network TinyRev layer stage9 subject sub-01 ROI V1", "training features"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := reducedConfig(t, t.TempDir())
			cfg.Networks[0].Layers = cfg.Networks[0].Layers[:1]
			cfg.Subjects = cfg.Subjects[:1]
			cfg.ROIs = cfg.ROIs[:1]
			cfg.Encoding.Skip = true
			c.edit(cfg)
			_, err := analysis.Run(context.Background(), cfg, &analysis.Options{DiscardModels: true, DiscardPredictions: true})
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
