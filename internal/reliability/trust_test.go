package reliability

// Tests of issue 14: every output matches the inputs and parameters that
// made it, and says so. Each case of the issue has a test here (or names
// the package test that covers it); the README's reliability table lists
// them with their outcomes.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/brainhierarchy/bhscore"
	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/bdmodel"
	"github.com/brainhierarchy/bhscore/cli"
	"github.com/brainhierarchy/bhscore/figures"
	"github.com/brainhierarchy/bhscore/fmri"
	"github.com/brainhierarchy/bhscore/hierarchy"
	"github.com/brainhierarchy/bhscore/internal/jobs"
	"github.com/brainhierarchy/bhscore/provenance"
	"github.com/brainhierarchy/bhscore/report"
	"github.com/brainhierarchy/bhscore/sim"
)

// pipelineDir is the conformance pipeline's inputs (testdata/pipeline).
const pipelineDir = "../../testdata/pipeline"

// copyTree copies the regular files below src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		writeFile(t, dst, rel, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// trustStudy copies the pipeline's fMRI of sub-01 and TinyRev's features
// into a fresh directory that a test may modify.
func trustStudy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, split := range []string{"Training", "Test"} {
		name := "sub-01_perceptionNaturalImage" + split + "_VC_v2.h5"
		writeFile(t, dir, filepath.Join("fmri", name), readFile(t, filepath.Join(pipelineDir, "fmri", name)))
		set := "ImageNet" + split
		copyTree(t, filepath.Join(pipelineDir, "features", set, "caffe/TinyRev"), filepath.Join(dir, "features", set, "caffe/TinyRev"))
	}
	return dir
}

// trustConfig is a study of 8 jobs on trustStudy's dir: sub-01, ROIs V1 and
// V2, TinyRev's first two layers, alpha 100, 15 inputs per target.
func trustConfig(dir, out string) *analysis.Config {
	alpha, nfeat := 100.0, 15
	dalpha, ealpha := alpha, alpha
	dn, en := nfeat, nfeat
	return &analysis.Config{
		Subjects: []analysis.SubjectConfig{{Name: "sub-01",
			Train: filepath.Join(dir, "fmri/sub-01_perceptionNaturalImageTraining_VC_v2.h5"),
			Test:  filepath.Join(dir, "fmri/sub-01_perceptionNaturalImageTest_VC_v2.h5")}},
		ROIs:          []analysis.ROIConfig{{Name: "V1", Selector: "ROI_V1 = 1"}, {Name: "V2", Selector: "ROI_V2 = 1"}},
		TrainFeatures: filepath.Join(dir, "features/ImageNetTraining"),
		TestFeatures:  filepath.Join(dir, "features/ImageNetTest"),
		Networks:      []analysis.NetworkConfig{{Name: "TinyRev", Dir: "caffe/TinyRev", Layers: []string{"stage1", "stage2"}}},
		Decoding:      analysis.DirectionConfig{Alpha: &dalpha, NFeat: &dn},
		Encoding:      analysis.DirectionConfig{Alpha: &ealpha, NFeat: &en},
		Output:        out,
		TrainSet:      "ImageNetTraining",
		TestSet:       "ImageNetTest",
	}
}

// runLog records what a run did.
type runLog struct {
	mu      sync.Mutex
	started []string
	reasons map[string][]string
}

// options returns analysis options that record started jobs and their
// reasons into l; models are kept.
func (l *runLog) options() *analysis.Options {
	l.reasons = map[string][]string{}
	return &analysis.Options{SolverWorkers: 1, DiscardPredictions: true, Progress: func(e analysis.Event) {
		if e.Kind == analysis.JobStarted {
			l.mu.Lock()
			l.started = append(l.started, e.Job.Key())
			if e.Reasons != nil {
				l.reasons[e.Job.Key()] = e.Reasons
			}
			l.mu.Unlock()
		}
	}}
}

