// AVX-512 kernels of the row-major upper Cholesky factorisation A = UᵀU
// and its solve, included by chol.c once per precision with T, VT, V,
// MASK, the v* vector macros and NAME defined.
//
// Right-looking, blocked by panels of CHOL_NB rows: each panel's rows are
// computed left-looking from the panel's earlier rows (diagonal and
// triangular solve in one pass, vectorised along the contiguous rows),
// then the trailing upper triangle is updated by A22 -= U12ᵀ U12 with an
// 8-row × 2-vector register-blocked kernel.

// tail returns the mask of the first r lanes (none for r <= 0).
TGT static inline MASK NAME(tail)(int r) {
	if (r <= 0) {
		return 0;
	}
	return r >= V ? (MASK)~(MASK)0 : (MASK)(((unsigned)1 << r) - 1);
}

// panel computes rows j..j+jb-1 of U (columns k..n-1 of row k) from the
// rows of the same panel above it. Returns LAPACK's info (0 or k+1).
TGT static int NAME(panel)(int n, int j, int jb, T *a, int lda) {
	for (int k = j; k < j + jb; k++) {
		T *rk = a + (size_t)k * lda;
		T d = rk[k];
		for (int l = j; l < k; l++) {
			T u = a[(size_t)l * lda + k];
			d -= u * u;
		}
		if (!(d > 0)) {
			return k + 1;
		}
		d = SQRT(d);
		rk[k] = d;
		VT inv = vset1(1 / d);
		int c = k + 1;
		for (; c + 4 * V <= n; c += 4 * V) {
			VT x0 = vloadu(rk + c), x1 = vloadu(rk + c + V);
			VT x2 = vloadu(rk + c + 2 * V), x3 = vloadu(rk + c + 3 * V);
			for (int l = j; l < k; l++) {
				const T *rl = a + (size_t)l * lda;
				VT b = vset1(rl[k]);
				x0 = vfnmadd(b, vloadu(rl + c), x0);
				x1 = vfnmadd(b, vloadu(rl + c + V), x1);
				x2 = vfnmadd(b, vloadu(rl + c + 2 * V), x2);
				x3 = vfnmadd(b, vloadu(rl + c + 3 * V), x3);
			}
			vstoreu(rk + c, vmul(x0, inv));
			vstoreu(rk + c + V, vmul(x1, inv));
			vstoreu(rk + c + 2 * V, vmul(x2, inv));
			vstoreu(rk + c + 3 * V, vmul(x3, inv));
		}
		for (; c < n; c += V) {
			MASK m = NAME(tail)(n - c);
			VT x = vmloadu(m, rk + c);
			for (int l = j; l < k; l++) {
				const T *rl = a + (size_t)l * lda;
				x = vfnmadd(vset1(rl[k]), vmloadu(m, rl + c), x);
			}
			vmstoreu(rk + c, m, vmul(x, inv));
		}
	}
	return 0;
}

// update subtracts the contribution of panel rows p[0..jb) (p = row j of
// a) from rows i0..i0+mr-1, columns c0..c0+2V-1 (masked to n and to the
// upper triangle) of the trailing matrix.
__attribute__((always_inline)) TGT static inline void NAME(update)(int mr, int n, int jb, const T *p, int lda, int i0, int c0, T *a) {
	VT acc[8][2];
	MASK m0 = NAME(tail)(n - c0), m1 = NAME(tail)(n - c0 - V);
#pragma GCC unroll 8
	for (int ii = 0; ii < mr; ii++) {
		acc[ii][0] = vzero();
		acc[ii][1] = vzero();
	}
	for (int l = 0; l < jb; l++) {
		const T *pl = p + (size_t)l * lda;
		VT y0 = vmloadu(m0, pl + c0), y1 = vmloadu(m1, pl + c0 + V);
#pragma GCC unroll 8
		for (int ii = 0; ii < mr; ii++) {
			VT b = vset1(pl[i0 + ii]);
			acc[ii][0] = vfmadd(b, y0, acc[ii][0]);
			acc[ii][1] = vfmadd(b, y1, acc[ii][1]);
		}
	}
#pragma GCC unroll 8
	for (int ii = 0; ii < mr; ii++) {
		T *ci = a + (size_t)(i0 + ii) * lda + c0;
		MASK d0 = m0, d1 = m1;
		int d = i0 + ii - c0; // lanes below the diagonal
		if (d > 0) {
			if (d >= V) {
				d0 = 0;
				d1 &= (MASK)(0xFFFFu << (d - V));
			} else {
				d0 &= (MASK)(0xFFFFu << d);
			}
		}
		vmstoreu(ci, d0, vsub(vmloadu(d0, ci), acc[ii][0]));
		vmstoreu(ci + V, d1, vsub(vmloadu(d1, ci + V), acc[ii][1]));
	}
}

TGT static void NAME(update8)(int n, int jb, const T *p, int lda, int i0, int c0, T *a) {
	NAME(update)(8, n, jb, p, lda, i0, c0, a);
}

TGT static void NAME(update1)(int n, int jb, const T *p, int lda, int i0, int c0, T *a) {
	NAME(update)(1, n, jb, p, lda, i0, c0, a);
}

TGT static int NAME(potrf)(int n, T *a, int lda) {
	for (int j = 0; j < n; j += CHOL_NB) {
		int jb = n - j < CHOL_NB ? n - j : CHOL_NB;
		int info = NAME(panel)(n, j, jb, a, lda);
		if (info != 0) {
			return info;
		}
		const T *p = a + (size_t)j * lda;
		int r0 = j + jb;
		// Column strips outermost: the strip of the panel (jb × 2V) stays
		// in L1 while the row blocks that reach it are updated.
		for (int c0 = r0; c0 < n; c0 += 2 * V) {
			int last = c0 + 2 * V < n ? c0 + 2 * V : n; // rows < last reach the strip
			int i0 = r0;
			for (; i0 + 8 <= last; i0 += 8) {
				NAME(update8)(n, jb, p, lda, i0, c0, a);
			}
			for (; i0 < last; i0++) {
				NAME(update1)(n, jb, p, lda, i0, c0, a);
			}
		}
	}
	return 0;
}

// potrs solves UᵀU x = b in place.
TGT static void NAME(potrs)(int n, const T *a, int lda, T *b) {
	for (int k = 0; k < n; k++) {
		const T *rk = a + (size_t)k * lda;
		T bk = b[k] / rk[k];
		b[k] = bk;
		VT v = vset1(bk);
		for (int c = k + 1; c < n; c += V) {
			MASK m = NAME(tail)(n - c);
			vmstoreu(b + c, m, vfnmadd(v, vmloadu(m, rk + c), vmloadu(m, b + c)));
		}
	}
	for (int k = n - 1; k >= 0; k--) {
		const T *rk = a + (size_t)k * lda;
		VT acc = vzero();
		for (int c = k + 1; c < n; c += V) {
			MASK m = NAME(tail)(n - c);
			acc = vfmadd(vmloadu(m, rk + c), vmloadu(m, b + c), acc);
		}
		b[k] = (b[k] - vreduce(acc)) / rk[k];
	}
}
