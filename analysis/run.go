package analysis

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/brainhierarchy/bhscore/decode"
	"github.com/brainhierarchy/bhscore/encode"
	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/fmri"
	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/jobs"
	"github.com/brainhierarchy/bhscore/internal/layout"
	"github.com/brainhierarchy/bhscore/provenance"
)

// EventKind says what an Event reports.
type EventKind int

// Event kinds.
const (
	JobStarted  EventKind = iota + 1 // a job is about to run
	JobFinished                      // a job finished and is marked done
	JobSkipped                       // a job was already done
	JobLocked                        // another worker holds the job
	JobFailed                        // a job failed (Err)
	JobTargets                       // solver progress within a running job
	JobUnits                         // a streamed layer's correlation pass
)

// Event is a progress report of Run. Calls of Options.Progress are
// serialised.
type Event struct {
	Kind EventKind
	Job  *Job
	Err  error
	// Done and Total count this shard's jobs that reached an outcome.
	Done, Total int
	// TargetsDone and TargetsTotal report the solver's progress for
	// JobTargets (units of a decoder, voxels of an encoder).
	TargetsDone, TargetsTotal int
	// UnitsDone and UnitsTotal report, for JobUnits, the units of a
	// streamed layer read in its one correlation pass (the fit of all of
	// the layer's encoders this worker runs; Job is the one that started
	// it).
	UnitsDone, UnitsTotal int
	// Elapsed is the job's run time (JobFinished, JobFailed).
	Elapsed time.Duration
	// Reasons, for JobStarted, says why a job that was done is run again
	// (its fingerprint changed: "alpha 100 -> 1e+06", an input file
	// changed, its outputs were damaged); nil for a job never finished.
	Reasons []string
}

// Options configures Run. The zero value runs every job, one at a time
// with all cores for the solver, keeping decoders, encoders, decoded
// features and encoded fMRI as the original scripts do.
type Options struct {
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
	// ROI trials) per worker process (0: a quarter of Memory, at most
	// 2 GiB). Entries in use are never dropped, so a job always has its
	// inputs.
	CacheBytes int64
	// Memory is the memory budget of the worker process in bytes (0: the
	// config's "memory" key, else 3/4 of the machine's memory, see
	// internal/memplan). Beside the input cache, each of the Jobs
	// concurrent jobs gets an equal share; an encoding layer whose
	// in-memory fit would exceed it is streamed: encode.TrainStream fits
	// the encoders of all the layer's subjects and ROIs in one pass over
	// its units within the share, or fails at once saying why.
	Memory int64
	// Unless the GOMEMLIMIT environment variable sets one, Run sets the Go
	// runtime's soft memory limit to the budget while it runs, so that the
	// garbage collector keeps the process within it.
	//
	// Stream overrides when encoding layers are streamed (default
	// StreamAuto, by the memory estimate).
	Stream StreamMode
	// ReuseModels reuses a finished model found in a job's model
	// directory without a fingerprint (trained by the original scripts or
	// an older bhscore), as the original scripts skip finished models.
	// Without it such a job fails with ErrModelUnverified. Models with a
	// fingerprint are reused exactly when it matches the job's.
	ReuseModels bool
	// Progress, if not nil, receives events.
	Progress func(Event)
}

// Summary counts the outcomes of Run over its shard.
type Summary struct {
	Total, Finished, Skipped, Locked, Failed int
	// Remaining is the number of jobs of the whole study not done yet.
	Remaining int
	// Redone lists, by key, the jobs that were done but were run again,
	// and why (see Event.Reasons).
	Redone []Redo
	// Held, when not nil, names every job of the shard left undone because
	// another live worker holds its lock (job, lock file, host, pid,
	// heartbeat age); it matches ErrHeld.
	Held error
}

// Redo is a finished job that was run again, and why.
type Redo struct {
	Key     string
	Reasons []string
}

// AccuracyTree returns the root of a direction's accuracy tree,
// <output>/decoding_accuracy/<test set> or
// <output>/encoding_accuracy/<test set>, as a bhscore.AccuracyTree reads it.
func (c *Config) AccuracyTree(d Direction) (string, error) {
	p := layout.Job{Root: c.Output, TestSet: c.TestSet}
	if d == Decoding {
		p.Accuracies = c.Trees.DecodingAccuracy
		return decode.Paths(p).AccuracyTree()
	}
	p.Accuracies = c.Trees.EncodingAccuracy
	return encode.Paths(p).AccuracyTree()
}

