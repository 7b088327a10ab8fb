package analysis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/brainhierarchy/bhscore/bdmodel"
	"github.com/brainhierarchy/bhscore/decode"
	"github.com/brainhierarchy/bhscore/encode"
	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/internal/atomicfile"
	"github.com/brainhierarchy/bhscore/internal/jobs"
	"github.com/brainhierarchy/bhscore/provenance"
)

// FormatVersion is the version of the analyses' outputs, recorded in every
// fingerprint: a change of what decode and encode write (file contents, not
// only layout) must increment it, so that finished jobs are recomputed.
const FormatVersion = 1

// ErrHeld is matched by the error of a run whose jobs remain undone because
// other live workers hold their locks (see Summary.Held).
var ErrHeld = jobs.ErrHeld

// ErrConflict is matched by the error of Run (and Claim) when a live worker
// with another study configuration writes the same output directory.
var ErrConflict = jobs.ErrConflict

// ErrModelUnverified is matched by the error of a job that finds a finished
// model in its model directory with no fingerprint (trained by the original
// scripts or by an older bhscore): nothing says what it was trained from, so
// it is used only with Options.ReuseModels.
var ErrModelUnverified = errors.New("finished model of unknown origin")

// NonFinite policies (Config.NonFinite).
const (
	// NonFiniteError, the default, refuses NaN or infinite values in the
	// fMRI trials or features a job uses, naming the file, ROI, trial and
	// voxel (or layer, image and unit).
	NonFiniteError = "error"
	// NonFinitePropagate keeps them, as the original scripts do: they
	// propagate into the models, and NaN accuracies count as 0 in scoring.
	NonFinitePropagate = "propagate"
)

// nonFinite returns the config's policy with the default applied.
func (c *Config) nonFinite() string {
	if c.NonFinite == "" {
		return NonFiniteError
	}
	return c.NonFinite
}

// studyFingerprint describes the study's configuration as a whole: every
// setting that determines an output, so that two runs writing one output
// directory at once must agree on it (Claim). Input identities are left to
// the job fingerprints.
func studyFingerprint(c *Config, o *Options) *provenance.Fingerprint {
	fp := &provenance.Fingerprint{}
	fp.Set("format version", provenance.Int(FormatVersion))
	fp.Set("training features", c.TrainFeatures)
	fp.Set("test features", c.TestFeatures)
	fp.Set("train set", c.TrainSet)
	fp.Set("test set", c.TestSet)
	fp.Set("non-finite policy", c.nonFinite())
	fp.Set("keep models", strconv.FormatBool(!o.DiscardModels))
	fp.Set("keep predictions", strconv.FormatBool(!o.DiscardPredictions))
	for _, s := range c.Subjects {
		fp.Set("subject "+s.Name, s.Train+" | "+s.Test)
	}
	for i, r := range c.ROIs {
		fp.Set(fmt.Sprintf("roi %d", i+1), r.Name+": "+r.Selector)
	}
	for i, n := range c.Networks {
		fp.Set(fmt.Sprintf("network %d", i+1), n.Name+" in "+n.Dir+" (index "+n.FeatureIndex+"): "+strings.Join(n.Layers, " "))
	}
	// A skipped direction still counts: the decode and encode binaries
	// run one direction each of the same study, side by side.
	directionParams(fp, c, false)
	return fp
}

// directionParams sets both directions' solver settings in fp (only the
// directions run, if runOnly).
func directionParams(fp *provenance.Fingerprint, c *Config, runOnly bool) {
	for _, d := range []Direction{Decoding, Encoding} {
		dc := c.direction(d)
		if runOnly && dc.Skip {
			continue
		}
		fp.Set(string(d)+" alpha", alphaString(dc.Alpha))
		fp.Set(string(d)+" n_feat", nfeatString(dc.NFeat))
		layers := make([]string, 0, len(dc.NFeatLayer))
		for l, n := range dc.NFeatLayer {
			layers = append(layers, l+"="+strconv.Itoa(n))
		}
		slices.Sort(layers)
		if len(layers) > 0 {
			fp.Set(string(d)+" n_feat per layer", strings.Join(layers, " "))
		}
		fp.Set(string(d)+" precision", precision(d))
		if dc.RandomUnits > 0 {
			fp.Set(string(d)+" random units", provenance.Int(dc.RandomUnits)+" (seed "+fmt.Sprint(dc.RandomSeed)+")")
		}
	}
}

func precision(d Direction) string {
	if d == Decoding {
		return decode.Precision
	}
	return encode.Precision
}

// Record is what one network's finished jobs were computed from, as their
// done markers record it: the provenance a report carries.
type Record struct {
	// Fingerprint is the SHA-256 over the fingerprints of the network's
	// jobs, in job order.
	Fingerprint string
	// Params are the network's analysis parameters.
	Params []provenance.Param
	// Inputs are the distinct inputs of its jobs, sorted by role and path.
	Inputs []provenance.Input
}