func runTrust(t *testing.T, cfg *analysis.Config, l *runLog) *report.Report {
	t.Helper()
	rep, err := bhscore.Run(context.Background(), cfg, l.options(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func reportJSON(t *testing.T, rep *report.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestRerunAfterParameterChange: alpha changed, rerun into the same
// output: the decoding jobs are redone, saying why, and the scores are
// those of a fresh run with the new alpha; an unchanged rerun runs nothing
// and rewrites byte-identical reports (provenance included). Deleting the
// done markers and accuracy trees does not bring back the old models: a
// model is reused only with its own configuration's fingerprint.
func TestRerunAfterParameterChange(t *testing.T) {
	t.Parallel()
	dir := trustStudy(t)
	out := t.TempDir()
	cfg := trustConfig(dir, out)
	var l runLog
	first := reportJSON(t, runTrust(t, cfg, &l))
	if len(l.started) != 8 {
		t.Fatalf("first run started %d jobs", len(l.started))
	}
	l = runLog{}
	if again := reportJSON(t, runTrust(t, cfg, &l)); !bytes.Equal(again, first) || len(l.started) != 0 {
		t.Fatalf("unchanged rerun: %d jobs started, report identical %v", len(l.started), bytes.Equal(again, first))
	}
	if !bytes.Contains(first, []byte(`"fingerprint"`)) || !bytes.Contains(first, []byte(`"bhscore_version"`)) {
		t.Error("report has no provenance")
	}

	big := 1e6
	cfg.Decoding.Alpha = &big
	l = runLog{}
	changed := runTrust(t, cfg, &l)
	if len(l.started) != 4 || len(l.reasons) != 4 {
		t.Fatalf("after alpha change: started %q, reasons %v", l.started, l.reasons)
	}
	for k, r := range l.reasons {
		if !strings.Contains(k, "/decode/") || !slices.Equal(r, []string{"alpha 100 -> 1e+06"}) {
			t.Errorf("job %s redone because %q", k, r)
		}
	}
	fresh := runTrust(t, trustConfigAlpha(dir, t.TempDir(), big), &runLog{})
	if changed.DNNs[0].Decoding != fresh.DNNs[0].Decoding || changed.DNNs[0].Decoding == mustParseScore(t, first) {
		t.Errorf("decoding score after the change %v, fresh run %v, before %v", changed.DNNs[0].Decoding, fresh.DNNs[0].Decoding, mustParseScore(t, first))
	}

	// Back to alpha 100, then delete markers and accuracy trees: the
	// alpha-1e6 models left in feature_decoders must not be reused.
	hundred := 100.0
	cfg.Decoding.Alpha = &hundred
	for _, p := range []string{".bhscore", "decoding_accuracy", "encoding_accuracy"} {
		if err := os.RemoveAll(filepath.Join(out, p)); err != nil {
			t.Fatal(err)
		}
	}
	l = runLog{}
	if again := reportJSON(t, runTrust(t, cfg, &l)); !bytes.Equal(again, first) {
		t.Errorf("alpha 100 again after deleting markers and accuracies: report differs from the first run's\n%s\n%s", again, first)
	}
}

func trustConfigAlpha(dir, out string, alpha float64) *analysis.Config {
	c := trustConfig(dir, out)
	c.Decoding.Alpha = &alpha
	return c
}

func mustParseScore(t *testing.T, js []byte) float64 {
	t.Helper()
	var r struct {
		DNNs []struct {
			Decoding float64 `json:"decoding"`
		} `json:"dnns"`
	}
	if err := json.Unmarshal(js, &r); err != nil {
		t.Fatal(err)
	}
	return r.DNNs[0].Decoding
}

// TestModelWithoutFingerprint: a finished model of unknown origin (here
// one the original scripts trained, from the pipeline's fixtures) is
// refused by default, naming it, and reused with ReuseModels; bdpy's loader
// ignores the fingerprint file bhscore adds.
func TestModelWithoutFingerprint(t *testing.T) {
	t.Parallel()
	dir := trustStudy(t)
	out := t.TempDir()
	cfg := trustConfig(dir, out)
	rel := "feature_decoders/ImageNetTraining/caffe/TinyRev/stage2/sub-01/V1/model"
	// A model the original scripts trained (the pipeline's fixture).
	copyTree(t, filepath.Join(pipelineDir, "feature_decoders/ImageNetTraining/caffe/TinyRev/stage2/sub-02/V4/model"), filepath.Join(out, rel))
	_, err := bhscore.Run(context.Background(), cfg, &analysis.Options{SolverWorkers: 1, DiscardPredictions: true}, nil)
	if !errors.Is(err, analysis.ErrModelUnverified) {
		t.Fatalf("foreign model: %v, want ErrModelUnverified", err)
	}
	wantErr(t, err, filepath.Join(out, rel), "-reuse-models", "1 of 8 jobs failed")
	if err := os.RemoveAll(filepath.Join(out, rel)); err != nil {
		t.Fatal(err)
	}
	runTrust(t, cfg, &runLog{})
	// The models bhscore trains carry their fingerprint beside bdpy's
	// files. Without it (an older bhscore's model) and without the done
	// markers, the model is refused, or reused with ReuseModels.
	fp := filepath.Join(out, rel, bdmodel.FingerprintFile)
	if _, err := os.Stat(fp); err != nil {
		t.Fatalf("trained model without fingerprint: %v", err)
	}
	os.Remove(fp)
	os.RemoveAll(filepath.Join(out, ".bhscore"))
	if _, err := bhscore.Run(context.Background(), cfg, &analysis.Options{SolverWorkers: 1, DiscardPredictions: true}, nil); !errors.Is(err, analysis.ErrModelUnverified) {
		t.Fatalf("model without fingerprint: %v, want ErrModelUnverified", err)
	}
	if _, err := bhscore.Run(context.Background(), cfg, &analysis.Options{SolverWorkers: 1, DiscardPredictions: true, ReuseModels: true}, nil); err != nil {
		t.Fatalf("with ReuseModels: %v", err)
	}
}

// TestConflictingConfigurations: two runs with different alphas writing
// one output at once: the second refuses, naming the difference (exit code
// 4), and the first finishes unharmed.
func TestConflictingConfigurations(t *testing.T) {
	t.Parallel()
	dir := trustStudy(t)
	out := t.TempDir()
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	ao := &analysis.Options{SolverWorkers: 1, DiscardPredictions: true, Progress: func(e analysis.Event) {
		if e.Kind == analysis.JobStarted {
			once.Do(func() { close(started); <-release })
		}
	}}
	done := make(chan error, 1)
	go func() {
		_, err := bhscore.Run(context.Background(), trustConfig(dir, out), ao, nil)
		done <- err
	}()
	<-started
	_, err := bhscore.Run(context.Background(), trustConfigAlpha(dir, out, 1e6), &analysis.Options{SolverWorkers: 1, DiscardPredictions: true}, nil)
	close(release)
	if !errors.Is(err, analysis.ErrConflict) {
		t.Fatalf("second configuration: %v, want ErrConflict", err)
	}
	wantErr(t, err, "alpha", "pid")
	if code := cli.Exit(io.Discard, "bhscore", err); code != cli.ExitConflict {
		t.Errorf("exit code %d, want %d", code, cli.ExitConflict)
	}
	if err := <-done; err != nil {
		t.Fatalf("first run: %v", err)
	}
	// Afterwards the second configuration runs, redoing what changed.
	var l runLog
	runTrust(t, trustConfigAlpha(dir, out, 1e6), &l)
	if len(l.reasons) != 4 {
		t.Errorf("second configuration after the first: %d decoding jobs redone, want 4", len(l.reasons))
	}
}

// TestInputChangedRedone: an input file rewritten with other data (as a
// simulated study regenerated with another seed in its workdir: sim's
// TestGenerateOwnsItsDirectory) makes every job that reads it run again,
// the file named; the others are kept.
func TestInputChangedRedone(t *testing.T) {
	t.Parallel()
	dir := trustStudy(t)
	cfg := trustConfig(dir, t.TempDir())
	runTrust(t, cfg, &runLog{})
	test := filepath.Join(dir, "fmri/sub-01_perceptionNaturalImageTest_VC_v2.h5")
	setValue(t, test, 0, 0, 12345)
	var l runLog
	runTrust(t, cfg, &l)
	if len(l.started) != 8 || len(l.reasons) != 8 {
		t.Fatalf("after the test fMRI changed: started %q, reasons %v", l.started, l.reasons)
	}
	for k, r := range l.reasons {
		if len(r) != 1 || !strings.HasPrefix(r[0], "test fMRI "+test+": ") {
			t.Errorf("%s redone because %q", k, r)
		}
	}
	// The models did not depend on the test file: they were kept.
	l = runLog{}
	cfg.Decoding.Alpha = cfg.Encoding.Alpha
	runTrust(t, cfg, &l)
	if len(l.started) != 0 {
		t.Errorf("unchanged rerun started %q", l.started)
	}
}

// TestNetworkDirChanged: a network's dir changed: its jobs are redone from
// the new features and the study is scored (it used to fail at scoring on
// every rerun).
func TestNetworkDirChanged(t *testing.T) {
	t.Parallel()
	dir := trustStudy(t)
	for _, set := range []string{"ImageNetTraining", "ImageNetTest"} {
		copyTree(t, filepath.Join(dir, "features", set, "caffe/TinyRev"), filepath.Join(dir, "features", set, "caffe/TinyRev2"))
	}
	out := t.TempDir()
	cfg := trustConfig(dir, out)
	runTrust(t, cfg, &runLog{})
	cfg.Networks[0].Dir = "caffe/TinyRev2"
	var l runLog
	runTrust(t, cfg, &l)
	for k, r := range l.reasons {
		if !slices.Contains(r, "network dir caffe/TinyRev -> caffe/TinyRev2") {
			t.Errorf("%s redone because %q", k, r)
		}
	}
	if len(l.reasons) != 8 {
		t.Errorf("%d jobs redone, want 8", len(l.reasons))
	}
}

// TestWorkdirNotOwned: a -workdir holding a user's study.yaml,
// settings.json and BData file is refused, the files untouched.
func TestWorkdirNotOwned(t *testing.T) {
	t.Parallel()
	w := t.TempDir()
	files := map[string]string{"study.yaml": "mine: 1\n", "settings.json": "{}\n", "sub-01.h5": "not yours"}
	for name, body := range files {
		writeFile(t, w, name, []byte(body))
	}
	_, err := sim.Generate(context.Background(), w, sim.Tiny, 1, nil)
	if !errors.Is(err, sim.ErrNotOwned) {
		t.Fatalf("Generate into a user's directory: %v, want ErrNotOwned", err)
	}
	wantErr(t, err, w, "settings.json")
	for name, body := range files {
		if got := string(readFile(t, filepath.Join(w, name))); got != body {
			t.Errorf("%s changed to %q", name, got)
		}
	}
	ents, _ := os.ReadDir(w)
	if len(ents) != len(files) {
		t.Errorf("%d entries in the directory, want %d", len(ents), len(files))
	}
}

// TestFIFOInputs: a named pipe in place of a feature .mat file or a BData
// file is an error naming it, at once (it used to block for ever).
func TestFIFOInputs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, rel string }{
		{"feature file", "features/ImageNetTraining/caffe/TinyRev/stage1"},
		{"BData file", "fmri/sub-01_perceptionNaturalImageTest_VC_v2.h5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := trustStudy(t)
			p := filepath.Join(dir, c.rel)
			if info, err := os.Stat(p); err == nil && info.IsDir() {
				ents, _ := os.ReadDir(p)
				p = filepath.Join(p, ents[3].Name())
			}
			os.Remove(p)
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			_, err := bhscore.Run(ctx, trustConfig(dir, t.TempDir()), &analysis.Options{SolverWorkers: 1, DiscardPredictions: true}, nil)
			if ctx.Err() != nil {
				t.Fatal("run blocked on the FIFO")
			}
			wantErr(t, err, p, "named pipe (FIFO)")
		})
	}
}

// writeLock writes a lock file owned by another host with the given
// heartbeat, as package jobs does.
func writeLock(t *testing.T, path string, hb time.Time) {
	t.Helper()
	const layout = "2006-01-02T15:04:05.000000000Z"
	s := fmt.Sprintf(`{"host":"elsewhere.example","pid":4242,"token":"0123456789abcdef0123456789abcdef","started":%q,"heartbeat":%q}`+"\n",
		hb.UTC().Format(layout), hb.UTC().Format(layout))
	writeFile(t, filepath.Dir(path), filepath.Base(path), []byte(s))
	os.Chtimes(path, hb, hb)
}

// TestLocksHeldOrSkewed: a lock whose heartbeat lies an hour in the future
// (clock skew, dead host) is reclaimed and the study completes; a live
// lock of another worker leaves the study incomplete with an error naming
// the job, the lock, its host and pid, saying "study", exit code 3.
func TestLocksHeldOrSkewed(t *testing.T) {
	t.Parallel()
	dir := trustStudy(t)
	cfg := trustConfig(dir, t.TempDir())
	key := cfg.Jobs()[0].Key()
	lock, err := jobs.KeyPath(filepath.Join(cfg.Output, ".bhscore"), key, ".lock")
	if err != nil {
		t.Fatal(err)
	}
	writeLock(t, lock, time.Now().Add(time.Hour))
	runTrust(t, cfg, &runLog{})

	cfg = trustConfig(dir, t.TempDir())
	lock, _ = jobs.KeyPath(filepath.Join(cfg.Output, ".bhscore"), key, ".lock")
	writeLock(t, lock, time.Now())
	_, err = bhscore.Run(context.Background(), cfg, &analysis.Options{SolverWorkers: 1, DiscardPredictions: true}, nil)
	if !errors.Is(err, analysis.ErrHeld) || !errors.Is(err, bhscore.ErrIncomplete) {
		t.Fatalf("live foreign lock: %v, want ErrHeld", err)
	}
	wantErr(t, err, "study incomplete: 1 jobs held by others", key, lock, "elsewhere.example", "pid 4242", "heartbeat")
	if strings.Contains(err.Error(), "shard") {
		t.Errorf("unsharded run speaks of a shard: %v", err)
	}
	if code := cli.Exit(io.Discard, "bhscore", err); code != cli.ExitHeld {
		t.Errorf("exit code %d, want %d", code, cli.ExitHeld)
	}
}

// setValue rewrites a BData file with one dataset value replaced.
func setValue(t *testing.T, path string, row, col int, v float64) {
	t.Helper()
	f, err := fmri.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.Load(context.Background())
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	b.Dataset().Set(row, col, v)
	if err := b.Save(path); err != nil {
		t.Fatal(err)
	}
}

// TestNaNInTrainingData: one NaN in a training BData file fails the jobs
// of its ROI, naming the file, the ROI's selector, the trial and the
// voxel (it used to turn every decoder of the ROI into NaN, counted as 0,
// silently); non_finite: propagate keeps the original's behaviour.
func TestNaNInTrainingData(t *testing.T) {
	t.Parallel()
	dir := trustStudy(t)
	train := filepath.Join(dir, "fmri/sub-01_perceptionNaturalImageTraining_VC_v2.h5")
	f, err := fmri.Open(train)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := f.Columns("ROI_V1 = 1 - ROI_V2 = 1")
	f.Close()
	if err != nil || len(v1) == 0 {
		t.Fatalf("V1-only voxels: %v, %v", v1, err)
	}
	setValue(t, train, 7, v1[0], math.NaN())
	cfg := trustConfig(dir, t.TempDir())
	_, err = bhscore.Run(context.Background(), cfg, &analysis.Options{SolverWorkers: 1, DiscardPredictions: true}, nil)
	wantErr(t, err, "4 of 8 jobs failed", train, "ROI_V1 = 1", "NaN at trial 7", fmt.Sprintf("dataset column %d", v1[0]), "non_finite")
	cfg.NonFinite = analysis.NonFinitePropagate
	if _, err := bhscore.Run(context.Background(), cfg, &analysis.Options{SolverWorkers: 1, DiscardPredictions: true}, nil); err != nil {
		t.Fatalf("non_finite: propagate: %v", err)
	}
}

// TestValidationUpFront: bad values are refused before any job runs (no
// state written), with usage exit code 2; an explicit alpha 0 is honoured.
func TestValidationUpFront(t *testing.T) {
	t.Parallel()
	dir := trustStudy(t)
	base := "subjects: [{name: sub-01, train: a.h5, test: b.h5}]\nrois: [{name: V1, selector: ROI_V1 = 1}]\n" +
		"train_features: f\ntest_features: g\n"
	net := "networks: [{name: N, dir: pytorch/N, layers: [l1, l2]}]\n"
	for _, c := range []struct{ name, body, want string }{
		{"alpha .nan", base + net + "decoding: {alpha: .nan}\n", "alpha NaN"},
		{"alpha .inf", base + net + "encoding: {alpha: .inf}\n", "alpha +Inf"},
		{"alpha -1", base + net + "decoding: {alpha: -1}\n", "alpha -1"},
		{"duplicate layer", base + "networks: [{name: N, dir: pytorch/N, layers: [l1, l1]}]\n", "layer l1 given twice"},
		{"duplicate network", base + "networks: [{name: N, dir: a/N, layers: [l1]}, {name: N, dir: b/N, layers: [l1]}]\n", "network N given twice"},
		{"network name with a slash", base + "networks: [{name: Net/A, dir: a/N, layers: [l1]}]\n", `"Net/A"`},
		{"unknown non_finite", base + net + "non_finite: ignore\n", "non_finite"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "study.yaml", []byte(c.body))
			_, err := analysis.LoadConfig("", p)
			wantErr(t, err, c.want)
			if !errors.Is(err, analysis.ErrInvalid) || cli.Exit(io.Discard, "bhscore", err) != 2 {
				t.Errorf("%v: not a usage error (exit 2)", err)
			}
		})
	}
	t.Run("alpha 0 honoured", func(t *testing.T) {
		p := writeFile(t, t.TempDir(), "study.yaml", []byte(base+net+"decoding: {alpha: 0}\n"))
		cfg, err := analysis.LoadConfig("", p)
		if err != nil || cfg.Decoding.Alpha == nil || *cfg.Decoding.Alpha != 0 || cfg.Encoding.Alpha != nil {
			t.Fatalf("alpha 0: %+v, %v", cfg.Decoding, err)
		}
		zero := 0.0
		c := trustConfig(dir, t.TempDir())
		c.Decoding.Alpha = &zero
		rep := runTrust(t, c, &runLog{})
		if !slices.Contains(rep.DNNs[0].Provenance.Params, paramOf("decode alpha", "0")) {
			t.Errorf("provenance %v lacks decode alpha = 0", rep.DNNs[0].Provenance.Params)
		}
	})
	for _, c := range []struct {
		name string
		so   *bhscore.ScoreOptions
		want string
	}{
		{"-p 2", &bhscore.ScoreOptions{Settings: &hierarchy.Settings{PValue: 2}}, "outside (0, 1)"},
		{"-nlayers -3", &bhscore.ScoreOptions{Selection: &hierarchy.Selection{NLayers: -3}}, "need at least 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := trustConfig(dir, t.TempDir())
			_, err := bhscore.Run(context.Background(), cfg, &analysis.Options{SolverWorkers: 1, DiscardPredictions: true}, c.so)
			wantErr(t, err, c.want)
			if _, serr := os.Stat(filepath.Join(cfg.Output, ".bhscore")); !errors.Is(serr, fs.ErrNotExist) {
				t.Errorf("state written before the options were checked: %v", serr)
			}
		})
	}
	t.Run("duplicate layer in settings.json", func(t *testing.T) {
		_, err := bhscore.ParseDesign([]byte(`{"subjects": ["sub-01"], "rois": ["V1"], "dnns": {"N": {"dir": "p/N", "layers": ["a", "b", "a"]}}}`))
		wantErr(t, err, `layer "a" given twice`)
		_, err = bhscore.ParseDesign([]byte(`{"subjects": ["sub-01"], "rois": ["V1"], "dnns": {"N": {"dir": "p/N", "layers": ["a"]}, "N": {"dir": "q/N", "layers": ["a"]}}}`))
		wantErr(t, err, `dnn "N" given twice`)
	})
	t.Run("figure names", func(t *testing.T) {
		err := figures.CheckNames([]string{"Net A", "VGG", "Net_A"})
		wantErr(t, err, `"Net A"`, `"Net_A"`, "figureS1_Net_A.png")
		if err := figures.CheckNames([]string{"Net A", "Net-A"}); err != nil {
			t.Error(err)
		}
	})
}

