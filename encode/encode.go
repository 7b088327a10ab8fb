package encode

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/bdmodel"
	"github.com/brainhierarchy/bhscore/fastl2lir"
	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/stats"
)

// Precision is the arithmetic of Train, in words, as run fingerprints
// record it (see package analysis).
const Precision = "normalised inputs and fit in float32"

// Options configures training. The zero value is the paper's analysis:
// alpha 100, 500 units selected per voxel, all cores.
type Options struct {
	// Alpha is the ridge penalty (nil: bdmodel.DefaultAlpha; 0: no
	// penalty, as in fastl2lir).
	Alpha *float64
	// NFeat is the number of units selected per voxel (nil:
	// bdmodel.DefaultNFeat; 0: every unit).
	NFeat *int
	// Workers bounds the solver's goroutines (0: GOMAXPROCS).
	Workers int
	// Progress, if not nil, receives the number of voxels solved and the
	// total.
	Progress func(done, total int)
}

func (o *Options) solver() *fastl2lir.Options {
	if o == nil {
		o = &Options{}
	}
	return bdmodel.Solver(o.Alpha, o.NFeat, o.Workers, o.Progress, fastl2lir.Float32)
}

// Encoder is a trained feature encoder: the units of one DNN layer
// (flattened in Fortran order, as the original) -> the voxels of one ROI.
//
// An Encoder is safe for concurrent use as long as none modifies it.
type Encoder struct {
	// Model maps normalised units to normalised voxels: W is units
	// (Fortran order of Shape) x voxels, with float32 values; B float32.
	// Nil for an encoder of TrainStream, which sets Sparse instead.
	Model *fastl2lir.Model
	// Sparse holds the same map per voxel (selected units and weights,
	// float32 values): the encoders of TrainStream, for layers whose
	// dense W would not fit in memory. Nil when Model is set.
	Sparse *fastl2lir.Sparse
	// X holds the unit statistics (over the distinct training images,
	// Fortran order), Y the voxel statistics (over trials).
	X, Y stats.Norm
	// Shape is the unit shape of one image of the layer.
	Shape []int
}

// fortran returns the layer's rows flattened in Fortran order, float32.
func fortran(l *features.Layer) []float32 {
	u := l.Units()
	out := make([]float32, len(l.Data))
	for i := range l.Rows() {
		features.Flatten(out[i*u:(i+1)*u], l.Row(i), l.Shape, features.Fortran)
	}
	return out
}

// Train fits an encoder exactly as BHscore's featenc_fastl2lir_train.py
// does: feat holds the layer's training features (one row per image), y
// the ROI's training trials (trials x voxels) and labels each trial's
// stimulus_name label (a stem of feat.Labels).
//
// Units are flattened in Fortran order and voxels cast to float32;
// statistics are float32 (units over images, voxels over trials, ddof 1);
// both sides are normalised in float32 (±Inf -> 0, NaN kept), each trial is
// paired with its image's units and the model is fitted in float32
// (fastl2lir.FitImages: each image's row once plus the trial index). W and b
// are rounded to float32, the values saved.
func Train(ctx context.Context, feat *features.Layer, y mat.Matrix, labels []string, o *Options) (*Encoder, error) {
	n, v := y.Dims()
	if len(labels) != n {
		return nil, fmt.Errorf("encode: %d trials but %d labels", n, len(labels))
	}
	m, u := feat.Rows(), feat.Units()
	if m < 2 || n < 2 {
		return nil, fmt.Errorf("encode: layer %s: need at least 2 images and 2 trials (have %d, %d)", feat.Name, m, n)
	}
	index, err := rowsOf(labels, feat.Labels)
	if err != nil {
		return nil, fmt.Errorf("encode: layer %s: training fMRI: %w", feat.Name, err)
	}
	x32 := fortran(feat)
	xn := stats.NormOf32(x32, m, u, numpyOrder(feat))
	xz := xn.Normalize32(x32, m, u, true)
	y32 := make([]float32, n*v)
	for i := range n {
		for j := range v {
			y32[i*v+j] = float32(y.At(i, j))
		}
	}
	yn := stats.NormOf32(y32, n, v, features.Fortran) // BData.select's order
	yz := yn.Normalize32(y32, n, v, true)
	xs := mat.NewDense(m, u, widen(xz))
	ys := mat.NewDense(n, v, widen(yz))
	model, err := fastl2lir.FitImages(ctx, xs, index, ys, o.solver())
	if err != nil {
		return nil, fmt.Errorf("encode: layer %s: %w", feat.Name, err)
	}
	bdmodel.Round(model)
	return &Encoder{Model: model, X: xn, Y: yn, Shape: slices.Clone(feat.Shape)}, nil
}

// numpyOrder returns the memory order of the script's feature matrix x:
// Fortran when a feature index picked the units (fancy indexing) or the
// layer has more than one axis (reshape(order='F') copies), else C.
func numpyOrder(feat *features.Layer) features.Order {
	if feat.Index != nil || len(feat.Shape) > 1 {
		return features.Fortran
	}
	return features.C
}

