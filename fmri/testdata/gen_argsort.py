# Generates argsort.json: NumPy's default (unstable introsort) np.argsort on
# arrays with many ties, used by TestArgsortNumPy. Run with NumPy 1.24
# (Debian 12: /usr/bin/python3). Not run by the tests.
import json
import numpy as np

rng = np.random.default_rng(7001)
cases = []
for n in [0, 1, 2, 5, 16, 17, 18, 33, 39, 41, 100, 257, 1000]:
    for kind in ['bool', 'small', 'float', 'ranks_inf', 'nan']:
        if kind == 'bool':
            v = rng.random(n) < rng.random()
            a = np.argsort(v)
            vals = v.astype(float)
        elif kind == 'small':
            vals = rng.integers(0, 3, n).astype(float)
            a = np.argsort(vals)
        elif kind == 'float':
            vals = rng.normal(size=n)
            a = np.argsort(vals)
        elif kind == 'ranks_inf':
            vals = rng.permutation(n).astype(float)
            vals[rng.random(n) < 0.6] = np.inf
            a = np.argsort(vals)
        else:
            vals = rng.integers(0, 4, n).astype(float)
            vals[rng.random(n) < 0.3] = np.nan
            a = np.argsort(vals)
        cases.append({'kind': kind, 'values': [None if np.isnan(x) else ('inf' if np.isinf(x) else float(x)) for x in vals],
                      'argsort': a.tolist()})
json.dump({'numpy': np.__version__, 'cases': cases}, open('argsort.json', 'w'))
