package bhscore

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/brainhierarchy/bhscore/hierarchy"
	"github.com/brainhierarchy/bhscore/internal/layout"
	"github.com/brainhierarchy/bhscore/internal/mat"
	"github.com/brainhierarchy/bhscore/provenance"
	"github.com/brainhierarchy/bhscore/report"
)

// AccuracyTree is a hierarchy.Source over an accuracy directory in the
// published layout: <Root>/<Dir>/<layer>/<subject>/<roi>/accuracy.mat with
// variable "accuracy" (e.g. Root = decoding_accuracy/ImageNetTest).
type AccuracyTree struct {
	Root string
	Dir  string // the DNN's directory, e.g. "pytorch/AlexNet"
}

// Path returns the accuracy file of one job (the path the analyses write).
func (t AccuracyTree) Path(layer, subject, roi string) (string, error) {
	return layout.Accuracy(t.Root, t.Dir, layer, subject, roi)
}

// Accuracy reads one job's accuracies, flattened in C order.
func (t AccuracyTree) Accuracy(ctx context.Context, layer, subject, roi string) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := t.Path(layer, subject, roi)
	if err != nil {
		return nil, fmt.Errorf("bhscore: accuracy of %s layer %s subject %s ROI %s: %w", t.Dir, layer, subject, roi, err)
	}
	a, err := mat.Read(p, "accuracy")
	if err != nil {
		return nil, fmt.Errorf("bhscore: accuracy of %s layer %s subject %s ROI %s: %w", t.Dir, layer, subject, roi, err)
	}
	out := make([]float32, len(a.Data))
	for i, v := range a.Data {
		out[i] = float32(v)
	}
	return out, nil
}

// ScoreOptions control ScoreTrees. The zero value is the published analysis
// with the exact layer-selection expectation.
type ScoreOptions struct {
	// Settings control unit selection (nil: published).
	Settings *hierarchy.Settings
	// Selection controls decoding layer selection (nil: exact 5-layer
	// expectation). With Method Numpy and no RNG, every network starts
	// from np.random.seed(Seed), as the notebook's seeded cells do.
	Selection *hierarchy.Selection
	// PerSubject adds per-subject scores.
	PerSubject bool
	// Progress, if not nil, is called after each network is scored.
	Progress func(done, total int, dnn string)
	// NotebookStream, with Selection.Method hierarchy.Numpy, draws every
	// network's layer subsets from one generator seeded once with
	// np.random.seed(Selection.Seed), networks in settings order: what
	// calc_bhscore.ipynb's decoding cell draws after a single
	// np.random.seed call. Without it every network is re-seeded.
	// Per-subject scores always re-seed, so they leave the stream alone.
	NotebookStream bool
	// Uncertainty, if not nil, adds bootstrap confidence intervals,
	// permutation p-values and rank stability to the report
	// (hierarchy.Uncertainties, with Selection for the decoding
	// replicates). Its Src is replaced by rand.NewPCG(ResampleSeed, 0).
	// With at least MinSubjects subjects (default 5) each subject is also
	// scored alone so that the bootstrap resamples subjects as well.
	Uncertainty *hierarchy.Uncertainty
	// ResampleSeed seeds the resampling streams.
	ResampleSeed uint64
}

// Validate reports whether o can be used (hierarchy.Settings.Validate,
// hierarchy.Selection.Validate), so that bad options are refused before the
// analyses that precede scoring; nil is valid.
func (o *ScoreOptions) Validate() error {
	if o == nil {
		return nil
	}
	if err := o.Settings.Validate(); err != nil {
		return err
	}
	return o.Selection.Validate()
}

// Params returns the scoring options as applied (defaults filled in), for
// a report's provenance.
func (o *ScoreOptions) Params() []provenance.Param {
	var st hierarchy.Settings
	var sel hierarchy.Selection
	perSubject := false
	if o != nil {
		if o.Settings != nil {
			st = *o.Settings
		}
		if o.Selection != nil {
			sel = *o.Selection
		}
		perSubject = o.PerSubject
	}
	fp := &provenance.Fingerprint{}
	fp.Set("p-value threshold", provenance.Float(cmp.Or(st.PValue, hierarchy.DefaultPValue)))
	fp.Set("test images", provenance.Int(cmp.Or(st.NTest, hierarchy.DefaultNTest)))
	fp.Set("t statistic", st.T.String())
	fp.Set("layer selection", sel.Method.String())
	fp.Set("layers per selection", provenance.Int(cmp.Or(sel.NLayers, hierarchy.DefaultNLayers)))
	if sel.Method != hierarchy.Exact {
		fp.Set("selection repeats", provenance.Int(cmp.Or(sel.Repeats, hierarchy.DefaultRepeats)))
	}
	if sel.Method == hierarchy.Numpy && sel.RNG == nil {
		fp.Set("numpy seed", provenance.Int(int(sel.Seed)))
	}
	fp.Set("per subject", strconv.FormatBool(perSubject))
	return fp.Params
}

