package hierarchy

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// machEp is Cephes' MACHEP (2^-53).
const machEp = 1.11022302462515654042e-16

// studentTCDF returns P(T <= t) for Student's t distribution with k > 0
// integer degrees of freedom. It follows the finite series of Cephes'
// stdtr for integer k, the algorithm behind scipy.stats.t.cdf for the
// reference's df = 48 up to the last bits (see the package tests).
func studentTCDF(t float64, k int) float64 {
	if math.IsNaN(t) {
		return math.NaN()
	}
	if t == 0 {
		return 0.5
	}
	rk := float64(k)
	if t < -2 {
		z := rk / (rk + t*t)
		return 0.5 * mathext.RegIncBeta(0.5*rk, 0.5, z)
	}
	if math.IsInf(t, 1) {
		return 1
	}
	x := math.Abs(t)
	z := 1 + x*x/rk
	var p float64
	if k&1 != 0 {
		xsqk := x / math.Sqrt(rk)
		p = math.Atan(xsqk)
		if k > 1 {
			f, tz := 1.0, 1.0
			for j := 3; j <= k-2 && tz/f > machEp; j += 2 {
				tz *= float64(j-1) / (z * float64(j))
				f += tz
			}
			p += f * xsqk / z
		}
		p *= 2 / math.Pi
	} else {
		f, tz := 1.0, 1.0
		for j := 2; j <= k-2 && tz/f > machEp; j += 2 {
			tz *= float64(j-1) / (z * float64(j))
			f += tz
		}
		p = f * x / math.Sqrt(z*rk)
	}
	if t < 0 {
		p = -p
	}
	return 0.5 + 0.5*p
}