// Records returns, by network name, what the done markers of each
// network's jobs record. Every job must be done with a fingerprint.
func Records(cfg *Config, opts *Options) (map[string]*Record, error) {
	if opts == nil {
		opts = &Options{}
	}
	state := opts.stateDir(cfg)
	out := map[string]*Record{}
	sums := map[string]hash.Hash{}
	seen := map[string]map[[2]string]bool{}
	for i := range cfg.Networks {
		n := &cfg.Networks[i]
		fp := &provenance.Fingerprint{}
		fp.Set("format version", provenance.Int(FormatVersion))
		fp.Set("network dir", n.Dir)
		fp.Set("layers", strings.Join(n.Layers, " "))
		if n.FeatureIndex != "" {
			fp.Set("feature index", n.FeatureIndex)
		}
		fp.Set("train set", cfg.TrainSet)
		fp.Set("test set", cfg.TestSet)
		fp.Set("non-finite policy", cfg.nonFinite())
		directionParams(fp, cfg, true)
		out[n.Name] = &Record{Params: fp.Params}
		sums[n.Name] = sha256.New()
		seen[n.Name] = map[[2]string]bool{}
	}
	for _, j := range cfg.Jobs() {
		mp, err := jobs.KeyPath(state, j.Key(), ".done")
		if err != nil {
			return nil, err
		}
		m, err := jobs.ReadMarker(mp)
		if err != nil {
			return nil, fmt.Errorf("analysis: %s: %w", j, err)
		}
		if m.Fingerprint == nil {
			return nil, fmt.Errorf("analysis: %s: done marker %s has no fingerprint", j, mp)
		}
		rec := out[j.Network]
		fmt.Fprintf(sums[j.Network], "%s\t%s\n", j.Key(), m.Fingerprint.Sum())
		for _, in := range m.Fingerprint.Inputs {
			k := [2]string{in.Role, in.Path}
			if !seen[j.Network][k] {
				seen[j.Network][k] = true
				rec.Inputs = append(rec.Inputs, in)
			}
		}
	}
	for name, rec := range out {
		rec.Fingerprint = hex.EncodeToString(sums[name].Sum(nil))
		slices.SortFunc(rec.Inputs, func(a, b provenance.Input) int {
			if c := strings.Compare(a.Role, b.Role); c != 0 {
				return c
			}
			return strings.Compare(a.Path, b.Path)
		})
	}
	return out, nil
}

func (c *Config) direction(d Direction) DirectionConfig {
	if d == Decoding {
		return c.Decoding
	}
	return c.Encoding
}

// alphaString and nfeatString record a setting as the solver applies it
// (bdmodel.Solver): an absent value is the default's number.
func alphaString(a *float64) string {
	if a == nil {
		return provenance.Float(bdmodel.DefaultAlpha)
	}
	return provenance.Float(*a)
}

func nfeatString(n *int) string {
	if n == nil {
		return provenance.Int(bdmodel.DefaultNFeat)
	}
	return provenance.Int(*n)
}

// fingerprints are what one job's outputs and model are computed from.
type fingerprints struct {
	job   *provenance.Fingerprint // everything: the done marker's
	model *provenance.Fingerprint // what training reads: the model directory's
}

// fingerprint computes job j's fingerprints (once per run, by jobs.Run)
// and keeps them on j for its job function.
func (r *runner) fingerprint(j *Job) (*provenance.Fingerprint, error) {
	fps, err := r.fingerprints(j)
	if err != nil {
		return nil, err
	}
	j.fps = fps
	return fps.job, nil
}