// ScoreTrees scores every network of s from decoding and encoding accuracy
// trees (either root may be "" to skip that direction) and ranks them.
func ScoreTrees(ctx context.Context, s *Design, decodingRoot, encodingRoot string, o *ScoreOptions) (*report.Report, error) {
	if o == nil {
		o = &ScoreOptions{}
	}
	var dnns []report.DNNScore
	var nets []hierarchy.Network
	sel := o.Selection
	if o.NotebookStream && sel != nil && sel.Method == hierarchy.Numpy {
		c := *sel
		c.RNG = hierarchy.NumpyRNG(sel.Seed)
		sel = &c
	}
	for i, name := range s.Order {
		d := s.DNNs[name]
		st := &hierarchy.Scoring{
			Layers:    d.Layers,
			Subjects:  s.Subjects,
			ROIs:      s.ROIs,
			Settings:  o.Settings,
			Selection: sel,
		}
		if decodingRoot != "" {
			st.Decoding = AccuracyTree{Root: decodingRoot, Dir: d.Dir}
		}
		if encodingRoot != "" {
			st.Encoding = AccuracyTree{Root: encodingRoot, Dir: d.Dir}
		}
		sc, err := st.Score(ctx)
		if err != nil {
			return nil, fmt.Errorf("bhscore: %s: %w", name, err)
		}
		ds := report.DNNScore{
			Name: name, Decoding: sc.Decoding, Encoding: sc.Encoding, BHScore: sc.BHScore,
			Layers: d.Layers, ROIs: s.ROIs,
		}
		if sc.DecodingResult != nil {
			ds.TopROICounts = topCounts(sc.DecodingResult, len(s.ROIs))
		}
		net := hierarchy.NetworkOf(name, sc)
		// Enough subjects for the bootstrap to resample them needs each
		// subject's results.
		bySubject := o.Uncertainty != nil && len(s.Subjects) >= cmp.Or(o.Uncertainty.MinSubjects, hierarchy.DefaultMinSubjects)
		if o.PerSubject || bySubject {
			if sel != nil && sel.RNG != nil {
				c := *sel
				c.RNG = nil
				st.Selection = &c
			}
			per, err := st.PerSubject(ctx)
			if err != nil {
				return nil, fmt.Errorf("bhscore: %s: %w", name, err)
			}
			for j, p := range per {
				if o.PerSubject {
					ds.Subjects = append(ds.Subjects, report.SubjectScore{Subject: s.Subjects[j], Decoding: p.Decoding, Encoding: p.Encoding, BHScore: p.BHScore})
				}
				if bySubject {
					net.Subjects = append(net.Subjects, hierarchy.SubjectResults{Decoding: p.DecodingResult, Encoding: p.EncodingResult})
				}
			}
		}
		nets = append(nets, net)
		dnns = append(dnns, ds)
		if o.Progress != nil {
			o.Progress(i+1, len(s.Order), name)
		}
	}
	rep := report.New(dnns)
	rep.Provenance = &report.Provenance{Version: provenance.Version(), Scoring: o.Params()}
	if o.Uncertainty != nil {
		if err := addUncertainty(ctx, rep, nets, o); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// addUncertainty runs hierarchy.Uncertainties and copies its outcome
// into rep.
func addUncertainty(ctx context.Context, rep *report.Report, nets []hierarchy.Network, o *ScoreOptions) error {
	u := *o.Uncertainty
	u.Src = rand.NewPCG(o.ResampleSeed, 0)
	if u.Select == nil {
		u.Select = o.Selection
	}
	res, err := hierarchy.Uncertainties(ctx, nets, &u)
	if err != nil {
		return fmt.Errorf("bhscore: uncertainty: %w", err)
	}
	nb, np, level := u.Bootstrap, u.Permutations, u.Level
	if nb == 0 {
		nb = hierarchy.DefaultBootstrap
	}
	if np == 0 {
		np = hierarchy.DefaultPermutations
	}
	if level == 0 {
		level = hierarchy.DefaultLevel
	}
	rep.Uncertainty = &report.Uncertainty{Bootstrap: max(nb, 0), Permutations: max(np, 0), Level: level, Seed: o.ResampleSeed}
	ci := func(s hierarchy.Spread) []float64 {
		if s.CI == nil {
			return nil
		}
		return []float64{s.CI.Lo, s.CI.Hi}
	}
	for i, r := range res {
		d := &rep.DNNs[i]
		d.DecodingCI, d.EncodingCI, d.BHScoreCI = ci(r.Decoding), ci(r.Encoding), ci(r.BHScore)
		d.DecodingP, d.EncodingP, d.BHScoreP = r.Decoding.P, r.Encoding.P, r.BHScore.P
		if r.RankLo > 0 {
			d.RankStability, d.RankRange = r.RankStability, []int{r.RankLo, r.RankHi}
		}
	}
	return nil
}

// topCounts returns, per layer, how many selected units have each ROI as
// their best.
func topCounts(r *hierarchy.Result, nroi int) [][]int {
	out := make([][]int, r.Table.Entries)
	for i := range out {
		out[i] = make([]int, nroi)
		for j := range out[i] {
			out[i][j] = r.Table.Count(i, j)
		}
	}
	return out
}