func widen(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// rowsOf maps each label to its position in the sorted stems.
func rowsOf(labels, stems []string) ([]int, error) {
	out := make([]int, len(labels))
	for i, l := range labels {
		k := sort.SearchStrings(stems, l)
		if k == len(stems) || stems[k] != l {
			return nil, fmt.Errorf("trial %d: stimulus %q has no feature file", i, l)
		}
		out[i] = k
	}
	return out, nil
}

// Predict returns the de-normalised encoded voxels (images x voxels) of the
// layer's images (feat, one row per image): units flattened in Fortran
// order, normalised with the saved float32 statistics in float32, predicted
// in float64, de-normalised, as featenc_fastl2lir_predict.py does.
func (e *Encoder) Predict(feat *features.Layer) (*mat.Dense, error) {
	if e.Model == nil {
		return nil, fmt.Errorf("encode: layer %s: an encoder stored per voxel predicts with PredictColumns", feat.Name)
	}
	if !slices.Equal(feat.Shape, e.Shape) {
		return nil, fmt.Errorf("encode: layer %s: unit shape %v, encoder %v", feat.Name, feat.Shape, e.Shape)
	}
	m, u := feat.Rows(), feat.Units()
	x32 := fortran(feat)
	z := e.X.Normalize32(x32, m, u, false)
	y, err := e.Model.Predict(mat.NewDense(m, u, widen(z)))
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	bdmodel.Denormalize(y, e.Y.Mean, e.Y.Std)
	return y, nil
}

// Result is the outcome of testing an encoder.
type Result struct {
	// Labels are the test stems (sorted), the rows of Pred and Truth.
	Labels []string
	// Pred holds the encoded voxels; Truth the test fMRI averaged per
	// stimulus (float32 mean).
	Pred, Truth *mat.Dense
	// Accuracy is the Pearson correlation of every voxel across the test
	// images, in the ROI's column order; NaN for a constant voxel.
	Accuracy []float64
}

// Test encodes the layer's test images and scores every voxel against the
// test trials y (trials x voxels) averaged per stimulus label (labels, the
// trials' stimulus_name labels), as featenc_fastl2lir_predict.py does. Every
// test image must have fMRI trials; trials of stimuli without features are
// ignored, as in the original.
func Test(ctx context.Context, e *Encoder, feat *features.Layer, y mat.Matrix, labels []string) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pred, err := e.Predict(feat)
	if err != nil {
		return nil, err
	}
	return score(feat.Name, feat.Labels, pred, y, labels)
}

// SaveAccuracy writes accuracy.mat: variable "accuracy", float32, shape
// (1, voxels).
func (r *Result) SaveAccuracy(path string) error {
	return bdmodel.SaveArray(path, "accuracy", []int{1, len(r.Accuracy)}, bdmodel.To32(r.Accuracy))
}

// SavePredictions writes <dir>/<stem>.mat per test image holding the encoded
// voxels as variable "feat" (float32, 1 x voxels), as the original's
// encoded_brain directory.
func (r *Result) SavePredictions(ctx context.Context, dir string) error {
	_, v := r.Pred.Dims()
	return bdmodel.SaveRows(ctx, "encode", "encoded fMRI", dir, r.Labels, []int{1, v}, r.Pred)
}

// Save writes the encoder into dir in bdpy's bdmodel layout, as the
// original: W.mat (sparse, units x voxels), b.mat (1 x voxels), x_mean.mat
// and x_norm.mat (1 x units, Fortran order), y_mean.mat and y_norm.mat
// (1 x voxels), all float32, then info.yaml (computation_status done, id).
func (e *Encoder) Save(dir, id string) error {
	st := bdmodel.Stats{XMean: e.X.Mean, XStd: e.X.Std, YMean: e.Y.Mean, YStd: e.Y.Std}
	if e.Sparse != nil {
		return bdmodel.SaveSparse("encode", dir, id, e.Sparse, st, []int{1, len(e.X.Mean)}, []int{1, len(e.Y.Mean)})
	}
	return bdmodel.Save("encode", dir, id, e.Model, st, []int{1, len(e.X.Mean)}, []int{1, len(e.Y.Mean)})
}

// Load reads an encoder saved by Save or by the original scripts. shape is
// the layer's unit shape (the files hold flattened units).
func Load(dir string, shape []int) (*Encoder, error) {
	m, err := bdmodel.LoadWeights(dir)
	if err != nil {
		return nil, err
	}
	p, q := m.W.Dims()
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != p {
		return nil, fmt.Errorf("encode: load %s: W has %d units, shape %v has %d", dir, p, shape, n)
	}
	e := &Encoder{Model: m, Shape: slices.Clone(shape)}
	st, err := bdmodel.LoadStats(dir, p, q)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	e.X, e.Y = stats.Norm{Mean: st.XMean, Std: st.XStd}, stats.Norm{Mean: st.YMean, Std: st.YStd}
	return e, nil
}