// fingerprints computes job j's fingerprints; input identities are
// examined once per run (r.ids).
func (r *runner) fingerprints(j *Job) (_ fingerprints, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("%s: %w", j, err)
		}
	}()
	sub, sel, err := r.subjectROI(j)
	if err != nil {
		return fingerprints{}, err
	}
	m := &provenance.Fingerprint{}
	m.Set("format version", provenance.Int(FormatVersion))
	m.Set("direction", string(j.Direction))
	m.Set("network", j.Network)
	m.Set("network dir", j.net.Dir)
	m.Set("layer", j.Layer)
	m.Set("subject", j.Subject)
	m.Set("roi", j.ROI+": "+sel)
	m.Set("train set", r.cfg.TrainSet)
	m.Set("non-finite policy", r.cfg.nonFinite())
	dc := r.cfg.direction(j.Direction)
	m.Set("alpha", alphaString(dc.Alpha))
	m.Set("n_feat", nfeatString(dc.NFeatFor(j.Layer)))
	m.Set("precision", precision(j.Direction))
	var index string
	if j.net.FeatureIndex != "" {
		// Both splits use the training set's index file, as the original
		// scripts do (runner.index).
		index = filepath.Join(r.cfg.TrainFeatures, filepath.FromSlash(j.net.Dir), j.net.FeatureIndex)
	} else if dc.RandomUnits > 0 {
		// Drawn by the run itself from these and the layer shapes.
		m.Set("random units", provenance.Int(dc.RandomUnits))
		m.Set("random seed", fmt.Sprint(dc.RandomSeed))
	}
	for _, in := range []struct{ role, path string }{
		{"training fMRI", sub.Train},
		{"training features", features.LayerSource(r.trainStore(j), j.Layer)},
		{"feature index", index},
	} {
		if in.path == "" {
			continue
		}
		if err := r.ids.Add(m, in.role, in.path); err != nil {
			return fingerprints{}, err
		}
	}
	fp := m.Clone()
	fp.Set("test set", r.cfg.TestSet)
	fp.Set("keep model", strconv.FormatBool(!r.opts.DiscardModels))
	fp.Set("keep predictions", strconv.FormatBool(!r.opts.DiscardPredictions))
	for _, in := range []struct{ role, path string }{
		{"test fMRI", sub.Test},
		{"test features", features.LayerSource(r.testStore(j), j.Layer)},
	} {
		if err := r.ids.Add(fp, in.role, in.path); err != nil {
			return fingerprints{}, err
		}
	}
	return fingerprints{job: fp, model: m}, nil
}

// modelFingerprint reads the fingerprint recorded in a model directory.
func modelFingerprint(dir string) (*provenance.Fingerprint, error) {
	return provenance.ReadFile(filepath.Join(dir, bdmodel.FingerprintFile))
}

// reuse reports whether the job's model directory holds a finished model
// trained from what the job would train it from (its fingerprint equal to
// the job's model fingerprint). A finished model without a fingerprint is
// an error wrapping ErrModelUnverified, unless Options.ReuseModels adopts
// it as the original scripts would.
func (r *runner) reuse(j *Job, p paths) (bool, error) {
	if r.opts.DiscardModels || !bdmodel.IsDone(p.model) {
		return false, nil
	}
	fp, err := modelFingerprint(p.model)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if r.opts.ReuseModels {
			return true, nil
		}
		return false, fmt.Errorf("%s: %w: it has no %s (trained by the original scripts or an older bhscore, from unknown inputs and parameters); remove it to retrain, or reuse it with -reuse-models (Options.ReuseModels)",
			p.model, ErrModelUnverified, bdmodel.FingerprintFile)
	case err != nil:
		return false, nil // unreadable: ours (by its name), retrained
	}
	return fp.Equal(j.fps.model), nil
}

// save keeps a newly trained model unless models are discarded: it
// unmarks the directory (a killed rewrite never looks finished), removes
// temporary files a killed run left, saves the model (info.yaml last) and
// then its fingerprint.
func (r *runner) save(m model, j *Job, p paths) error {
	if r.opts.DiscardModels {
		return nil
	}
	if err := bdmodel.Unmark(p.model); err != nil {
		return err
	}
	atomicfile.RemoveTemps(p.model, 0)
	if err := m.Save(p.model, p.id); err != nil {
		return err
	}
	return provenance.WriteFile(filepath.Join(p.model, bdmodel.FingerprintFile), j.fps.model)
}

// keepStale tells jobs.Run to leave a stale job's model files in place when
// the model directory has a fingerprint: reuse checks it and save replaces
// the model, so a change that does not concern training (a test file) does
// not cost a retraining.
func keepStale(j jobs.Job, path string) bool {
	dir := filepath.Dir(path)
	if filepath.Base(dir) != "model" {
		return false
	}
	_, err := modelFingerprint(dir)
	return err == nil
}

// Claim claims cfg's output directory for cfg's configuration (with the
// options that change its outputs) until release is called: workers of the
// same configuration share it, a worker of another configuration gets an
// error matching ErrConflict naming the live worker and what differs. Run
// claims by itself; callers that read the outputs afterwards (scoring) hold
// a claim across both.
func Claim(ctx context.Context, cfg *Config, opts *Options) (release func() error, err error) {
	if opts == nil {
		opts = &Options{}
	}
	c, err := jobs.ClaimConfig(ctx, filepath.Join(opts.stateDir(cfg), "claims"), studyFingerprint(cfg, opts), opts.lockOptions())
	if err != nil {
		return nil, fmt.Errorf("analysis: %s: %w", cfg.Output, err)
	}
	return c.Release, nil
}

// stateDir returns the directory of lock files and done markers.
func (o *Options) stateDir(cfg *Config) string {
	if o.StateDir != "" {
		return o.StateDir
	}
	return filepath.Join(cfg.Output, ".bhscore")
}

func (o *Options) lockOptions() jobs.LockOptions {
	return jobs.LockOptions{Heartbeat: o.Heartbeat, StaleAfter: o.StaleAfter, Host: o.Host}
}
