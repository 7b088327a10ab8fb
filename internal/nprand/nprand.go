package nprand

const (
	stateLen   = 624
	mtM        = 397
	matrixA    = 0x9908b0df
	upperMask  = 0x80000000
	lowerMask  = 0x7fffffff
	legacySeed = 19650218
)

// RandomState is numpy's legacy RandomState restricted to the MT19937
// stream and the integer/uniform draws built on it.
type RandomState struct {
	mt  [stateLen]uint32
	pos int
}

// New returns a RandomState seeded as np.random.seed(seed) seeds the global
// generator.
func New(seed uint32) *RandomState {
	r := &RandomState{}
	r.Seed(seed)
	return r
}

// Seed reseeds r as np.random.seed(seed) does for an integer seed
// (init_genrand).
func (r *RandomState) Seed(seed uint32) {
	r.mt[0] = seed
	for i := 1; i < stateLen; i++ {
		prev := r.mt[i-1]
		r.mt[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	r.pos = stateLen
}

// SeedArray reseeds r as np.random.seed(key) does for a sequence of
// integers (init_by_array). An empty key panics (numpy raises too).
func (r *RandomState) SeedArray(key []uint32) {
	if len(key) == 0 {
		panic("nprand: empty seed array")
	}
	r.Seed(legacySeed)
	mt := &r.mt
	i, j := 1, 0
	k := max(stateLen, len(key))
	for ; k > 0; k-- {
		mt[i] = (mt[i] ^ ((mt[i-1] ^ (mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= stateLen {
			mt[0] = mt[stateLen-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = stateLen - 1; k > 0; k-- {
		mt[i] = (mt[i] ^ ((mt[i-1] ^ (mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= stateLen {
			mt[0] = mt[stateLen-1]
			i = 1
		}
	}
	mt[0] = 0x80000000
	r.pos = stateLen
}

func (r *RandomState) twist() {
	mt := &r.mt
	var i int
	for ; i < stateLen-mtM; i++ {
		y := (mt[i] & upperMask) | (mt[i+1] & lowerMask)
		mt[i] = mt[i+mtM] ^ (y >> 1) ^ (-(y & 1) & matrixA)
	}
	for ; i < stateLen-1; i++ {
		y := (mt[i] & upperMask) | (mt[i+1] & lowerMask)
		mt[i] = mt[i+(mtM-stateLen)] ^ (y >> 1) ^ (-(y & 1) & matrixA)
	}
	y := (mt[stateLen-1] & upperMask) | (mt[0] & lowerMask)
	mt[stateLen-1] = mt[mtM-1] ^ (y >> 1) ^ (-(y & 1) & matrixA)
	r.pos = 0
}

// Uint32 returns the next raw 32-bit output of MT19937
// (numpy's random_raw for the legacy-seeded bit generator).
func (r *RandomState) Uint32() uint32 {
	if r.pos >= stateLen {
		r.twist()
	}
	y := r.mt[r.pos]
	r.pos++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// Uint64 returns two raw outputs combined as numpy's mt19937 next_uint64
// does: the first output forms the high 32 bits.
// It makes r satisfy math/rand/v2's Source interface.
func (r *RandomState) Uint64() uint64 {
	hi := uint64(r.Uint32())
	return hi<<32 | uint64(r.Uint32())
}

// RandomSample returns a float64 in [0, 1) as np.random.random_sample does
// (53 bits from two 32-bit outputs).
func (r *RandomState) RandomSample() float64 {
	a := r.Uint32() >> 5
	b := r.Uint32() >> 6
	return (float64(a)*67108864.0 + float64(b)) / 9007199254740992.0
}

// Interval returns a uniform integer in [0, max] by masked rejection
// sampling, as numpy's random_interval (used by shuffle) does.
// Interval(0) consumes nothing.
func (r *RandomState) Interval(max uint64) uint64 {
	if max == 0 {
		return 0
	}
	mask := max
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	mask |= mask >> 32
	if max <= 0xffffffff {
		for {
			v := uint64(r.Uint32()) & mask
			if v <= max {
				return v
			}
		}
	}
	for {
		v := r.Uint64() & mask
		if v <= max {
			return v
		}
	}
}

// bounded returns a uniform integer in [0, rng] as numpy's legacy bounded
// integer generator (random_bounded_uint64 with use_masked) does.
func (r *RandomState) bounded(rng uint64) uint64 {
	switch {
	case rng == 0:
		return 0
	case rng == 0xffffffff:
		return uint64(r.Uint32())
	case rng == ^uint64(0):
		return r.Uint64()
	}
	return r.Interval(rng)
}

// Randint returns an integer in [low, high) as the legacy
// np.random.randint(low, high) does with the default int64 dtype.
// It panics if low >= high (numpy raises ValueError).
func (r *RandomState) Randint(low, high int64) int64 {
	if low >= high {
		panic("nprand: Randint: low >= high")
	}
	rng := uint64(high) - uint64(low) - 1
	return low + int64(r.bounded(rng))
}

// Shuffle shuffles n elements in place through swap, as the legacy
// np.random.shuffle does for a 1-d array: for i from n-1 down to 1, swap
// i with a uniform j in [0, i].
func (r *RandomState) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		j := int(r.Interval(uint64(i)))
		swap(i, j)
	}
}

// Permutation returns a permutation of 0..n-1 as np.random.permutation(n)
// does.
func (r *RandomState) Permutation(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// Choice returns size indices into a population of n, as the legacy
// np.random.choice(n, size, replace) does with p=None: with replacement
// randint(0, n, size), without replacement permutation(n)[:size]. Applied
// to an array a, np.random.choice(a, ...) returns a[Choice(len(a), ...)].
// It panics on arguments numpy rejects (size < 0, n < 0, n == 0 with
// size > 0, size > n without replacement).
func (r *RandomState) Choice(n, size int, replace bool) []int {
	if n < 0 || size < 0 {
		panic("nprand: Choice: negative size")
	}
	if n == 0 && size > 0 {
		panic("nprand: Choice: empty population")
	}
	if replace {
		out := make([]int, size)
		for i := range out {
			out[i] = int(r.Randint(0, int64(n)))
		}
		return out
	}
	if size > n {
		panic("nprand: Choice: size > population without replacement")
	}
	return r.Permutation(n)[:size:size]
}
