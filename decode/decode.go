package decode

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/bdmodel"
	"github.com/brainhierarchy/bhscore/fastl2lir"
	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/fmri"
	"github.com/brainhierarchy/bhscore/stats"
)

// Precision is the arithmetic of Train, in words, as run fingerprints
// record it (see package analysis).
const Precision = "normalised inputs rounded to float32, fit in float64"

// Options configures training. The zero value is the paper's analysis:
// alpha 100, 500 voxels selected per unit, all cores.
type Options struct {
	// Alpha is the ridge penalty (nil: bdmodel.DefaultAlpha; 0: no
	// penalty, as in fastl2lir).
	Alpha *float64
	// NFeat is the number of voxels selected per unit (nil:
	// bdmodel.DefaultNFeat; 0: every voxel). An ROI with NFeat or fewer
	// voxels is fitted without selection, as FastL2LiR does.
	NFeat *int
	// Workers bounds the solver's goroutines (0: GOMAXPROCS).
	Workers int
	// Progress, if not nil, receives the number of units solved and the
	// total (see fastl2lir.Options.Progress).
	Progress func(done, total int)
}

func (o *Options) solver(shape []int, prec fastl2lir.Precision) *fastl2lir.Options {
	if o == nil {
		o = &Options{}
	}
	so := bdmodel.Solver(o.Alpha, o.NFeat, o.Workers, o.Progress, prec)
	so.TargetShape = shape
	return so
}

// Decoder is a trained feature decoder: fMRI voxels -> DNN units of one
// layer, with the normalisation statistics saved beside it.
//
// A Decoder is safe for concurrent use by multiple goroutines as long as
// none modifies it.
type Decoder struct {
	// Model maps normalised voxels to normalised units: W is voxels x
	// units (units in C order of Shape), with the float32 values bdpy saves;
	// B holds the float32 intercepts.
	Model *fastl2lir.Model
	// X holds the statistics of the training voxels (over trials), Y those
	// of the layer's units (over the distinct training images, C order).
	X, Y stats.Norm
	// Shape is the unit shape of one image of the layer.
	Shape []int
}

// Train fits a decoder exactly as BHscore's feature_decoding_train.py does
// with bdpy's ModelTraining: x holds the ROI's training trials (trials x
// voxels, float64), imageIndex each trial's image_index (1-based position of
// its stimulus in feat.Labels), feat the layer's training features.
//
// The voxels are normalised with float64 statistics over trials and the
// units with float32 statistics over images (ddof 1; ±Inf -> 0, NaN kept),
// each trial is paired with its image's features, both are rounded to
// float32 and the model is fitted in float64. The returned model holds W and
// b rounded to float32, the values the original saves, so that predicting
// with it equals predicting with the saved and re-loaded decoder.
func Train(ctx context.Context, x mat.Matrix, imageIndex []float64, feat *features.Layer, o *Options) (*Decoder, error) {
	n, v := x.Dims()
	if len(imageIndex) != n {
		return nil, fmt.Errorf("decode: %d trials but %d image_index labels", n, len(imageIndex))
	}
	m, u := feat.Rows(), feat.Units()
	if m < 2 || n < 2 {
		return nil, fmt.Errorf("decode: layer %s: need at least 2 images and 2 trials (have %d, %d)", feat.Name, m, n)
	}
	rows, err := rowsOf(imageIndex, m)
	if err != nil {
		return nil, fmt.Errorf("decode: layer %s: training fMRI: %w", feat.Name, err)
	}
	xmean, xstd, xn := stats.NormOf64(x)
	yn := stats.NormOf32(feat.Data, m, u, numpyOrder(feat, features.C))

	// Normalised fMRI (float64 statistics, ±Inf -> 0), rounded to float32.
	xs := mat.NewDense(n, v, nil)
	raw := xs.RawMatrix()
	for i := range n {
		for j := range v {
			z := (x.At(i, j) - xmean[j]) / xstd[j]
			if math.IsInf(z, 0) {
				z = 0
			}
			raw.Data[i*raw.Stride+j] = float64(float32(z))
		}
	}
	// Normalised features in float32 (±Inf -> 0), one row per trial.
	yz := yn.Normalize32(feat.Data, m, u, true)
	ys := mat.NewDense(n, u, nil)
	yr := ys.RawMatrix()
	for i, r := range rows {
		dst := yr.Data[i*yr.Stride : i*yr.Stride+u]
		for j, val := range yz[r*u : (r+1)*u] {
			dst[j] = float64(val)
		}
	}
	model, err := fastl2lir.Fit(ctx, xs, ys, o.solver(slices.Clone(feat.Shape), fastl2lir.Float64))
	if err != nil {
		return nil, fmt.Errorf("decode: layer %s: %w", feat.Name, err)
	}
	bdmodel.Round(model)
	return &Decoder{Model: model, X: xn, Y: yn, Shape: slices.Clone(feat.Shape)}, nil
}

// numpyOrder returns the memory order numpy holds feat's matrix in after
// bdpy's Features.get_features: Fortran when a feature index picked its
// units (fancy indexing), else plain, the order the caller's script leaves
// it in.
func numpyOrder(feat *features.Layer, plain features.Order) features.Order {
	if feat.Index != nil {
		return features.Fortran
	}
	return plain
}

// rowsOf maps 1-based image_index values to 0-based rows of an m-image
// feature matrix.
func rowsOf(imageIndex []float64, m int) ([]int, error) {
	rows := make([]int, len(imageIndex))
	for i, v := range imageIndex {
		if v != math.Trunc(v) || v < 1 || v > float64(m) {
			return nil, fmt.Errorf("trial %d: image_index %v has no feature file (%d images)", i, v, m)
		}
		rows[i] = int(v) - 1
	}
	return rows, nil
}

