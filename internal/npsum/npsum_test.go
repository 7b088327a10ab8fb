package npsum

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/brainhierarchy/bhscore/internal/nprand"
)

// numpyCase is one case of testdata/npsum_numpy.json (gen_npsum.py,
// numpy 1.24.2): every value is an exact IEEE bit pattern.
type numpyCase struct {
	Seed         uint32
	Rows, Cols   int
	Shift, Scale float64
	Dtype        string
	Sum1d        string
	Mean1d       string
	FMean        []string
	FStd         []string
	CSum         []string
}

func loadCases(t *testing.T) []numpyCase {
	raw, err := os.ReadFile("testdata/npsum_numpy.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Cases []numpyCase }
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f.Cases
}

// data rebuilds a case's array: (u - shift) * scale in float64 from
// numpy's random_sample stream, cast to T, row-major.
func data[T Float](c numpyCase) []T {
	r := nprand.New(c.Seed)
	x := make([]T, c.Rows*c.Cols)
	for i := range x {
		x[i] = T((r.RandomSample() - c.Shift) * c.Scale)
	}
	return x
}

func parseBits[T Float](t *testing.T, h string) T {
	v, err := strconv.ParseUint(h, 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	var zero T
	if _, ok := any(zero).(float32); ok {
		return T(math.Float32frombits(uint32(v)))
	}
	return T(math.Float64frombits(v))
}

// same reports bit equality, or both NaN.
func same[T Float](a, b T) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return a == b && math.Signbit(float64(a)) == math.Signbit(float64(b))
}

func checkCase[T Float](t *testing.T, c numpyCase) {
	x := data[T](c)
	check := func(what string, got T, want string) {
		t.Helper()
		if w := parseBits[T](t, want); !same(got, w) {
			t.Errorf("%s rows=%d seed=%d %s: got %v, numpy %v", c.Dtype, c.Rows, c.Seed, what, got, w)
		}
	}
	check("sum", Sum(x), c.Sum1d)
	check("mean", Mean(x), c.Mean1d)
	csum := make([]T, c.Cols)
	Sequential(csum, x, c.Rows, c.Cols)
	for j := range c.Cols {
		m, s := MeanStd(x[j:], c.Rows, c.Cols, 1, nil)
		check("F mean axis 0", m, c.FMean[j])
		check("F std axis 0", s, c.FStd[j])
		check("C sum axis 0", csum[j], c.CSum[j])
	}
}

// TestNumpy checks every case of gen_npsum.py bit for bit (no tolerance:
// numpy's order of operations is deterministic).
func TestNumpy(t *testing.T) {
	cases := loadCases(t)
	if len(cases) < 200 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		switch c.Dtype {
		case "float32":
			checkCase[float32](t, c)
		case "float64":
			checkCase[float64](t, c)
		default:
			t.Fatalf("dtype %q", c.Dtype)
		}
	}
}

// TestPairwiseDiffersFromSequential makes sure the fixture discriminates:
// for float32 columns of thousands of values the orders give different
// sums, so passing TestNumpy means the order was reproduced.
func TestPairwiseDiffersFromSequential(t *testing.T) {
	differ := 0
	for _, c := range loadCases(t) {
		if c.Dtype != "float32" || c.Rows < 1000 {
			continue
		}
		x := data[float32](c)
		var seq float32
		for _, v := range x {
			seq += v
		}
		if seq != Sum(x) {
			differ++
		}
	}
	if differ == 0 {
		t.Error("pairwise and sequential sums never differ on the fixture")
	}
}

func TestPairwiseSmall(t *testing.T) {
	// Below 8 values pairwise_sum adds in turn from zero; -0 + 0 is +0.
	if s := Pairwise([]float64{-0.0}); math.Signbit(s) {
		t.Errorf("Pairwise(-0) = %v, numpy returns +0", s)
	}
	if s := Sum([]float32{}); s != 0 {
		t.Errorf("Sum of nothing = %v", s)
	}
}
