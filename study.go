package bhscore

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/decode"
	"github.com/brainhierarchy/bhscore/encode"
	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/fmri"
	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/jobs"
)

// Shard selects the Index-th (0-based) of Count contiguous blocks of a
// study's sorted job list. The zero value selects every job.
type Shard struct{ Index, Count int }

// ParseShard parses "i/n" (0 <= i < n).
func ParseShard(s string) (Shard, error) {
	sh, err := jobs.ParseShard(s)
	return Shard(sh), err
}

// ShardFromEnv derives the shard of this worker from a scheduler's
// environment: a Slurm job array (SLURM_ARRAY_TASK_ID, _MIN, _STEP,
// _COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with count or
// BHSCORE_SHARDS as the number of shards). ok is false when neither is set.
func ShardFromEnv(getenv func(string) string, count int) (sh Shard, ok bool, err error) {
	s, ok, err := jobs.ShardFromEnv(getenv, count)
	return Shard(s), ok, err
}

// Direction names an analysis direction.
type Direction string

// The two analyses of a study.
const (
	Decoding Direction = "decode"
	Encoding Direction = "encode"
)

// StudyJob is one analysis of a study: a decoder or an encoder for one
// network, layer, subject and ROI. Its key, network/layer/direction/
// subject/ROI, orders the study's job list so that a layer's jobs are
// contiguous (its features are then loaded once per worker).
type StudyJob struct {
	Direction           Direction
	Network             string // the network's name in the config
	Layer, Subject, ROI string
	net                 *NetworkConfig
	outputs             []string
}

// Key returns the job's stable key.
func (j *StudyJob) Key() string {
	return j.Network + "/" + j.Layer + "/" + string(j.Direction) + "/" + j.Subject + "/" + j.ROI
}

// Outputs lists the files and directories the job wrote (for its done
// marker).
func (j *StudyJob) Outputs() []string { return j.outputs }

// Jobs returns the study's job list in its deterministic order (sorted by
// key). A skipped direction contributes no jobs.
func (c *Config) Jobs() []*StudyJob {
	var out []*StudyJob
	for i := range c.Networks {
		n := &c.Networks[i]
		for _, l := range n.Layers {
			for _, d := range []Direction{Decoding, Encoding} {
				if (d == Decoding && c.Decoding.Skip) || (d == Encoding && c.Encoding.Skip) {
					continue
				}
				for _, s := range c.Subjects {
					for _, r := range c.ROIs {
						out = append(out, &StudyJob{Direction: d, Network: n.Name, Layer: l, Subject: s.Name, ROI: r.Name, net: n})
					}
				}
			}
		}
	}
	sortJobs(out)
	return out
}

func sortJobs(js []*StudyJob) {
	list := make([]jobs.Job, len(js))
	for i, j := range js {
		list[i] = j
	}
	sorted, err := jobs.Sort(list)
	if err != nil {
		return // duplicate keys are rejected by Validate; keep the order given
	}
	for i, j := range sorted {
		js[i] = j.(*StudyJob)
	}
}

// EventKind says what a study Event reports.
type EventKind int

// Event kinds.
const (
	JobStarted  EventKind = iota + 1 // a job is about to run
	JobFinished                      // a job finished and is marked done
	JobSkipped                       // a job was already done
	JobLocked                        // another worker holds the job
	JobFailed                        // a job failed (Err)
	JobTargets                       // solver progress within a running job
)

// Event is a progress report of RunStudy and Analyse. Calls of
// RunOptions.Progress are serialised.
type Event struct {
	Kind EventKind
	Job  *StudyJob
	Err  error
	// Done and Total count this shard's jobs that reached an outcome.
	Done, Total int
	// TargetsDone and TargetsTotal report the solver's progress for
	// JobTargets (units of a decoder, voxels of an encoder).
	TargetsDone, TargetsTotal int
	// Elapsed is the job's run time (JobFinished, JobFailed).
	Elapsed time.Duration
}

