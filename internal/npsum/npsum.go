package npsum

import "math"

// Float is the element type of a sum.
type Float interface {
	~float32 | ~float64
}

// blockSize is the buffer size of numpy's iterator (NPY_BUFSIZE): a
// reduction's inner loop, and so each pairwise_sum call, covers at most
// this many elements.
const blockSize = 8192

// pwBlock is numpy's PW_BLOCKSIZE.
const pwBlock = 128

// Sum returns the sum of x as np.sum (np.add.reduce) computes it for a
// contiguous 1-d array of x's type.
func Sum[T Float](x []T) T { return SumStrided(x, len(x), 1) }

// SumStrided returns the sum of the n elements x[0], x[stride], ...,
// x[(n-1)*stride] as numpy computes it along a contiguous axis, e.g. a
// column of a Fortran-ordered matrix held here row-major (stride = number
// of columns).
func SumStrided[T Float](x []T, n, stride int) T {
	var res T
	for off := 0; off < n; off += blockSize {
		m := min(blockSize, n-off)
		res += pairwise(x[off*stride:], m, stride)
	}
	return res
}

// Pairwise returns numpy's pairwise_sum of x: one inner-loop call, without
// the 8192-element blocking of Sum.
func Pairwise[T Float](x []T) T { return pairwise(x, len(x), 1) }

func pairwise[T Float](a []T, n, stride int) T {
	switch {
	case n < 8:
		var res T
		for i := range n {
			res += a[i*stride]
		}
		return res
	case n <= pwBlock:
		var r [8]T
		for j := range 8 {
			r[j] = a[j*stride]
		}
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range 8 {
				r[j] += a[(i+j)*stride]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i*stride]
		}
		return res
	}
	n2 := n / 2
	n2 -= n2 % 8
	return pairwise(a, n2, stride) + pairwise(a[n2*stride:], n-n2, stride)
}

// Mean returns np.mean(x) for a contiguous 1-d array: Sum divided by the
// count in x's type. It is NaN for empty x.
func Mean[T Float](x []T) T { return Sum(x) / T(len(x)) }

// MeanStd returns np.mean and np.std(ddof=ddof) of the n elements
// x[0], x[stride], ... summed along a contiguous axis (a column of a
// Fortran-ordered matrix, or a 1-d array with stride 1), in x's type.
// scratch, if it has room for n values, is used for the squared
// deviations; otherwise a slice is allocated.
func MeanStd[T Float](x []T, n, stride, ddof int, scratch []T) (mean, std T) {
	mean = SumStrided(x, n, stride) / T(n)
	d := scratch
	if cap(d) < n {
		d = make([]T, n)
	}
	d = d[:n]
	for i := range d {
		v := x[i*stride] - mean
		d[i] = v * v
	}
	v := Sum(d) / T(n-ddof)
	return mean, T(math.Sqrt(float64(v)))
}

// Sequential returns the column sums of the rows x cols row-major matrix
// x accumulated one row after another into dst (len cols), as numpy sums
// axis 0 of a C-ordered array. A single column is contiguous, and numpy
// sums it pairwise (SumStrided). dst is overwritten.
func Sequential[T Float](dst, x []T, rows, cols int) {
	if cols == 1 {
		dst[0] = SumStrided(x, rows, 1)
		return
	}
	clear(dst[:cols])
	for i := range rows {
		row := x[i*cols : (i+1)*cols]
		for j, v := range row {
			dst[j] += v
		}
	}
}