// Run runs the jobs of opts.Shard that are not done yet: each claims a
// lock file, trains, tests, writes its outputs atomically and a done
// marker. A job killed at any point is redone from scratch by the next
// run, whose outputs are byte-identical to an uninterrupted run's. A failed
// job does not stop the others; the error joins every failure.
func Run(ctx context.Context, cfg *Config, opts *Options) (*Summary, error) {
	if opts == nil {
		opts = &Options{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("analysis: config: %w", err)
	}
	release, err := Claim(ctx, cfg, opts)
	if err != nil {
		return nil, err
	}
	defer release()
	all := cfg.Jobs()
	list := make([]jobs.Job, len(all))
	for i, j := range all {
		list[i] = j
	}
	state := opts.stateDir(cfg)
	njobs := max(opts.Jobs, 1)
	solver := opts.SolverWorkers
	if solver <= 0 {
		solver = jobs.CoresPerJob(njobs)
	}
	budget, cacheBudget, err := budgets(cfg, opts)
	if err != nil {
		return nil, err
	}
	defer limitHeap(budget)()
	r := &runner{cfg: cfg, opts: opts, solver: solver, njobs: njobs, state: state, budget: budget, cacheBudget: cacheBudget,
		ids: &provenance.Identifier{}}
	r.inputs = &jobs.Cache[inputKey, any]{Budget: cacheBudget, Load: r.load}
	for _, j := range jobs.Shard(opts.Shard).Select(list) {
		r.mine = append(r.mine, j.(*Job))
	}
	defer r.close()
	jo := jobs.Options{
		Shard:   jobs.Shard(opts.Shard),
		Workers: njobs,
		Dir:     state,
		Lock:    opts.lockOptions(),
		Wait:    opts.Wait,
		Fingerprint: func(j jobs.Job) (*provenance.Fingerprint, error) {
			return r.fingerprint(j.(*Job))
		},
		KeepStale: keepStale,
	}
	if opts.Progress != nil {
		kinds := map[jobs.EventKind]EventKind{jobs.Started: JobStarted, jobs.Finished: JobFinished,
			jobs.Skipped: JobSkipped, jobs.Locked: JobLocked, jobs.Failed: JobFailed}
		jo.Progress = func(e jobs.Event) {
			r.emit(Event{Kind: kinds[e.Kind], Job: e.Job.(*Job), Err: e.Err, Done: e.Done, Total: e.Total, Elapsed: e.Elapsed, Reasons: e.Reasons})
		}
	}
	s, err := jobs.Run(ctx, list, jo, func(ctx context.Context, j jobs.Job) error {
		return r.run(ctx, j.(*Job))
	})
	sum := &Summary{Total: s.Total, Finished: s.Finished, Skipped: s.Skipped, Locked: s.Locked, Failed: s.Failed,
		Held: s.HeldError()}
	for _, rd := range s.Redone {
		sum.Redone = append(sum.Redone, Redo(rd))
	}
	for _, j := range all {
		mp, kerr := jobs.KeyPath(state, j.Key(), ".done")
		if kerr != nil || !jobs.Done(mp) {
			sum.Remaining++
		}
	}
	if err != nil {
		return sum, &failures{err: err, failed: s.Failed, total: s.Total}
	}
	return sum, nil
}

// failures is Run's error when jobs failed or the run was cancelled: its
// message groups the jobs by cause (jobs.FormatFailures), so that a
// thousand jobs failing for one reason read as one line with a count. It
// unwraps to every job's error.
type failures struct {
	err           error
	failed, total int
}

func (e *failures) Error() string {
	head := "analysis: "
	if e.failed > 0 {
		head += fmt.Sprintf("%d of %d jobs failed:\n", e.failed, e.total)
	}
	return head + jobs.FormatFailures(e.err)
}

func (e *failures) Unwrap() error { return e.err }

// runner holds a worker's open inputs.
type runner struct {
	cfg    *Config
	opts   *Options
	solver int
	njobs  int
	state  string
	inputs *jobs.Cache[inputKey, any]
	mine   []*Job // this worker's shard

	budget, cacheBudget int64 // bytes

	lfMu sync.Mutex // guards fits
	fits map[layerKey]*layerFit

	idxMu   sync.Mutex             // guards indexes
	indexes map[string]bool        // random feature-index files written
	ids     *provenance.Identifier // input identities, examined once per run

	mu     sync.Mutex // guards files, stores and emit
	files  map[string]*fmri.File
	stores map[string]features.Store
}

// inputKey names a cached input: a layer of a feature store (Store set) or
// an ROI's trials of a BData file (BData set).
type inputKey struct {
	Store, Index, Layer string // feature store directory, index file, layer
	BData, ROI, Label   string // BData file, ROI selector, label key
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
	r.closeFits()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.files {
		f.Close()
	}
}

// load loads one input for the cache, with its size in bytes.
func (r *runner) load(ctx context.Context, k inputKey) (any, int64, error) {
	if k.Store != "" {
		s, err := r.store(k.Store, k.Index)
		if err != nil {
			return nil, 0, err
		}
		l, err := s.Layer(ctx, k.Layer)
		if err != nil {
			return nil, 0, err
		}
		if r.cfg.nonFinite() == NonFiniteError {
			if err := l.CheckFinite(); err != nil {
				return nil, 0, fmt.Errorf("%s: %w (non_finite: propagate keeps them, as the original scripts do)", k.Store, err)
			}
		}
		return l, int64(len(l.Data)) * 4, nil
	}
	f, err := r.bdata(k.BData)
	if err != nil {
		return nil, 0, err
	}
	t, err := fmri.ReadTrials(ctx, f, k.ROI, k.Label)
	if err != nil {
		return nil, 0, err
	}
	if r.cfg.nonFinite() == NonFiniteError {
		if err := fmri.CheckSelection(f, k.ROI, t.X); err != nil {
			return nil, 0, fmt.Errorf("%w (non_finite: propagate keeps them, as the original scripts do)", err)
		}
	}
	if k.Label == stimulusName && t.Labels == nil {
		// The encoding analysis pairs trials with images by name: say
		// why the file cannot (fmri names the file and key).
		_, err := f.Labels(ctx, k.Label)
		return nil, 0, err
	}
	n, c := t.X.Dims()
	return t, int64(n*c) * 8, nil
}

// The label keys of the two directions: decoding pairs a trial with its
// image by position, encoding by name, as the original scripts do.
const (
	imageIndex   = "image_index"
	stimulusName = "stimulus_name"
)

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

// store returns the feature store in dir (features.Open), with the
// feature-index file index when it is a bdpy directory.
func (r *runner) store(dir, index string) (features.Store, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := dir + "\x00" + index
	if s, ok := r.stores[key]; ok {
		return s, nil
	}
	s, err := features.Open(dir, &features.DirOptions{IndexFile: index})
	if err != nil {
		return nil, err
	}
	if p, ok := s.(*features.Packed); ok && index != "" {
		idx, err := features.ReadIndex(index)
		if err != nil {
			return nil, err
		}
		s = features.WithIndex(p, idx)
	}
	if r.stores == nil {
		r.stores = map[string]features.Store{}
	}
	r.stores[key] = s
	return s, nil
}

// inputs are what one job reads: the layer's training and test features
// and the ROI's training and test trials.
type inputs struct {
	trainFeat, testFeat *features.Layer
	train, test         *fmri.Trials
}

// read gets a job's inputs from the cache.
func (r *runner) read(ctx context.Context, j *Job) (*inputs, error) {
	sub, sel, err := r.subjectROI(j)
	if err != nil {
		return nil, err
	}
	index, err := r.index(j)
	if err != nil {
		return nil, err
	}
	label := imageIndex
	if j.Direction == Encoding {
		label = stimulusName
	}
	in := &inputs{}
	for _, x := range []struct {
		what string
		key  inputKey
		dst  any
	}{
		{"training features", inputKey{Store: r.trainStore(j), Index: index, Layer: j.Layer}, &in.trainFeat},
		{"test features", inputKey{Store: r.testStore(j), Index: index, Layer: j.Layer}, &in.testFeat},
		{"training fMRI", inputKey{BData: sub.Train, ROI: sel, Label: label}, &in.train},
		{"test fMRI", inputKey{BData: sub.Test, ROI: sel, Label: label}, &in.test},
	} {
		v, err := r.inputs.Get(ctx, x.key)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", x.what, err)
		}
		switch dst := x.dst.(type) {
		case **features.Layer:
			*dst = v.(*features.Layer)
		case **fmri.Trials:
			*dst = v.(*fmri.Trials)
		}
	}
	return in, nil
}