// RunOptions configures RunStudy and Analyse. The zero value runs every
// job, one at a time with all cores for the solver, keeping decoders,
// encoders, decoded features and encoded fMRI as the original scripts do.
type RunOptions struct {
	// Shard selects this worker's part of the job list.
	Shard Shard
	// Jobs is the number of jobs run at once (0: 1). SolverWorkers is
	// the number of solver goroutines per job (0: GOMAXPROCS / Jobs, at
	// least 1), so that Jobs x SolverWorkers never exceeds the cores.
	Jobs, SolverWorkers int
	// DiscardModels does not keep decoders and encoders (feature_decoders/,
	// feature_encoders/); DiscardPredictions does not keep decoded
	// features and encoded fMRI. Accuracies are always written.
	DiscardModels, DiscardPredictions bool
	// StateDir holds lock files and done markers (default
	// <output>/.bhscore). Workers sharing an output directory must share it.
	StateDir string
	// Wait makes a worker, after its own pass, wait for jobs locked by
	// other workers and take over those left unfinished or stale.
	Wait bool
	// Heartbeat and StaleAfter configure lock files (defaults 30 s and
	// 5 min); Host names this machine in them (default os.Hostname()).
	Heartbeat, StaleAfter time.Duration
	Host                  string
	// CacheBytes bounds the memory of cached inputs (layer features and
	// ROI trials) per worker process (0: 2 GiB). Entries in use are never
	// dropped, so a job always has its inputs.
	CacheBytes int64
	// Progress, if not nil, receives events.
	Progress func(Event)
	// Score configures the scoring done by RunStudy once every job is done.
	Score *ScoreOptions
}

// ErrStudyIncomplete is returned (wrapped) by RunStudy when this worker's
// shard is done but other jobs of the study are not (other shards still
// running, or failed): the study is scored by whichever worker finishes
// last, or by Score.
var ErrStudyIncomplete = errors.New("bhscore: study incomplete")

// AnalysisSummary counts the outcomes of Analyse over its shard.
type AnalysisSummary struct {
	Total, Finished, Skipped, Locked, Failed int
	// Remaining is the number of jobs of the whole study not done yet.
	Remaining int
}

// RunStudy runs the analyses of the config's study (Analyse) and, when
// every job of the whole study is done, writes settings.json into the
// output directory and scores the accuracy trees (Score). When other
// shards' jobs remain it returns an error wrapping ErrStudyIncomplete.
func RunStudy(ctx context.Context, cfg *Config, opts *RunOptions) (*Report, error) {
	if opts == nil {
		opts = &RunOptions{}
	}
	sum, err := Analyse(ctx, cfg, opts)
	if err != nil {
		return nil, err
	}
	if sum.Remaining > 0 {
		return nil, fmt.Errorf("%w: %d of %d jobs not done", ErrStudyIncomplete, sum.Remaining, len(cfg.Jobs()))
	}
	return Score(ctx, cfg, opts.Score)
}

// Score writes settings.json into the config's output directory and scores
// the decoding and encoding accuracy trees written by Analyse.
func Score(ctx context.Context, cfg *Config, so *ScoreOptions) (*Report, error) {
	s := cfg.Settings()
	raw, err := s.MarshalJSON()
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteBytes(filepath.Join(cfg.Output, "settings.json"), raw); err != nil {
		return nil, fmt.Errorf("bhscore: %w", err)
	}
	var dr, er string
	if !cfg.Decoding.Skip {
		dr = filepath.Join(cfg.Output, "decoding_accuracy", cfg.TestSet)
	}
	if !cfg.Encoding.Skip {
		er = filepath.Join(cfg.Output, "encoding_accuracy", cfg.TestSet)
	}
	return ScoreTrees(ctx, s, dr, er, so)
}

