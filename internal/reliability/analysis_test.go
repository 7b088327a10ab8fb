package reliability

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"

	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore"
	"github.com/brainhierarchy/bhscore/analysis"
	"github.com/brainhierarchy/bhscore/decode"
	"github.com/brainhierarchy/bhscore/encode"
	"github.com/brainhierarchy/bhscore/fastl2lir"
	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/fmri"
	"github.com/brainhierarchy/bhscore/sim"
)

// problem is a small decoding problem: trials x voxels fMRI with 1-based
// image_index labels, and an images x units layer.
type problem struct {
	x     *mat.Dense
	index []float64
	stems []string
	feat  *features.Layer
}

func newProblem(seed uint64, images, reps, voxels, units int) *problem {
	r := rand.New(rand.NewPCG(seed, seed))
	p := &problem{x: mat.NewDense(images*reps, voxels, nil)}
	for i := range images {
		p.stems = append(p.stems, fmt.Sprintf("n%08d_%d", 1000+i, i))
	}
	p.feat = &features.Layer{Name: "fc", Labels: p.stems, Shape: []int{units}, Data: make([]float32, images*units)}
	for i := range p.feat.Data {
		p.feat.Data[i] = float32(r.NormFloat64())
	}
	for t := range images * reps {
		img := t % images
		p.index = append(p.index, float64(img+1))
		for v := range voxels {
			p.x.Set(t, v, float64(p.feat.Data[img*units+v%units])+0.5*r.NormFloat64())
		}
	}
	return p
}

func (p *problem) labels() []string {
	out := make([]string, len(p.index))
	for i, v := range p.index {
		out[i] = p.stems[int(v)-1]
	}
	return out
}

// TestAnalysisBadInput covers the analyses' data-dependent failures and
// documented behaviours.
func TestAnalysisBadInput(t *testing.T) {
	ctx := context.Background()
	t.Run("fMRI labels absent from the features", func(t *testing.T) {
		p := newProblem(1, 12, 2, 8, 5)
		p.index[5] = 13 // no 13th image
		var err error
		noPanic(t, func() { _, err = decode.Train(ctx, p.x, p.index, p.feat, &decode.Options{NFeat: new(4)}) })
		wantErr(t, err, "layer fc", "image_index 13")
		q := newProblem(1, 12, 2, 8, 5)
		labels := q.labels()
		labels[3] = "n99999999_1"
		noPanic(t, func() { _, err = encode.Train(ctx, q.feat, q.x, labels, &encode.Options{NFeat: new(4)}) })
		wantErr(t, err, "n99999999_1")
	})
	t.Run("n_feat larger than the inputs", func(t *testing.T) {
		// FastL2LiR: n_feat >= the inputs means no selection.
		p := newProblem(2, 15, 2, 8, 5)
		all, err := decode.Train(ctx, p.x, p.index, p.feat, &decode.Options{NFeat: new(8)})
		if err != nil {
			t.Fatal(err)
		}
		big, err := decode.Train(ctx, p.x, p.index, p.feat, &decode.Options{NFeat: new(1000)})
		if err != nil {
			t.Fatal(err)
		}
		if !mat.Equal(all.Model.W, big.Model.W) {
			t.Error("n_feat 1000 > 8 voxels differs from n_feat 8")
		}
	})
	t.Run("zero-variance voxel and unit", func(t *testing.T) {
		// A constant unit has NaN accuracy (Pearson of a constant), as in
		// the original. A constant training voxel is normalised as the
		// original script does, (x - mean) / 0 = NaN (only ±Inf is set
		// to 0), so every weight and accuracy of the ROI becomes NaN,
		// which compute_bhscore counts as 0: the original's behaviour,
		// kept for parity, but silent (see the README's Reliability table).
		p := newProblem(3, 15, 2, 8, 5)
		for i := range 15 {
			p.feat.Data[i*5+4] = 3
		}
		d, err := decode.Train(ctx, p.x, p.index, p.feat, &decode.Options{NFeat: new(4)})
		if err != nil {
			t.Fatal(err)
		}
		res, err := decode.Test(ctx, d, p.x, p.index, p.feat)
		if err != nil {
			t.Fatal(err)
		}
		for j, a := range res.Accuracy {
			if j == 4 != math.IsNaN(a) {
				t.Errorf("unit %d accuracy %v", j, a)
			}
		}
		for i := range p.x.RawMatrix().Rows {
			p.x.Set(i, 2, 7)
		}
		if d, err = decode.Train(ctx, p.x, p.index, p.feat, &decode.Options{NFeat: new(4)}); err != nil {
			t.Fatal(err)
		}
		if res, err = decode.Test(ctx, d, p.x, p.index, p.feat); err != nil {
			t.Fatal(err)
		}
		for j, a := range res.Accuracy {
			if !math.IsNaN(a) {
				t.Errorf("unit %d accuracy %v with a constant voxel, want NaN as the original", j, a)
			}
		}
	})
	t.Run("NaN and Inf features", func(t *testing.T) {
		// The original lets NaN flow through numpy: the unit's accuracy is
		// NaN (compute_bhscore then counts it as 0); the other units are
		// unaffected. An Inf value makes its unit's mean Inf and so the
		// unit NaN too. CheckFinite reports both, naming the first.
		p := newProblem(4, 15, 2, 8, 5)
		p.feat.Data[3*5+1] = float32(math.NaN())
		p.feat.Data[6*5+2] = float32(math.Inf(1))
		wantErr(t, p.feat.CheckFinite(), "layer fc", "1 NaN and 1 infinite", p.stems[3])
		var res *decode.Result
		noPanic(t, func() {
			d, err := decode.Train(ctx, p.x, p.index, p.feat, &decode.Options{NFeat: new(4)})
			if err != nil {
				t.Fatal(err)
			}
			if res, err = decode.Test(ctx, d, p.x, p.index, p.feat); err != nil {
				t.Fatal(err)
			}
		})
		for j, a := range res.Accuracy {
			if (j == 1 || j == 2) != math.IsNaN(a) {
				t.Errorf("unit %d accuracy %v", j, a)
			}
		}
	})
	t.Run("empty ROI selection", func(t *testing.T) {
		dir, s := tinyStudy(t)
		p := sim.FMRIPath(dir, s.Subjects[0].Name, sim.TestSet)
		f, err := fmri.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, err = f.Select(ctx, "ROI_V1 = 1 & ROI_HVC = 1")
		wantErr(t, err, p)
		if !errors.Is(err, fmri.ErrEmptySelection) {
			t.Errorf("%v does not wrap ErrEmptySelection", err)
		}
		_, err = f.Select(ctx, "ROI_V9 = 1")
		wantErr(t, err, "ROI_V9")
	})
}

