package linalg

import "math"

// GatherUpper writes the upper triangle of the symmetric sub-matrix
// G[S,S] into a (row-major, leading dimension lda): a[r][c] =
// g[idx[r]][idx[c]] for c >= r, where g holds at least the upper triangle
// of G (row-major, leading dimension ld) and idx (length n) is ascending,
// so that only g's upper triangle is read, row after row.
func GatherUpper[T Float](n int, g []T, ld int, idx []int32, a []T, lda int) {
	if n == 0 {
		return
	}
	checkGather(n, len(g), ld, idx, len(a), lda)
	switch g := any(g).(type) {
	case []float32:
		sgather(n, g, ld, idx, any(a).([]float32), lda)
	case []float64:
		for r := range n {
			row := g[int(idx[r])*ld:]
			dst := any(a).([]float64)[r*lda : r*lda+n]
			for c := r; c < n; c++ {
				dst[c] = row[idx[c]]
			}
		}
	}
}

// GatherUpperMixed is GatherUpper for float64 that also writes the float32
// copy a32 of the gathered upper triangle (leading dimension lda) and
// returns ‖G[S,S]‖∞, the inputs of SolveRefined, in one pass over g.
// rowsum (length ≥ n) is scratch.
func GatherUpperMixed(n int, g []float64, ld int, idx []int32, a []float64, a32 []float32, lda int, rowsum []float64) float64 {
	if n == 0 {
		return 0
	}
	checkGather(n, len(g), ld, idx, len(a), lda)
	if len(a32) < (n-1)*lda+n || len(rowsum) < n {
		panic("linalg: GatherUpperMixed: short a32 or rowsum")
	}
	return dgather(n, g, ld, idx, a, lda, a32, rowsum)
}

// checkGather panics on indices outside g or outputs too short: the C
// kernels do no bounds checks.
func checkGather(n, lg, ld int, idx []int32, la, lda int) {
	if len(idx) < n || la < (n-1)*lda+n {
		panic("linalg: gather: short idx or destination")
	}
	for r := range n {
		if i := int(idx[r]); i < 0 || (r > 0 && idx[r] <= idx[r-1]) || i*ld+int(idx[n-1]) >= lg {
			panic("linalg: gather: indices not ascending or outside g")
		}
	}
}

// normInfUpper returns ‖A‖∞ of the symmetric matrix whose upper triangle a
// holds, using rowsum (length ≥ n) as scratch.
func normInfUpper(n int, a []float64, lda int, rowsum []float64) float64 {
	rowsum = rowsum[:n]
	clear(rowsum)
	for i := range n {
		ai := a[i*lda+i : i*lda+n]
		rowsum[i] += math.Abs(ai[0])
		for j, v := range ai[1:] {
			av := math.Abs(v)
			rowsum[i] += av
			rowsum[i+1+j] += av
		}
	}
	var nrm float64
	for _, v := range rowsum {
		nrm = max(nrm, v)
	}
	return nrm
}