// Analyse runs the jobs of opts.Shard that are not done yet: each claims a
// lock file, trains, tests, writes its outputs atomically and a done
// marker. A job killed at any point is redone from scratch by the next
// run, whose outputs are byte-identical to an uninterrupted run's. A failed
// job does not stop the others; the error joins every failure.
func Analyse(ctx context.Context, cfg *Config, opts *RunOptions) (*AnalysisSummary, error) {
	if opts == nil {
		opts = &RunOptions{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bhscore: config: %w", err)
	}
	all := cfg.Jobs()
	list := make([]jobs.Job, len(all))
	for i, j := range all {
		list[i] = j
	}
	state := opts.StateDir
	if state == "" {
		state = filepath.Join(cfg.Output, ".bhscore")
	}
	njobs := max(opts.Jobs, 1)
	solver := opts.SolverWorkers
	if solver <= 0 {
		solver = max(1, runtime.GOMAXPROCS(0)/njobs)
	}
	r := &runner{cfg: cfg, opts: opts, solver: solver, inputs: newCache(opts.CacheBytes)}
	defer r.close()
	jo := jobs.Options{
		Shard:   jobs.Shard(opts.Shard),
		Workers: njobs,
		Dir:     state,
		Lock:    jobs.LockOptions{Heartbeat: opts.Heartbeat, StaleAfter: opts.StaleAfter, Host: opts.Host},
		Wait:    opts.Wait,
	}
	if opts.Progress != nil {
		jo.Progress = func(e jobs.Event) {
			ev := Event{Job: e.Job.(*StudyJob), Err: e.Err, Done: e.Done, Total: e.Total, Elapsed: e.Elapsed}
			switch e.Kind {
			case jobs.Started:
				ev.Kind = JobStarted
			case jobs.Finished:
				ev.Kind = JobFinished
			case jobs.Skipped:
				ev.Kind = JobSkipped
			case jobs.Locked:
				ev.Kind = JobLocked
			case jobs.Failed:
				ev.Kind = JobFailed
			}
			r.emit(ev)
		}
	}
	s, err := jobs.Run(ctx, list, jo, func(ctx context.Context, j jobs.Job) error {
		return r.run(ctx, j.(*StudyJob))
	})
	sum := &AnalysisSummary{Total: s.Total, Finished: s.Finished, Skipped: s.Skipped, Locked: s.Locked, Failed: s.Failed}
	for _, j := range all {
		mp, kerr := jobs.KeyPath(state, j.Key(), ".done")
		if kerr != nil || !jobs.Done(mp) {
			sum.Remaining++
		}
	}
	if err != nil {
		return sum, fmt.Errorf("bhscore: analyses: %w", err)
	}
	return sum, nil
}

// runner holds a worker's open inputs.
type runner struct {
	cfg    *Config
	opts   *RunOptions
	solver int
	inputs *cache

	mu     sync.Mutex // guards files, stores and emit
	files  map[string]*fmri.File
	stores map[string]features.Store
}

func (r *runner) emit(e Event) {
	if r.opts.Progress == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opts.Progress(e)
}

func (r *runner) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.files {
		f.Close()
	}
}

// bdata returns the opened BData file of a subject's split.
func (r *runner) bdata(path string) (*fmri.File, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.files[path]; ok {
		return f, nil
	}
	f, err := fmri.Open(path)
	if err != nil {
		return nil, err
	}
	if r.files == nil {
		r.files = map[string]*fmri.File{}
	}
	r.files[path] = f
	return f, nil
}

// store returns the feature store of a network below a feature root: a
// packed store if <root>/<dir>/manifest.json exists, else a bdpy directory.
func (r *runner) store(root string, n *NetworkConfig) (features.Store, error) {
	dir := filepath.Join(root, filepath.FromSlash(n.Dir))
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.stores[dir]; ok {
		return s, nil
	}
	var s features.Store
	var err error
	if _, serr := os.Stat(filepath.Join(dir, "manifest.json")); serr == nil {
		s, err = features.OpenPacked(dir, nil)
	} else {
		o := &features.DirOptions{}
		if n.FeatureIndex != "" {
			// Both splits use the training set's index file, as the
			// original scripts do.
			o.IndexFile = filepath.Join(r.cfg.TrainFeatures, filepath.FromSlash(n.Dir), n.FeatureIndex)
		}
		s, err = features.OpenDir(dir, o)
	}
	if err != nil {
		return nil, err
	}
	if r.stores == nil {
		r.stores = map[string]features.Store{}
	}
	r.stores[dir] = s
	return s, nil
}