// paths are where one job's outputs go.
type paths struct {
	model, preds, accuracy string
	accCopy                string // a second accuracy file ("": none)
	id                     string // the computation id in info.yaml
}

func (r *runner) paths(j *Job) (paths, error) {
	p := layout.Job{Root: r.cfg.Output, TrainSet: r.cfg.TrainSet, TestSet: r.cfg.TestSet,
		Network: j.net.Dir, Layer: j.Layer, Subject: j.Subject, ROI: j.ROI}
	var (
		out  paths
		errs [4]error
	)
	t := r.cfg.Trees
	if j.Direction == Decoding {
		p.Models, p.Predictions, p.Accuracies = t.FeatureDecoders, t.DecodedFeatures, t.DecodingAccuracy
		d := decode.Paths(p)
		out.model, errs[0] = d.Model()
		out.preds, errs[1] = d.Decoded()
		out.accuracy, errs[2] = d.Accuracy()
		out.id = d.ID()
	} else {
		p.Models, p.Predictions, p.Accuracies, p.Copies = t.FeatureEncoders, t.EncodedFMRI, t.EncodingAccuracy, t.ProfileCorrelation
		e := encode.Paths(p)
		out.model, errs[0] = e.Model()
		out.preds, errs[1] = e.Encoded()
		out.accuracy, errs[2] = e.Accuracy()
		out.accCopy, errs[3] = e.ProfileCorrelation()
		out.id = e.ID()
	}
	return out, errors.Join(errs[:]...)
}

