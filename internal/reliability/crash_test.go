package reliability

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brainhierarchy/bhscore"
	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/jobs"
	"github.com/brainhierarchy/bhscore/internal/mat"
	"github.com/brainhierarchy/bhscore/internal/pipelinetest"
	"github.com/brainhierarchy/bhscore/sim"
)

// Environment of a re-executed child: childEnv is the output directory,
// studyEnv the simulated study, hostEnv the worker's name, logEnv a file
// receiving one line per started job.
const (
	childEnv = "BHSCORE_RELIABILITY_CHILD"
	studyEnv = "BHSCORE_RELIABILITY_STUDY"
	hostEnv  = "BHSCORE_RELIABILITY_HOST"
	logEnv   = "BHSCORE_RELIABILITY_LOG"
)

// studyConfig is the tiny simulated study cut to 16 jobs: one subject, two
// ROIs, the first two layers of one MAT v5 and one MAT v7.3 network, both
// directions, results in out.
func studyConfig(dir, out string) (*analysis.Config, error) {
	s, err := sim.New(sim.Tiny, 1)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp("", "study-*.yaml")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	tmp.Write(s.StudyYAML())
	tmp.Close()
	cfg, err := analysis.LoadConfig(dir, tmp.Name())
	if err != nil {
		return nil, err
	}
	cfg.Subjects = cfg.Subjects[:1]
	cfg.ROIs = cfg.ROIs[:2]
	var nets []analysis.NetworkConfig
	for _, f := range []sim.Format{sim.V5, sim.V73} {
		for i, n := range s.Nets {
			if n.Format == f {
				nc := cfg.Networks[i]
				nc.Layers = nc.Layers[:2]
				nets = append(nets, nc)
				break
			}
		}
	}
	cfg.Networks = nets
	cfg.Output = out
	return cfg, cfg.Validate()
}

// runChild is the worker process: it runs the study into out.
func runChild(out string) int {
	cfg, err := studyConfig(os.Getenv(studyEnv), out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	opts := &analysis.Options{SolverWorkers: 1, Host: os.Getenv(hostEnv), Wait: true,
		Heartbeat: 200 * time.Millisecond, StaleAfter: 3 * time.Second}
	if lp := os.Getenv(logEnv); lp != "" {
		lf, err := os.OpenFile(lp, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		defer lf.Close()
		var mu sync.Mutex
		opts.Progress = func(e analysis.Event) {
			if e.Kind == analysis.JobStarted {
				mu.Lock()
				fmt.Fprintf(lf, "%s %s\n", opts.Host, e.Job.Key())
				mu.Unlock()
			}
		}
	}
	if _, err := bhscore.Run(context.Background(), cfg, opts, nil); err != nil && !errors.Is(err, bhscore.ErrIncomplete) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func child(t *testing.T, dir, out, host, log string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+out, studyEnv+"="+dir, hostEnv+"="+host, logEnv+"="+log)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s := stderr.String(); s != "" && !strings.Contains(s, "HDF5-DIAG") {
			t.Logf("%s stderr: %s", host, s)
		}
	})
	return cmd
}

// checkNothingPartialFinished inspects a directory left by a killed
// worker: every done marker's outputs verify (size and SHA-256), and every
// .mat file not under a temporary name parses completely.
func checkNothingPartialFinished(t *testing.T, out string) (done, temps int) {
	t.Helper()
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case atomicfile.IsTemp(d.Name()):
			temps++
		case strings.HasSuffix(p, ".done"):
			done++
			if err := jobs.Verify(p); err != nil {
				t.Errorf("marker taken as finished but its outputs are not: %v", err)
			}
		case strings.HasSuffix(p, ".mat"):
			if _, err := mat.ReadAll(p); err != nil {
				t.Errorf("partial file under its final name: %v", err)
			}
		}
		return nil
	})
	return done, temps
}

// TestKillRestartStudy SIGKILLs a worker process running the study
// (decoding and encoding, bhscore.Run in a re-executed test binary) at random
// points, checks after each kill that no partial file is taken as
// finished, restarts it (each worker names another host, so the locks of
// killed workers are reclaimed as stale, after 3 s without heartbeat), and finally compares every output (models,
// predictions, accuracies, settings, done markers) byte for byte with an
// uninterrupted run. The root package's TestKillResume does the same on
// the conformance pipeline, interrupting by ctx as well.
func TestKillRestartStudy(t *testing.T) {
	dir, _ := tinyStudy(t)
	ref := t.TempDir()
	start := time.Now()
	if c := child(t, dir, ref, "reference", ""); c.Wait() != nil {
		t.Fatal("reference run failed")
	}
	full := time.Since(start)
	want := pipelinetest.Files(t, ref, nil)
	if len(want) < 16 {
		t.Fatalf("reference run wrote %d files", len(want))
	}
	out := t.TempDir()
	rng := rand.New(rand.NewPCG(8, 8))
	const kills = 4
	for k := range kills {
		c := child(t, dir, out, fmt.Sprintf("victim%d", k), "")
		// A random point in the first half of a full run's time: each
		// restart resumes, so later points would find the study done.
		time.Sleep(full/10 + time.Duration(rng.Int64N(int64(full/2))))
		c.Process.Kill()
		c.Wait()
		done, temps := checkNothingPartialFinished(t, out)
		t.Logf("kill %d: %d jobs done, %d temporary files left", k, done, temps)
	}
	if c := child(t, dir, out, "finisher", ""); c.Wait() != nil {
		t.Fatal("final run failed")
	}
	// Temporary files included: none may be left after the restarts.
	pipelinetest.CompareFiles(t, want, pipelinetest.Files(t, out, nil))
	t.Logf("uninterrupted run %v; %d files identical", full.Round(time.Millisecond), len(want))
}

// TestSharedOutputWorkers runs 2 and 4 worker processes on one output
// directory at once: every job runs exactly once and all finish. (Stale
// locks of killed workers: TestKillRestartStudy above, and
// internal/jobs TestLockKilledOwnerReclaimed, TestRunStaleLockReclaimed.)
func TestSharedOutputWorkers(t *testing.T) {
	dir, _ := tinyStudy(t)
	for _, n := range []int{2, 4} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			out := t.TempDir()
			log := filepath.Join(t.TempDir(), "started.log")
			var cs []*exec.Cmd
			for w := range n {
				cs = append(cs, child(t, dir, out, fmt.Sprintf("worker%d", w), log))
			}
			for i, c := range cs {
				if err := c.Wait(); err != nil {
					t.Errorf("worker %d: %v", i, err)
				}
			}
			runs := map[string][]string{}
			for _, line := range strings.Split(strings.TrimSpace(string(readFile(t, log))), "\n") {
				host, key, _ := strings.Cut(line, " ")
				runs[key] = append(runs[key], host)
			}
			hosts := map[string]bool{}
			for k, h := range runs {
				if len(h) != 1 {
					t.Errorf("job %s ran %d times (%v)", k, len(h), h)
				}
				hosts[h[0]] = true
			}
			if len(runs) != 16 {
				t.Errorf("%d distinct jobs ran, want 16", len(runs))
			}
			if _, err := os.Stat(filepath.Join(out, "settings.json")); err != nil {
				t.Errorf("study not scored: %v", err)
			}
			checkNothingPartialFinished(t, out)
			t.Logf("%d workers: %d jobs by %d processes", n, len(runs), len(hosts))
		})
	}
}
