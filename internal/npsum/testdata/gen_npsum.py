"""Generate npsum_numpy.json: sums, means and standard deviations computed
by numpy (1.24.2) on arrays Go can rebuild bit for bit.

Each case draws u = RandomState(seed).random_sample(rows*cols) (numpy's
legacy MT19937, reproduced by internal/nprand), forms x = (u - shift) * scale
in float64, casts it to dtype and reshapes it row-major to rows x cols. The
expected values are the raw IEEE bits (hex) of

  sum1d   np.sum(x.ravel())                 contiguous 1-d (blocks of 8192)
  mean1d  np.mean(x.ravel())
  fmean   np.mean(F, axis=0)                F = np.asfortranarray(x)
  fstd    np.std(F, axis=0, ddof=1)
  csum    np.sum(C, axis=0)                 C = np.ascontiguousarray(x)

Run: python3 gen_npsum.py > npsum_numpy.json
"""
import json

import numpy as np

sizes = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 100, 127, 128, 129, 130, 136, 255,
         256, 257, 1000, 1023, 1200, 4097, 6000, 8191, 8192, 8193, 12000,
         16384, 16385, 20000, 40000]
params = [(0.0, 1.0), (0.3, 1000.0), (-5.0, 0.01), (0.5, 3.0e7)]


def bits(a, dtype):
    it = np.dtype(np.uint32 if dtype == np.float32 else np.uint64)
    return ['%x' % v for v in np.atleast_1d(np.asarray(a, dtype=dtype)).view(it)]


cases = []
seed = 0
for dtype in (np.float32, np.float64):
    for rows in sizes:
        for shift, scale in params:
            cols = 3 if rows <= 20000 else 1
            u = np.random.RandomState(seed).random_sample(rows * cols)
            x = ((u - shift) * scale).astype(dtype).reshape((rows, cols))
            F = np.asfortranarray(x)
            C = np.ascontiguousarray(x)
            cases.append({
                'seed': seed, 'rows': rows, 'cols': cols, 'shift': shift, 'scale': scale,
                'dtype': np.dtype(dtype).name,
                'sum1d': bits(np.sum(x.ravel()), dtype)[0],
                'mean1d': bits(np.mean(x.ravel()), dtype)[0],
                'fmean': bits(np.mean(F, axis=0), dtype),
                'fstd': bits(np.std(F, axis=0, ddof=1), dtype),
                'csum': bits(np.sum(C, axis=0), dtype),
            })
            seed += 1
print(json.dumps({'numpy': np.__version__, 'cases': cases}, indent=0))
