package analysis

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/brainhierarchy/bhscore/encode"
	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/fmri"
	"github.com/brainhierarchy/bhscore/internal/jobs"
	"github.com/brainhierarchy/bhscore/internal/memplan"
)

// StreamMode says when encoding layers are streamed (encode.TrainStream).
type StreamMode int

const (
	// StreamAuto streams a layer when fitting it in memory (encode.Train)
	// would not fit the job's share of the memory budget.
	StreamAuto StreamMode = iota
	// StreamAlways streams every layer with feature selection.
	StreamAlways
	// StreamNever fits every layer in memory.
	StreamNever
)

// budgets returns the worker's memory budget and the input cache's share.
func budgets(cfg *Config, opts *Options) (total, cache int64, err error) {
	total = opts.Memory
	if total <= 0 {
		b, err := memplan.Budget(cfg.Memory)
		if err != nil {
			return 0, 0, fmt.Errorf("analysis: memory: %w", err)
		}
		total = int64(b)
	}
	cache = opts.CacheBytes
	if cache <= 0 {
		cache = min(jobs.DefaultCacheBytes, total/4)
	}
	return total, cache, nil
}

// limitHeap sets the runtime's soft memory limit to budget bytes unless
// GOMEMLIMIT sets one, and returns the function restoring the previous
// limit.
func limitHeap(budget int64) func() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	old := debug.SetMemoryLimit(budget)
	return func() { debug.SetMemoryLimit(old) }
}

// layerKey names a network's layer.
type layerKey struct{ network, layer string }

// layerFit holds the streamed encoders of one layer for this worker's jobs
// of that layer, fitted together in one pass over the layer's units.
type layerFit struct {
	done    chan struct{} // closed when the fit finished
	err     error
	enc     map[string]*encode.Encoder // by subject/ROI
	test    *features.Columns          // the test images' units
	pending int                        // jobs that have not taken their encoder
}

// streams reports whether job j (encoding) is fitted by streaming.
func (r *runner) streams(ctx context.Context, j *Job) (bool, error) {
	nfeat := r.cfg.Encoding.NFeatFor(j.Layer)
	k := 500
	if nfeat != nil {
		k = *nfeat
	}
	index, err := r.index(j)
	if err != nil {
		return false, err
	}
	m, u, err := r.layerShape(ctx, r.trainStore(j), index, j.Layer)
	if err != nil {
		return false, err
	}
	if k <= 0 || k >= u || r.opts.Stream == StreamNever {
		return false, nil // FitStream needs a selection
	}
	if r.opts.Stream == StreamAlways {
		return true, nil
	}
	tr, err := r.trials(ctx, j, true)
	if err != nil {
		return false, fmt.Errorf("training fMRI: %w", err)
	}
	n, v := tr.X.Dims()
	return encode.InMemoryBytes(m, u, n, v) > r.jobBudget(), nil
}

// jobBudget is one concurrent job's share of the memory left beside the
// input cache.
func (r *runner) jobBudget() int64 { return (r.budget - r.cacheBudget) / int64(r.njobs) }

// layerShape returns the number of images and units of a layer without
// loading it.
func (r *runner) layerShape(ctx context.Context, dir, index, layer string) (m, units int, err error) {
	s, err := r.store(dir, index)
	if err != nil {
		return 0, 0, err
	}
	if p, ok := s.(*features.Packed); ok {
		c, err := p.Columns(layer)
		if err != nil {
			return 0, 0, err
		}
		defer c.Close()
		return c.Rows(), c.Units(), nil
	}
	if rr, ok := s.(features.RowReader); ok {
		l, err := rr.Rows(ctx, layer, 0, 1)
		if err != nil {
			return 0, 0, err
		}
		return len(s.Labels()), l.Units(), nil
	}
	l, err := s.Layer(ctx, layer)
	if err != nil {
		return 0, 0, err
	}
	return l.Rows(), l.Units(), nil
}

func (r *runner) trainStore(j *Job) string {
	return filepath.Join(r.cfg.TrainFeatures, filepath.FromSlash(j.net.Dir))
}

func (r *runner) testStore(j *Job) string {
	return filepath.Join(r.cfg.TestFeatures, filepath.FromSlash(j.net.Dir))
}

