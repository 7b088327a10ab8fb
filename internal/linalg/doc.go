// Package linalg is the small dense linear-algebra kernel set used by
// fastl2lir: row-major GEMM, SYRK, TRSM-based triangular solves, Cholesky
// factorisations (PotrfLower; CholUpper for the per-target systems),
// gathers of symmetric sub-matrices and a mixed-precision refined solve,
// for float32 and float64.
//
// Two backends exist, chosen at build time:
//
//   - openblas (default when cgo is enabled): Debian's libopenblas through
//     cgo (-lopenblas; package libopenblas-dev). OpenBLAS is put in
//     single-threaded mode at start-up (openblas_set_num_threads(1)),
//     because callers parallelise over independent sub-problems themselves.
//     When OPENBLAS_CORETYPE is unset and a DYNAMIC_ARCH OpenBLAS has fallen
//     back to its generic "Prescott" kernels on a CPU it does not know
//     (OpenBLAS 0.3.21 on Sapphire Rapids), the kernels are re-selected
//     (SkylakeX with AVX-512, Haswell with AVX2+FMA), which is 4-5x faster.
//     CholUpper, CholSolveUpper and the gathers have their own AVX-512
//     kernels (chol.c), chosen at run time when the CPU has AVX-512F
//     (CholKernel names the choice); without it they use OpenBLAS.
//   - gonum (build tag purego, or CGO_ENABLED=0): gonum's pure-Go BLAS and
//     LAPACK, plus a pure-Go float32 Cholesky. Same results to rounding,
//     several times slower.
//
// All matrices are row-major with an explicit leading dimension. Symmetric
// matrices are held in their lower triangle, except for CholUpper, its
// solve, the gathers and SolveRefined, which use the upper one (so that a
// gather reads each row of G once, from its diagonal on). Every function is safe for
// concurrent use on disjoint data.
package linalg