// Predict returns the de-normalised decoded features (samples x units, C
// order of Shape) of x (samples x voxels, e.g. trial-averaged test fMRI), as
// feature_decoding_predict.py computes them: x normalised with the saved
// float32 statistics, rounded to float32 (bdpy's ModelTest), predicted in
// float64, then multiplied by the unit deviations and shifted by the means.
func (d *Decoder) Predict(x mat.Matrix) (*mat.Dense, error) {
	n, v := x.Dims()
	if v != len(d.X.Mean) {
		return nil, fmt.Errorf("decode: %d voxels given, decoder has %d", v, len(d.X.Mean))
	}
	z := mat.NewDense(n, v, nil)
	for i := range n {
		for j := range v {
			z.Set(i, j, float64(float32((x.At(i, j)-float64(d.X.Mean[j]))/float64(d.X.Std[j]))))
		}
	}
	y, err := d.Model.Predict(z)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	bdmodel.Denormalize(y, d.Y.Mean, d.Y.Std)
	return y, nil
}

// Result is the outcome of testing a decoder.
type Result struct {
	// Labels are the stems of the test images, in ascending image_index
	// order (np.unique of the trials' image_index).
	Labels []string
	// Pred holds the decoded features, one row per label (C order of
	// Shape); Truth the true features of the same images.
	Pred, Truth *mat.Dense
	// Accuracy is the Pearson correlation of every unit across the test
	// images (C order of Shape); NaN for a constant unit.
	Accuracy []float64
	// Shape is the unit shape.
	Shape []int
}

// Test decodes the test trials x (trials x voxels) after averaging them per
// image_index, as feature_decoding_predict.py does, and scores each unit
// against the true features of feat (the layer's test features).
func Test(ctx context.Context, d *Decoder, x mat.Matrix, imageIndex []float64, feat *features.Layer) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !slices.Equal(feat.Shape, d.Shape) {
		return nil, fmt.Errorf("decode: layer %s: test unit shape %v, decoder %v", feat.Name, feat.Shape, d.Shape)
	}
	avg, labels, _, err := fmri.MeanByLabel(x, imageIndex, fmri.Float64)
	if err != nil {
		return nil, fmt.Errorf("decode: layer %s: test fMRI: %w", feat.Name, err)
	}
	rows, err := rowsOf(labels, feat.Rows())
	if err != nil {
		return nil, fmt.Errorf("decode: layer %s: test fMRI: %w", feat.Name, err)
	}
	pred, err := d.Predict(avg)
	if err != nil {
		return nil, err
	}
	u := feat.Units()
	truth := mat.NewDense(len(rows), u, nil)
	res := &Result{Pred: pred, Truth: truth, Shape: slices.Clone(d.Shape)}
	for i, r := range rows {
		for j, val := range feat.Row(r) {
			truth.Set(i, j, float64(val))
		}
		res.Labels = append(res.Labels, feat.Labels[r])
	}
	res.Accuracy = stats.ProfileCorrelation(pred, truth)
	return res, nil
}

// SaveAccuracy writes the accuracies to path as accuracy.mat: variable
// "accuracy", float32, shape (1,) + unit shape.
func (r *Result) SaveAccuracy(path string) error {
	return bdmodel.SaveArray(path, "accuracy", append([]int{1}, r.Shape...), bdmodel.To32(r.Accuracy))
}

// SavePredictions writes one file <dir>/<stem>.mat per test image holding the
// decoded features as variable "feat", float32, shape (1,) + unit shape.
// Stems are joined with atomicfile.SafeJoin.
//
// The original names the i-th file after the i-th stem of the sorted test
// feature list, which is the image's own stem only when the test
// image_index values are 1..N; here every file is named after its image.
func (r *Result) SavePredictions(ctx context.Context, dir string) error {
	return bdmodel.SaveRows(ctx, "decode", "decoded features", dir, r.Labels, append([]int{1}, r.Shape...), r.Pred)
}

// Save writes the decoder in bdpy's bdmodel layout into dir (the
// ".../<roi>/model" directory): W.mat (sparse) and b.mat through
// bdmodel.SaveWeights, x_mean.mat, x_norm.mat (1 x voxels), y_mean.mat,
// y_norm.mat (1 x unit shape), all float32, and last info.yaml with
// computation_status done under id (e.g.
// "feature_decoding_train-sub-01-V1-caffe/AlexNet-conv1"). Every file is
// written to a temporary name and renamed.
func (d *Decoder) Save(dir, id string) error {
	st := bdmodel.Stats{XMean: d.X.Mean, XStd: d.X.Std, YMean: d.Y.Mean, YStd: d.Y.Std}
	return bdmodel.Save("decode", dir, id, d.Model, st, []int{1, len(d.X.Mean)}, append([]int{1}, d.Shape...))
}

// Load reads a decoder saved by Save or by the original scripts (W.mat or
// the chunked W/ and b/ form, the four statistics files).
func Load(dir string) (*Decoder, error) {
	m, err := bdmodel.LoadWeights(dir)
	if err != nil {
		return nil, err
	}
	p, q := m.W.Dims()
	d := &Decoder{Model: m, Shape: slices.Clone(m.TargetShape)}
	if d.Shape == nil {
		d.Shape = []int{q}
	}
	st, err := bdmodel.LoadStats(dir, p, q)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	d.X, d.Y = stats.Norm{Mean: st.XMean, Std: st.XStd}, stats.Norm{Mean: st.YMean, Std: st.YStd}
	return d, nil
}