func paramOf(name, value string) provenance.Param { return provenance.Param{Name: name, Value: value} }

// TestNaNAmongPublished: a NaN score has no place among the published
// ones: "n/a" in the table and the CSV, null in the JSON (it printed 0).
func TestNaNAmongPublished(t *testing.T) {
	t.Parallel()
	rep := report.New([]report.DNNScore{{Name: "Broken", Decoding: math.NaN(), Encoding: 0.2, BHScore: math.NaN()}})
	var tab, csv, js bytes.Buffer
	if err := rep.WriteTable(&tab); err != nil {
		t.Fatal(err)
	}
	rep.WriteCSV(&csv)
	rep.WriteJSON(&js)
	if !strings.Contains(tab.String(), "n/a") || !strings.Contains(csv.String(), ",n/a") || !strings.Contains(js.String(), `"rank_among_published": null`) {
		t.Errorf("table:\n%s\ncsv:\n%s\njson:\n%s", &tab, &csv, &js)
	}
}

// TestRepeatedErrorOnce: the same cause failing every job is reported once
// with a count, not once per job.
func TestRepeatedErrorOnce(t *testing.T) {
	t.Parallel()
	dir := trustStudy(t)
	cfg := trustConfig(dir, t.TempDir())
	cfg.TrainFeatures = filepath.Join(dir, "no-such-root")
	_, err := bhscore.Run(context.Background(), cfg, &analysis.Options{SolverWorkers: 1, DiscardPredictions: true}, nil)
	wantErr(t, err, "8 of 8 jobs failed", "8 jobs failed: no such file or directory")
	if n := strings.Count(err.Error(), "no-such-root"); n > 2 {
		t.Errorf("the cause is repeated %d times:\n%v", n, err)
	}
}

// TestCancelWhileLoading: cancelling (SIGINT in the binaries) as the first
// job starts loading its inputs ends the run within seconds.
func TestCancelWhileLoading(t *testing.T) {
	t.Parallel()
	dir := trustStudy(t)
	ctx, cancel := context.WithCancel(context.Background())
	ao := &analysis.Options{SolverWorkers: 1, DiscardPredictions: true, Progress: func(e analysis.Event) {
		if e.Kind == analysis.JobStarted {
			cancel()
		}
	}}
	start := time.Now()
	_, err := bhscore.Run(ctx, trustConfig(dir, t.TempDir()), ao, nil)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second {
		t.Errorf("cancelled run: %v after %v", err, time.Since(start))
	}
}
