// Package fastl2lir is a Go port of PyFastL2LiR 0.11 (KamitaniLab), the
// ridge regression with per-target input selection used by the brain
// hierarchy score's decoding and encoding analyses.
//
// Given inputs X (n×p), targets Y (n×q), a penalty α and n_feat = k, the
// model is Y ≈ X·W + b with the intercept column of ones appended to X and
// penalised like the weights (X̃ = [X, 1]):
//
//	no selection (k = 0 or k >= p):
//	    primal  W̃ = (X̃ᵀX̃ + αI)⁻¹ X̃ᵀY      when n > p+1
//	    dual    W̃ = X̃ᵀ(X̃X̃ᵀ + αI)⁻¹ Y      otherwise
//	selection (k < p), for every target t:
//	    S = the k inputs with largest |Pearson r(X[:,i], Y[:,t])|
//	        (inputs with np.var < 1e-8 get r = 0; NaN ranks first)
//	    solve (X̃ᵀX̃ + αI)[S∪bias, S∪bias] w = (YᵀX̃)[t, S∪bias]
//	    W[S,t], b[t] = w; all other W[:,t] are exactly 0
//
// Beyond the reference: the per-target solves run on all cores (Workers;
// results are bitwise identical for any worker count), the sub-systems are
// gathered in ascending index order from the upper triangle of the Gram
// matrix and solved by Cholesky (an AVX-512 kernel where the CPU has it;
// with OpenBLAS: float32 factorisation refined to float64 accuracy as
// LAPACK's dsposv does, falling back to a float64 Cholesky), top-k uses a streaming selection, and the correlations and
// right-hand sides come from one pass of a GEMM over blocks of input
// columns, so the p×q correlation matrix is never stored. When the (p+1)²
// Gram matrix would be large (e.g. encoding from a whole DNN layer, p =
// 10⁵), each target's (k+1)² system is built from its selected columns
// instead. FitImages takes each distinct input row (image) once plus the
// trial-to-image index and uses image-level sufficient statistics.
//
// # Differences from the reference
//
// Results agree to about 1e-15 relative in float64 and 1e-6 in float32 on
// the conformance cases (tolerances 1e-9 and 1e-4). Implementation-defined
// choices: exact ties in |r| are broken in favour of the larger input index
// (what a stable argsort reversed gives; numpy's argsort is unstable), and
// among several NaN correlations likewise; the column statistics are
// accumulated in float64 even for float32 fits; a system Cholesky rejects
// (α <= 0) is solved by LU in float64, and a singular one is an error
// where numpy raises LinAlgError. The reference's n_feat > p warning is not
// printed (libraries do not print). ChunkSize is accepted for parity; it
// never changes results. The reference's save_select_feat, spatial_norm and
// select_sample paths (broken on NumPy >= 1.24) are not ported.
//
// # N-d targets
//
// The reference flattens N-d targets in Fortran order and reshapes W and b
// back. Here Y's columns hold each sample flattened in C order and
// Options.TargetShape records the shape; W's columns and B come back in the
// same C order, equal element by element to the reference's N-d W and b.
//
// # Inputs too large for memory: FitStream
//
// FitStream fits several problems (e.g. all subjects and ROIs of one DNN
// layer) to inputs read block by block from a ColumnSource: one pass
// correlates every input column with the targets of all problems, keeping
// each target's running best NFeat candidates (the same rules and
// arithmetic as Fit); a second pass reads only the selected columns, as
// many at a time as the memory plan allows, and solves each target's
// system with the same per-target solver. PlanStream sizes the blocks to a
// budget before any work and fails with the numbers when it cannot fit.
// The result, a Sparse model (selected inputs and weights per target;
// Dense expands it), is bitwise identical to Fit whenever Fit builds each
// target's system from its columns, which it does for every input too
// large for memory. Sparse.PredictColumns predicts from streamed inputs.
//
// # Backend
//
// Dense kernels come from internal/linalg: OpenBLAS through cgo by default,
// gonum's pure Go with -tags purego or CGO_ENABLED=0 (same results to
// rounding, slower).
package fastl2lir
