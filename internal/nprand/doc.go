// Package nprand is a bit-exact port of the parts of numpy's legacy
// RandomState (numpy.random.seed, numpy.random.choice, ...) that the brain
// hierarchy score analysis depends on.
//
// The generator is MT19937 as numpy 1.17+ implements it for RandomState
// (identical output to numpy 1.24.2): integer seeds use init_genrand
// (numpy's _legacy_seeding for an int), array seeds use init_by_array.
// Bounded integers use masked rejection sampling on 32-bit outputs (64-bit
// outputs for ranges above 2^32 - 1), permutation and shuffle are
// Fisher–Yates from the last element, and choice without replacement and
// without probabilities is permutation(n)[:size], exactly as the legacy
// RandomState does. So
//
//	np.random.seed(0); np.random.choice(N, 1000, replace=False)
//
// is New(0).Choice(N, 1000, false).
//
// A RandomState is not safe for concurrent use.
package nprand