// TestUnsafeStimulusNames: stimulus names become file names of decoded
// features and encoded fMRI; names with '/', '..' or NUL are refused and
// nothing is written outside the output directory.
func TestUnsafeStimulusNames(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"../escaped", "a/b", "..", "/abs", "x\x00y", `..\win`} {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "out", "inner")
			pred := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
			d := &decode.Result{Labels: []string{"ok", name}, Pred: pred, Shape: []int{3}}
			e := &encode.Result{Labels: []string{"ok", name}, Pred: pred}
			var errD, errE error
			noPanic(t, func() {
				errD = d.SavePredictions(ctx, filepath.Join(out, "dec"))
				errE = e.SavePredictions(ctx, filepath.Join(out, "enc"))
			})
			if name == ".." {
				// "...mat" is a plain (dot) file name inside the directory.
				if errD != nil || errE != nil {
					t.Errorf("errors %v, %v", errD, errE)
				}
			} else {
				wantErr(t, errD, "unsafe")
				wantErr(t, errE, "unsafe")
			}
			filepath.WalkDir(parent, func(p string, de fs.DirEntry, err error) error {
				if err == nil && !de.IsDir() {
					if rel, _ := filepath.Rel(out, p); !filepath.IsLocal(rel) {
						t.Errorf("%s written outside the output directory", p)
					}
				}
				return nil
			})
		})
	}
}