// trials returns an ROI's training or test trials of job j from the cache.
func (r *runner) trials(ctx context.Context, j *Job, train bool) (*fmri.Trials, error) {
	sub, sel, err := r.subjectROI(j)
	if err != nil {
		return nil, err
	}
	path := sub.Test
	if train {
		path = sub.Train
	}
	label := imageIndex
	if j.Direction == Encoding {
		label = stimulusName
	}
	v, err := r.inputs.Get(ctx, inputKey{BData: path, ROI: sel, Label: label})
	if err != nil {
		return nil, err
	}
	return v.(*fmri.Trials), nil
}

// encodeStreamed runs encoding job j from its layer's streamed fit.
func (r *runner) encodeStreamed(ctx context.Context, j *Job) (result, *encode.Encoder, error) {
	lf, err := r.layerFitFor(ctx, j)
	if err != nil {
		return nil, nil, err
	}
	e := lf.enc[j.Subject+"/"+j.ROI]
	defer r.release(layerKey{j.Network, j.Layer}, lf)
	te, err := r.trials(ctx, j, false)
	if err != nil {
		return nil, nil, fmt.Errorf("test fMRI: %w", err)
	}
	res, err := encode.TestColumns(ctx, e, lf.test, te.X, te.Labels)
	return res, e, err
}

// layerFitFor returns the streamed fit of j's layer, fitting it (for every
// encoding job of the layer in this worker's shard that is not done) if no
// fit holds j's encoder.
func (r *runner) layerFitFor(ctx context.Context, j *Job) (*layerFit, error) {
	key := layerKey{j.Network, j.Layer}
	r.lfMu.Lock()
	lf := r.fits[key]
	if lf != nil {
		r.lfMu.Unlock()
		<-lf.done
		if lf.err != nil {
			return nil, lf.err
		}
		if _, ok := lf.enc[j.Subject+"/"+j.ROI]; ok {
			return lf, nil
		}
		r.lfMu.Lock()
	}
	lf = &layerFit{done: make(chan struct{})}
	if r.fits == nil {
		r.fits = map[layerKey]*layerFit{}
	}
	r.fits[key] = lf
	r.lfMu.Unlock()
	lf.err = r.fitLayer(ctx, j, lf)
	close(lf.done)
	if lf.err != nil {
		r.lfMu.Lock()
		delete(r.fits, key)
		r.lfMu.Unlock()
		return nil, lf.err
	}
	return lf, nil
}

// release records that a job took its encoder; the last one frees the fit.
func (r *runner) release(key layerKey, lf *layerFit) {
	r.lfMu.Lock()
	defer r.lfMu.Unlock()
	lf.pending--
	if lf.pending <= 0 {
		lf.test.Close()
		if r.fits[key] == lf {
			delete(r.fits, key)
		}
	}
}

