package nprand

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

func TestSeed0First10(t *testing.T) {
	// mt19937_legacy_seed0_first10_uint32 of
	// shared/conformance/bhscore/np_random_seed0_choice1000.json (numpy 1.24.2).
	want := []uint32{2357136044, 2546248239, 3071714933, 3626093760, 2588848963, 3684848379, 2340255427, 3638918503, 1819583497, 2678185683}
	r := New(0)
	for i, w := range want {
		if got := r.Uint32(); got != w {
			t.Fatalf("output %d: got %d want %d", i, got, w)
		}
	}
}

// The vectors below were printed by numpy 1.24.2 (legacy RandomState).
func TestNumpyVectors(t *testing.T) {
	// bg = np.random.MT19937(); bg._legacy_seeding(12345); bg.random_raw(3)
	r := New(12345)
	for i, w := range []uint32{3992670690, 3823185381, 1358822685} {
		if got := r.Uint32(); got != w {
			t.Errorf("seed 12345 output %d: got %d want %d", i, got, w)
		}
	}
	// np.random.seed([1, 2, 3]) (init_by_array); random_raw(5)
	r.SeedArray([]uint32{1, 2, 3})
	for i, w := range []uint32{2619334238, 1552691353, 3808334787, 2540200029, 2045850693} {
		if got := r.Uint32(); got != w {
			t.Errorf("seed [1 2 3] output %d: got %d want %d", i, got, w)
		}
	}
	// RandomState(5).random_sample(3)
	r.Seed(5)
	for i, w := range []float64{0.22199317108973948, 0.8707323061773764, 0.20671915533942642} {
		if got := r.RandomSample(); got != w {
			t.Errorf("random_sample %d: got %v want %v", i, got, w)
		}
	}
	// RandomState(5): randint(0,10,10), randint(-3,1000000,5), randint(0,2**40,3)
	r.Seed(5)
	var got []int64
	for range 10 {
		got = append(got, r.Randint(0, 10))
	}
	for range 5 {
		got = append(got, r.Randint(-3, 1000000))
	}
	for range 3 {
		got = append(got, r.Randint(0, 1<<40))
	}
	want := []int64{3, 6, 6, 0, 9, 8, 4, 7, 0, 0, 728580, 422089, 950156, 756846, 751026, 995309022288, 117859525676, 881148231371}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("randint: got %v want %v", got, want)
	}
	// RandomState(7): permutation(10); a = arange(12); shuffle(a)
	r.Seed(7)
	if p := r.Permutation(10); !reflect.DeepEqual(p, []int{8, 5, 0, 2, 1, 9, 7, 3, 6, 4}) {
		t.Errorf("permutation: got %v", p)
	}
	a := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	r.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
	if !reflect.DeepEqual(a, []int{1, 3, 2, 5, 9, 0, 4, 6, 7, 8, 11, 10}) {
		t.Errorf("shuffle: got %v", a)
	}
	// RandomState(7): choice(20, 5), choice(20, 5, replace=False)
	r.Seed(7)
	if c := r.Choice(20, 5, true); !reflect.DeepEqual(c, []int{15, 4, 3, 19, 7}) {
		t.Errorf("choice with replacement: got %v", c)
	}
	if c := r.Choice(20, 5, false); !reflect.DeepEqual(c, []int{12, 5, 1, 17, 11}) {
		t.Errorf("choice without replacement: got %v", c)
	}
}

func TestChoice1000(t *testing.T) {
	// np.random.seed(0); np.random.choice(np.arange(N), 1000, replace=False),
	// numpy 1.24.2 (shared/conformance/bhscore).
	b, err := os.ReadFile("../../hierarchy/testdata/np_random_seed0_choice1000.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		IdxByN map[string][]int `json:"idx_by_n"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1500, 3100} {
		want := f.IdxByN[itoa(n)]
		if len(want) != 1000 {
			t.Fatalf("N=%d: reference has %d indices", n, len(want))
		}
		got := New(0).Choice(n, 1000, false)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("N=%d: indices differ", n)
		}
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func BenchmarkChoice(b *testing.B) {
	b.ReportAllocs()
	r := New(0)
	for b.Loop() {
		r.Seed(0)
		r.Choice(50000, 1000, false)
	}
}