// layer loads (once per worker, while cached) a layer of a network.
func (r *runner) layer(ctx context.Context, root string, n *NetworkConfig, layer string) (*features.Layer, error) {
	v, err := r.inputs.get("feat\x00"+root+"\x00"+n.Dir+"\x00"+layer, func() (any, int64, error) {
		s, err := r.store(root, n)
		if err != nil {
			return nil, 0, err
		}
		l, err := s.Layer(ctx, layer)
		if err != nil {
			return nil, 0, err
		}
		return l, int64(len(l.Data)) * 4, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*features.Layer), nil
}

// roiTrials are an ROI's trials with the labels both directions need.
type roiTrials struct {
	x      *mat.Dense
	index  []float64 // image_index
	labels []string  // stimulus_name
}

func (r *runner) trials(ctx context.Context, path, selector string, d Direction) (*roiTrials, error) {
	v, err := r.inputs.get("fmri\x00"+path+"\x00"+selector+"\x00"+string(d), func() (any, int64, error) {
		f, err := r.bdata(path)
		if err != nil {
			return nil, 0, err
		}
		x, err := f.Select(ctx, selector)
		if err != nil {
			return nil, 0, err
		}
		t := &roiTrials{x: x}
		if d == Decoding {
			t.index, err = f.Values(ctx, "image_index")
		} else {
			t.labels, err = f.Labels(ctx, "stimulus_name")
		}
		if err != nil {
			return nil, 0, err
		}
		n, c := x.Dims()
		return t, int64(n*c) * 8, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*roiTrials), nil
}

// run performs one job.
func (r *runner) run(ctx context.Context, j *StudyJob) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("%s network %s layer %s subject %s ROI %s: %w", j.Direction, j.Network, j.Layer, j.Subject, j.ROI, err)
		}
	}()
	var sub *SubjectConfig
	for i := range r.cfg.Subjects {
		if r.cfg.Subjects[i].Name == j.Subject {
			sub = &r.cfg.Subjects[i]
		}
	}
	var sel string
	for _, roi := range r.cfg.ROIs {
		if roi.Name == j.ROI {
			sel = roi.Selector
		}
	}
	if sub == nil || sel == "" {
		return errors.New("job not in the config")
	}
	ftr, err := r.layer(ctx, r.cfg.TrainFeatures, j.net, j.Layer)
	if err != nil {
		return fmt.Errorf("training features: %w", err)
	}
	fte, err := r.layer(ctx, r.cfg.TestFeatures, j.net, j.Layer)
	if err != nil {
		return fmt.Errorf("test features: %w", err)
	}
	tr, err := r.trials(ctx, sub.Train, sel, j.Direction)
	if err != nil {
		return fmt.Errorf("training fMRI: %w", err)
	}
	te, err := r.trials(ctx, sub.Test, sel, j.Direction)
	if err != nil {
		return fmt.Errorf("test fMRI: %w", err)
	}
	progress := func(done, total int) {
		r.emit(Event{Kind: JobTargets, Job: j, TargetsDone: done, TargetsTotal: total})
	}
	if j.Direction == Decoding {
		return r.decode(ctx, j, ftr, fte, tr, te, progress)
	}
	return r.encode(ctx, j, ftr, fte, tr, te, progress)
}

// cleanTemps removes temporary files a killed run left in dir (the job's
// own output directory, under its lock).
func cleanTemps(dir string) {
	atomicfile.RemoveTemps(dir, 0)
}

func (r *runner) decode(ctx context.Context, j *StudyJob, ftr, fte *features.Layer, tr, te *roiTrials, progress func(int, int)) error {
	p := decode.Paths{Root: r.cfg.Output, TrainSet: r.cfg.TrainSet, TestSet: r.cfg.TestSet,
		Network: j.net.Dir, Layer: j.Layer, Subject: j.Subject, ROI: j.ROI}
	return runModel(ctx, r, j, modelJob[*decode.Decoder, *decode.Result]{
		model: p.Model, preds: p.Decoded, accuracy: p.Accuracy, id: p.ID(),
		load: decode.Load,
		train: func() (*decode.Decoder, error) {
			return decode.Train(ctx, tr.x, tr.index, ftr, &decode.Options{
				Alpha: r.cfg.Decoding.Alpha, NFeat: r.cfg.Decoding.NFeatFor(j.Layer), Workers: r.solver, Progress: progress})
		},
		save: (*decode.Decoder).Save,
		test: func(d *decode.Decoder) (*decode.Result, error) {
			return decode.Test(ctx, d, te.x, te.index, fte)
		},
		savePreds: (*decode.Result).SaveFeatures,
		saveAcc:   (*decode.Result).SaveAccuracy,
	})
}

func (r *runner) encode(ctx context.Context, j *StudyJob, ftr, fte *features.Layer, tr, te *roiTrials, progress func(int, int)) error {
	p := encode.Paths{Root: r.cfg.Output, TrainSet: r.cfg.TrainSet, TestSet: r.cfg.TestSet,
		Network: j.net.Dir, Layer: j.Layer, Subject: j.Subject, ROI: j.ROI}
	return runModel(ctx, r, j, modelJob[*encode.Encoder, *encode.Result]{
		model: p.Model, preds: p.Encoded, accuracy: p.Accuracy, id: p.ID(),
		load: func(dir string) (*encode.Encoder, error) { return encode.Load(dir, ftr.Shape) },
		train: func() (*encode.Encoder, error) {
			return encode.Train(ctx, ftr, tr.x, tr.labels, &encode.Options{
				Alpha: r.cfg.Encoding.Alpha, NFeat: r.cfg.Encoding.NFeatFor(j.Layer), Workers: r.solver, Progress: progress})
		},
		save: (*encode.Encoder).Save,
		test: func(e *encode.Encoder) (*encode.Result, error) {
			return encode.Test(ctx, e, fte, te.x, te.labels)
		},
		savePreds: (*encode.Result).SavePredictions,
		saveAcc:   (*encode.Result).SaveAccuracy,
	})
}

