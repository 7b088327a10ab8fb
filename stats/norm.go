package stats

import (
	"math"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/brainhierarchy/bhscore/features"
	"github.com/brainhierarchy/bhscore/internal/npsum"
)

// Norm holds per-column normalisation statistics as the original scripts
// save them (x_mean.mat, x_norm.mat, y_mean.mat, y_norm.mat): float32
// means and ddof-1 standard deviations.
type Norm struct {
	Mean, Std []float32
}

// NormOf64 returns the column means and ddof-1 standard deviations of x
// computed in float64 as np.mean(x, axis=0) and np.std(x, axis=0, ddof=1)
// do for the Fortran-ordered matrix bdpy's BData.select returns (numpy's
// pairwise summation down each column, internal/npsum), together with
// their float32 roundings. The decoding scripts normalise the training
// fMRI with the float64 values and save the float32 ones.
func NormOf64(x mat.Matrix) (mean, std []float64, n Norm) {
	r, c := x.Dims()
	mean = make([]float64, c)
	std = make([]float64, c)
	scratch := make([]float64, r)
	// Columns are copied out a cache line (normBlock values of a row) at a
	// time; the sums run on the contiguous copies in numpy's order.
	cols := make([]float64, normBlock*r)
	var m blas64.General
	raw, isRaw := x.(mat.RawMatrixer)
	if isRaw {
		m = raw.RawMatrix()
	}
	for j0 := 0; j0 < c; j0 += normBlock {
		w := min(normBlock, c-j0)
		if isRaw {
			for i := range r {
				row := m.Data[i*m.Stride+j0 : i*m.Stride+j0+w]
				for b, v := range row {
					cols[b*r+i] = v
				}
			}
		} else {
			for b := range w {
				for i := range r {
					cols[b*r+i] = x.At(i, j0+b)
				}
			}
		}
		for b := range w {
			mean[j0+b], std[j0+b] = npsum.MeanStd(cols[b*r:(b+1)*r], r, 1, 1, scratch)
		}
	}
	n = Norm{Mean: make([]float32, c), Std: make([]float32, c)}
	for j := range c {
		n.Mean[j] = float32(mean[j])
		n.Std[j] = float32(std[j])
	}
	return mean, std, n
}

// normBlock is the number of float64 columns NormOf64 copies out per pass
// over the rows: one 64-byte cache line of a row.
const normBlock = 8

// NormOf32 returns the column statistics of the rows x cols float32 matrix
// data (row-major) computed in float32 arithmetic as np.mean(axis=0) and
// np.std(axis=0, ddof=1) do for a float32 array held in order: a C-ordered
// array (bdpy features concatenated without an index) is summed row by
// row, a Fortran-ordered one (BData.select's fMRI, fancy-indexed or
// Fortran-reshaped features) pairwise down each column (internal/npsum).
// The mean is divided in float32, squared deviations are summed in the
// same order and divided by rows-1, then the square root is taken.
func NormOf32(data []float32, rows, cols int, order features.Order) Norm {
	mean := make([]float32, cols)
	std := make([]float32, cols)
	if order == features.Fortran || cols == 1 {
		scratch := make([]float32, rows)
		for j := range cols {
			mean[j], std[j] = npsum.MeanStd(data[j:], rows, cols, 1, scratch)
		}
		return Norm{Mean: mean, Std: std}
	}
	npsum.Sequential(mean, data, rows, cols)
	for j := range mean {
		mean[j] /= float32(rows)
	}
	for i := range rows {
		row := data[i*cols : (i+1)*cols]
		for j, v := range row {
			d := v - mean[j]
			std[j] += d * d
		}
	}
	for j := range std {
		std[j] = float32(math.Sqrt(float64(std[j] / float32(rows-1))))
	}
	return Norm{Mean: mean, Std: std}
}

// Normalize32 returns (x - mean) / std computed in float32 for the rows x
// cols matrix data, with ±Inf replaced by 0 when zeroInf is set (bdpy's
// ModelTraining does that; the test scripts do not). 0/0 gives NaN, which is
// kept, as in the original.
func (n Norm) Normalize32(data []float32, rows, cols int, zeroInf bool) []float32 {
	out := make([]float32, len(data))
	for i := range rows {
		for j := range cols {
			out[i*cols+j] = normalize32(data[i*cols+j], n.Mean[j], n.Std[j], zeroInf)
		}
	}
	return out
}

// NormalizeColumns32 normalises data in place, column by column: data
// holds len(n.Mean) columns of rows values each, column-major, and every
// value becomes exactly what Normalize32 makes of it.
func (n Norm) NormalizeColumns32(data []float32, rows int, zeroInf bool) {
	for j, mean := range n.Mean {
		std := n.Std[j]
		col := data[j*rows : (j+1)*rows]
		for i, x := range col {
			col[i] = normalize32(x, mean, std, zeroInf)
		}
	}
}

// normalize32 is one normalised value: (x - mean) / std in float32, ±Inf
// made 0 when zeroInf.
func normalize32(x, mean, std float32, zeroInf bool) float32 {
	v := (x - mean) / std
	if zeroInf && math.IsInf(float64(v), 0) {
		return 0
	}
	return v
}

// ProfileCorrelation returns, for every column j, the Pearson correlation
// between pred[:, j] and truth[:, j] across rows, as
// np.corrcoef(pred[:, j], truth[:, j])[0, 1] computes it in float64
// (deviations from the mean, ddof-independent ratio, clipped to [-1, 1]).
// It is NaN where either column is constant or holds NaN.
func ProfileCorrelation(pred, truth mat.Matrix) []float64 {
	r, c := pred.Dims()
	if tr, tc := truth.Dims(); tr != r || tc != c {
		panic(mat.ErrShape)
	}
	out := make([]float64, c)
	a := make([]float64, r)
	b := make([]float64, r)
	for j := range c {
		for i := range r {
			a[i] = pred.At(i, j)
			b[i] = truth.At(i, j)
		}
		out[j] = Pearson(a, b)
	}
	return out
}