// TestMalformedConfigs: configs and settings files that must be refused
// with an error naming the file and the fault.
func TestMalformedConfigs(t *testing.T) {
	good := "subjects: [{name: sub-01, train: a.h5, test: b.h5}]\nrois: [{name: V1, selector: ROI_V1 = 1}]\n" +
		"train_features: f\ntest_features: g\nnetworks: [{name: N, dir: pytorch/N, layers: [l1, l2]}]\n"
	for _, c := range []struct{ name, body, want string }{
		{"empty", "", "empty config"},
		{"not YAML", "{[", "yaml"},
		{"unknown field", good + "alhpa: 3\n", "alhpa"},
		{"subject name with slash", replace1(good, "sub-01", "../sub-01"), `"../sub-01"`},
		{"layer name with NUL", replace1(good, "l2", `"l\0"`), "layer name"},
		{"network dir escaping", replace1(good, "pytorch/N", "../../N"), "relative path"},
		{"ROI named ..", replace1(good, "name: V1", "name: .."), `".."`},
		{"negative n_feat", good + "decoding: {n_feat: -5}\n", "negative n_feat"},
		{"duplicate ROI", replace1(good, "rois: [{name: V1, selector: ROI_V1 = 1}]", "rois: [{name: V1, selector: a}, {name: V1, selector: b}]"), "twice"},
		{"no networks", replace1(good, "networks: [{name: N, dir: pytorch/N, layers: [l1, l2]}]", ""), "no networks"},
		{"original format, bad subjects", "training fmri: 3\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "study.yaml", []byte(c.body))
			var err error
			noPanic(t, func() {
				var cfg *analysis.Config
				if cfg, err = analysis.LoadConfig("", p); err == nil {
					err = cfg.Validate()
				}
			})
			if err == nil {
				t.Fatal("accepted")
			}
			if c.want != "" {
				wantErr(t, err, c.want)
			}
		})
	}
	for _, c := range []struct{ name, body, want string }{
		{"empty", "", "settings"},
		{"truncated", `{"subjects": ["sub-01"], "rois": ["V1"], "dnns": {"N": {"dir": "p/N", "lay`, "settings"},
		{"no subjects", `{"subjects": [], "rois": ["V1"], "dnns": {"N": {"dir": "p/N", "layers": ["a"]}}}`, "no subjects"},
		{"dir escaping", `{"subjects": ["s"], "rois": ["V1"], "dnns": {"N": {"dir": "../N", "layers": ["a"]}}}`, "inside the accuracy root"},
		{"no layers", `{"subjects": ["s"], "rois": ["V1"], "dnns": {"N": {"dir": "p/N", "layers": []}}}`, "no layers"},
		{"dnns not an object", `{"subjects": ["s"], "rois": ["V1"], "dnns": [1]}`, "settings"},
	} {
		t.Run("settings/"+c.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "settings.json", []byte(c.body))
			var err error
			noPanic(t, func() { _, err = bhscore.LoadDesign(p) })
			wantErr(t, err, p, c.want)
		})
	}
}

func replace1(s, old, new string) string {
	i := indexOf(s, old)
	if i < 0 {
		panic("no " + old)
	}
	return s[:i] + new + s[i+len(old):]
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestSolverIllConditioned: alpha near 0 with collinear and duplicated
// voxels (a singular Gram matrix but for alpha) gives finite weights and
// predictions or a clear error, never NaN; results are bitwise identical
// for 1, 2 and 4 workers.
func TestSolverIllConditioned(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	const n, p, q = 40, 30, 6
	x := mat.NewDense(n, p, nil)
	y := mat.NewDense(n, q, nil)
	for i := range n {
		for j := range 10 {
			x.Set(i, j, r.NormFloat64())
		}
		for j := 10; j < p; j++ { // duplicates and linear combinations
			x.Set(i, j, x.At(i, j%10)+2*x.At(i, (j+3)%10))
		}
		for j := range q {
			y.Set(i, j, x.At(i, j)-x.At(i, j+1)+0.1*r.NormFloat64())
		}
	}
	for _, alpha := range []float64{1e-6, 1e-12, 1e-300, 0} {
		for _, nfeat := range []int{0, 12} {
			t.Run(fmt.Sprintf("alpha=%g/nfeat=%d", alpha, nfeat), func(t *testing.T) {
				var ref *fastl2lir.Model
				var refErr error
				for _, w := range []int{1, 2, 4} {
					var m *fastl2lir.Model
					var err error
					noPanic(t, func() {
						m, err = fastl2lir.Fit(context.Background(), x, y, &fastl2lir.Options{Alpha: alpha, NFeat: nfeat, Workers: w})
					})
					if err != nil {
						t.Logf("workers %d: clear error: %v", w, err)
						if w == 1 {
							refErr = err
						} else if refErr == nil || err.Error() != refErr.Error() {
							t.Errorf("workers %d: error %v, 1 worker: %v", w, err, refErr)
						}
						continue
					}
					if refErr != nil {
						t.Fatalf("workers %d: no error, 1 worker: %v", w, refErr)
					}
					if !finite(m.W.RawMatrix().Data) || !finite(m.B) {
						t.Fatalf("workers %d: non-finite weights without an error", w)
					}
					pr, err := m.Predict(x)
					if err != nil || !finite(pr.RawMatrix().Data) {
						t.Fatalf("workers %d: predictions not finite (%v)", w, err)
					}
					if ref == nil {
						ref = m
					} else if !mat.Equal(m.W, ref.W) {
						t.Errorf("workers %d: W differs from 1 worker", w)
					}
				}
			})
		}
	}
}

func finite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
