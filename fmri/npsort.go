package fmri

import "math/bits"

// argsort returns the indices that sort v ascending, with NaN last,
// reproducing NumPy 1.24's default np.argsort (kind='quicksort': the
// generic introsort of npysort/quicksort.cpp, median-of-three partitioning,
// insertion sort below 17 elements, heapsort past the depth limit). The
// order of equal keys is therefore NumPy's, which bdpy's 'top' and '@'
// selections depend on.
func argsort(v []float64) []int {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	npAquicksort(v, idx)
	return idx
}

// npLess is NumPy's floating-point ordering: NaN sorts after everything.
func npLess(a, b float64) bool { return a < b || (b != b && a == a) }

// npSmallQuicksort is NumPy's SMALL_QUICKSORT: spans of at most 16
// elements (pr-pl <= 15) are insertion-sorted.
const npSmallQuicksort = 15

func npAquicksort(v []float64, tosort []int) {
	num := len(tosort)
	if num == 0 {
		return
	}
	type span struct{ pl, pr, depth int }
	var stack []span
	pl, pr := 0, num-1
	cdepth := 2 * (bits.Len(uint(num)) - 1)
	swap := func(i, j int) { tosort[i], tosort[j] = tosort[j], tosort[i] }
	for {
		if cdepth < 0 {
			npAheapsort(v, tosort[pl:pr+1])
		} else {
			for pr-pl > npSmallQuicksort {
				pm := pl + (pr-pl)>>1
				if npLess(v[tosort[pm]], v[tosort[pl]]) {
					swap(pm, pl)
				}
				if npLess(v[tosort[pr]], v[tosort[pm]]) {
					swap(pr, pm)
				}
				if npLess(v[tosort[pm]], v[tosort[pl]]) {
					swap(pm, pl)
				}
				vp := v[tosort[pm]]
				pi, pj := pl, pr-1
				swap(pm, pj)
				for {
					for {
						pi++
						if !npLess(v[tosort[pi]], vp) {
							break
						}
					}
					for {
						pj--
						if !npLess(vp, v[tosort[pj]]) {
							break
						}
					}
					if pi >= pj {
						break
					}
					swap(pi, pj)
				}
				swap(pi, pr-1)
				// Push the larger partition, continue with the smaller.
				if pi-pl < pr-pi {
					stack = append(stack, span{pi + 1, pr, 0})
					pr = pi - 1
				} else {
					stack = append(stack, span{pl, pi - 1, 0})
					pl = pi + 1
				}
				cdepth--
				stack[len(stack)-1].depth = cdepth
			}
			// Insertion sort.
			for pi := pl + 1; pi <= pr; pi++ {
				vi := tosort[pi]
				vp := v[vi]
				pj := pi
				for pj > pl && npLess(vp, v[tosort[pj-1]]) {
					tosort[pj] = tosort[pj-1]
					pj--
				}
				tosort[pj] = vi
			}
		}
		if len(stack) == 0 {
			return
		}
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		pl, pr, cdepth = s.pl, s.pr, s.depth
	}
}

// npAheapsort is NumPy's aheapsort on the index slice a.
func npAheapsort(v []float64, tosort []int) {
	n := len(tosort)
	for l := n >> 1; l > 0; l-- {
		npSiftDown(v, tosort, l, n)
	}
	for n > 1 {
		tosort[n-1], tosort[0] = tosort[0], tosort[n-1]
		n--
		npSiftDown(v, tosort, 1, n)
	}
}

// npSiftDown moves the element at 1-based position i of the heap
// tosort[:n] down to its place, as NumPy's aheapsort loop does.
func npSiftDown(v []float64, tosort []int, i, n int) {
	a := func(i int) *int { return &tosort[i-1] } // 1-based
	tmp := *a(i)
	j := i << 1
	for j <= n {
		if j < n && npLess(v[*a(j)], v[*a(j + 1)]) {
			j++
		}
		if !npLess(v[tmp], v[*a(j)]) {
			break
		}
		*a(i) = *a(j)
		i = j
		j += j
	}
	*a(i) = tmp
}