// fitLayer fits the encoders of j's layer for j and every other encoding
// job of the layer in this worker's shard that is not done, in one pass
// over the layer's units.
func (r *runner) fitLayer(ctx context.Context, j *Job, lf *layerFit) error {
	group := []*Job{j}
	for _, o := range r.mine {
		if o.Direction == Encoding && o.Network == j.Network && o.Layer == j.Layer && o != j && !r.done(o) {
			group = append(group, o)
		}
	}
	targets := make([]encode.Target, len(group))
	var yBytes int64
	for i, g := range group {
		tr, err := r.trials(ctx, g, true)
		if err != nil {
			return fmt.Errorf("training fMRI of subject %s ROI %s: %w", g.Subject, g.ROI, err)
		}
		targets[i] = encode.Target{Y: tr.X, Labels: tr.Labels}
		n, v := tr.X.Dims()
		yBytes += int64(n) * int64(v) * 8
	}
	scratch := filepath.Join(r.state, "scratch")
	co := &features.ColumnsOptions{Order: features.Fortran, ScratchDir: scratch, Workers: r.solver,
		Finite: r.cfg.nonFinite() == NonFiniteError}
	index, err := r.index(j)
	if err != nil {
		return err
	}
	trainStore, err := r.store(r.trainStore(j), index)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(scratch, 0o777); err != nil {
		return err
	}
	train, err := features.OpenColumns(ctx, trainStore, j.Layer, co)
	if err != nil {
		return fmt.Errorf("training features: %w", err)
	}
	defer train.Close()
	// The fit's share: the budget beside the cache, less the trials the
	// cache pins beyond its own share.
	mem := r.jobBudget() - max(0, yBytes-r.cacheBudget)
	if mem <= 0 {
		return fmt.Errorf("memory budget %v leaves nothing for the streamed fit beside %v of training fMRI", memplan.Bytes(r.budget), memplan.Bytes(yBytes))
	}
	encs, err := encode.TrainStream(ctx, train, targets, &encode.StreamOptions{
		Options: encode.Options{Alpha: r.cfg.Encoding.Alpha, NFeat: r.cfg.Encoding.NFeatFor(j.Layer), Workers: r.solver, Progress: r.progress(j)},
		Memory:  mem,
		UnitsProgress: func(done, total int) {
			r.emit(Event{Kind: JobUnits, Job: j, UnitsDone: done, UnitsTotal: total})
		},
	})
	if err != nil {
		return err
	}
	testStore, err := r.store(r.testStore(j), index)
	if err != nil {
		return err
	}
	lf.test, err = features.OpenColumns(ctx, testStore, j.Layer, co)
	if err != nil {
		return fmt.Errorf("test features: %w", err)
	}
	lf.enc = make(map[string]*encode.Encoder, len(group))
	for i, g := range group {
		lf.enc[g.Subject+"/"+g.ROI] = encs[i]
	}
	lf.pending = len(group)
	return nil
}

// done reports whether job j is done with its current fingerprint (a
// stale job joins the layer's streamed fit: jobs.Run will redo it).
func (r *runner) done(j *Job) bool {
	mp, err := jobs.KeyPath(r.state, j.Key(), ".done")
	if err != nil {
		return false
	}
	fps, err := r.fingerprints(j)
	return err == nil && jobs.CheckFingerprint(mp, fps.job, false) == nil
}

// closeFits closes what unfinished streamed fits hold.
func (r *runner) closeFits() {
	r.lfMu.Lock()
	defer r.lfMu.Unlock()
	for _, lf := range r.fits {
		select {
		case <-lf.done:
			if lf.test != nil {
				lf.test.Close()
			}
		default:
		}
	}
}

var errNoJob = errors.New("job not in the config")

// subjectROI returns job j's subject and ROI selector.
func (r *runner) subjectROI(j *Job) (*SubjectConfig, string, error) {
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
		return nil, "", errNoJob
	}
	return sub, sel, nil
}

// index returns the feature-index file that selects j's units, or "": the
// network's FeatureIndex, else the direction's random draw (RandomUnits),
// written on first use.
func (r *runner) index(j *Job) (string, error) {
	if j.net.FeatureIndex != "" {
		// Both splits use the training set's index file, as the original
		// scripts do.
		return filepath.Join(r.cfg.TrainFeatures, filepath.FromSlash(j.net.Dir), j.net.FeatureIndex), nil
	}
	d := r.cfg.Encoding
	if j.Direction == Decoding {
		d = r.cfg.Decoding
	}
	if d.RandomUnits <= 0 {
		return "", nil
	}
	path := filepath.Join(r.cfg.Output, "feature_index", filepath.FromSlash(j.net.Dir),
		fmt.Sprintf("index_random%d_seed%d.mat", d.RandomUnits, d.RandomSeed))
	r.idxMu.Lock()
	defer r.idxMu.Unlock()
	if r.indexes[path] {
		return path, nil
	}
	units := map[string]int{}
	for _, l := range j.net.Layers {
		_, u, err := r.layerShape(context.Background(), r.trainStore(j), "", l)
		if err != nil {
			return "", err
		}
		units[l] = u
	}
	idx, err := features.RandomIndex(units, d.RandomUnits, d.RandomSeed)
	if err != nil {
		return "", err
	}
	if err := features.WriteIndex(path, idx); err != nil {
		return "", err
	}
	if r.indexes == nil {
		r.indexes = map[string]bool{}
	}
	r.indexes[path] = true
	return path, nil
}