// modelJob is one decoding or encoding job as runModel sees it: where its
// outputs go (the Paths methods) and how to load or train, save and test
// its model M, giving a result R.
type modelJob[M, R any] struct {
	model, preds, accuracy func() (string, error)
	id                     string
	load                   func(dir string) (M, error)
	train                  func() (M, error)
	save                   func(m M, dir, id string) error
	test                   func(m M) (R, error)
	savePreds              func(res R, ctx context.Context, dir string) error
	saveAcc                func(res R, path string) error
}

// runModel runs one job: it reuses the model a finished earlier run left
// (unless models are discarded) or trains and saves one, tests it, writes
// the predictions and accuracies and records the job's outputs.
func runModel[M, R any](ctx context.Context, r *runner, j *StudyJob, mj modelJob[M, R]) error {
	mdir, err := mj.model()
	if err != nil {
		return err
	}
	pdir, err := mj.preds()
	if err != nil {
		return err
	}
	afile, err := mj.accuracy()
	if err != nil {
		return err
	}
	// The outputs are made durable once, all together, before the job's
	// done marker (internal/jobs), not file by file as they are written.
	for _, p := range []string{mdir, pdir, afile} {
		restore, err := atomicfile.DeferSync(p)
		if err != nil {
			return err
		}
		defer restore()
	}
	var m M
	if !r.opts.DiscardModels && decode.IsDone(mdir) {
		// A model finished by an earlier (killed) run or by the original
		// training script is reused, as the original skips it.
		m, err = mj.load(mdir)
		if err != nil {
			return err
		}
	} else {
		m, err = mj.train()
		if err != nil {
			return err
		}
		if !r.opts.DiscardModels {
			cleanTemps(mdir)
			if err := mj.save(m, mdir, mj.id); err != nil {
				return err
			}
		}
	}
	res, err := mj.test(m)
	if err != nil {
		return err
	}
	var outs []string
	if !r.opts.DiscardModels {
		outs = append(outs, mdir)
	}
	if !r.opts.DiscardPredictions {
		cleanTemps(pdir)
		if err := mj.savePreds(res, ctx, pdir); err != nil {
			return err
		}
		outs = append(outs, pdir)
	}
	cleanTemps(filepath.Dir(afile))
	if err := mj.saveAcc(res, afile); err != nil {
		return err
	}
	j.outputs = append(outs, afile)
	return nil
}

// cache is a byte-bounded LRU of loaded inputs shared by a worker's jobs;
// each entry is loaded once even when several jobs ask at the same time.
type cache struct {
	mu     sync.Mutex
	budget int64
	used   int64
	lru    *list.List // of *entry, most recent first
	byKey  map[string]*list.Element
}

type entry struct {
	key  string
	once sync.Once
	val  any
	size int64
	err  error
}

func newCache(budget int64) *cache {
	if budget <= 0 {
		budget = 2 << 30
	}
	return &cache{budget: budget, lru: list.New(), byKey: map[string]*list.Element{}}
}

func (c *cache) get(key string, load func() (any, int64, error)) (any, error) {
	c.mu.Lock()
	el, ok := c.byKey[key]
	if ok {
		c.lru.MoveToFront(el)
	} else {
		el = c.lru.PushFront(&entry{key: key})
		c.byKey[key] = el
	}
	e := el.Value.(*entry)
	c.mu.Unlock()
	e.once.Do(func() {
		e.val, e.size, e.err = load()
		c.mu.Lock()
		defer c.mu.Unlock()
		if e.err != nil {
			if cur, ok := c.byKey[key]; ok && cur == el {
				c.lru.Remove(el)
				delete(c.byKey, key)
			}
			return
		}
		if cur, ok := c.byKey[key]; !ok || cur != el {
			return // evicted while loading: not accounted
		}
		c.used += e.size
		// Evict least recently used entries beyond the budget (never the
		// one just loaded; holders keep their own references).
		for c.used > c.budget && c.lru.Len() > 1 {
			last := c.lru.Back()
			if last == el {
				break
			}
			le := last.Value.(*entry)
			c.lru.Remove(last)
			delete(c.byKey, le.key)
			c.used -= le.size
		}
	})
	if e.err != nil {
		return nil, e.err
	}
	return e.val, nil
}