// model is a trained decoder or encoder; result is its test outcome.
type (
	model  interface{ Save(dir, id string) error }
	result interface {
		SavePredictions(ctx context.Context, dir string) error
		SaveAccuracy(path string) error
	}
)

// run performs one job: it reuses the model a finished earlier run left
// (unless models are discarded) or trains and saves one, tests it, and
// writes the predictions and accuracies, recording the job's outputs.
func (r *runner) run(ctx context.Context, j *Job) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("%s: %w", j, err)
		}
	}()
	p, err := r.paths(j)
	if err != nil {
		return err
	}
	// The outputs are made durable once, all together, before the job's
	// done marker (internal/jobs), not file by file as they are written.
	for _, path := range []string{p.model, p.preds, p.accuracy, p.accCopy} {
		if path == "" {
			continue
		}
		restore, err := atomicfile.DeferSync(path)
		if err != nil {
			return err
		}
		defer restore()
	}
	stream := false
	if j.Direction == Encoding {
		if stream, err = r.streams(ctx, j); err != nil {
			return err
		}
	}
	var res result
	switch {
	case stream:
		var e *encode.Encoder
		if res, e, err = r.encodeStreamed(ctx, j); err == nil {
			err = r.save(e, j, p)
		}
	default:
		var in *inputs
		if in, err = r.read(ctx, j); err != nil {
			return err
		}
		if j.Direction == Decoding {
			res, err = r.decode(ctx, j, in, p)
		} else {
			res, err = r.encode(ctx, j, in, p)
		}
	}
	if err != nil {
		return err
	}
	var outs []string
	if !r.opts.DiscardModels {
		outs = append(outs, p.model)
	}
	if !r.opts.DiscardPredictions {
		atomicfile.RemoveTemps(p.preds, 0)
		if err := res.SavePredictions(ctx, p.preds); err != nil {
			return err
		}
		outs = append(outs, p.preds)
	}
	atomicfile.RemoveTemps(filepath.Dir(p.accuracy), 0)
	if err := res.SaveAccuracy(p.accuracy); err != nil {
		return err
	}
	outs = append(outs, p.accuracy)
	if p.accCopy != "" {
		atomicfile.RemoveTemps(filepath.Dir(p.accCopy), 0)
		if err := res.SaveAccuracy(p.accCopy); err != nil {
			return err
		}
		outs = append(outs, p.accCopy)
	}
	j.outputs = outs
	return nil
}

// progress reports the solver's progress within job j.
func (r *runner) progress(j *Job) func(done, total int) {
	return func(done, total int) {
		r.emit(Event{Kind: JobTargets, Job: j, TargetsDone: done, TargetsTotal: total})
	}
}

func (r *runner) decode(ctx context.Context, j *Job, in *inputs, p paths) (result, error) {
	var d *decode.Decoder
	reuse, err := r.reuse(j, p)
	switch {
	case err != nil:
	case reuse:
		d, err = decode.Load(p.model)
	default:
		d, err = decode.Train(ctx, in.train.X, in.train.Values, in.trainFeat, &decode.Options{
			Alpha: r.cfg.Decoding.Alpha, NFeat: r.cfg.Decoding.NFeatFor(j.Layer), Workers: r.solver, Progress: r.progress(j)})
		if err == nil {
			err = r.save(d, j, p)
		}
	}
	if err != nil {
		return nil, err
	}
	return decode.Test(ctx, d, in.test.X, in.test.Values, in.testFeat)
}

func (r *runner) encode(ctx context.Context, j *Job, in *inputs, p paths) (result, error) {
	var e *encode.Encoder
	reuse, err := r.reuse(j, p)
	switch {
	case err != nil:
	case reuse:
		e, err = encode.Load(p.model, in.trainFeat.Shape)
	default:
		e, err = encode.Train(ctx, in.trainFeat, in.train.X, in.train.Labels, &encode.Options{
			Alpha: r.cfg.Encoding.Alpha, NFeat: r.cfg.Encoding.NFeatFor(j.Layer), Workers: r.solver, Progress: r.progress(j)})
		if err == nil {
			err = r.save(e, j, p)
		}
	}
	if err != nil {
		return nil, err
	}
	return encode.Test(ctx, e, in.testFeat, in.test.X, in.test.Labels)
}
