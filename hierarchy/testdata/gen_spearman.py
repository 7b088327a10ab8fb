"""Generate spearman_scipy.json: Spearman's rho as the reference computes
it, scipy.stats.spearmanr(layer_numbers, best_roi) (scipy 1.10.1, numpy
1.24.2: ranks, then np.corrcoef), on random contingency tables, plus
spearmanr(x, y) on random float vectors with ties.

Tables: counts[i][r] units of entry i (1-based layer position i+1) with
best row r; the reference's flattened lists repeat i+1 and r that many
times, entries in order. Values are written with repr (shortest round
trip), so equality in Go is bit equality.

Run: python3 gen_spearman.py > spearman_scipy.json
"""
import json

import numpy as np
from scipy.stats import spearmanr

rng = np.random.RandomState(20261203)
tables = []
for k in range(400):
    entries = rng.randint(2, 41)
    rows = rng.randint(2, 7)
    top = [10, 100, 1000, 3000][k % 4]
    counts = rng.randint(0, top + 1, size=(entries, rows))
    # Some sparse tables with empty entries.
    if k % 5 == 0:
        counts[rng.rand(entries, rows) < 0.5] = 0
    layer = np.repeat(np.arange(1, entries + 1), counts.sum(axis=1))
    best = np.concatenate([np.repeat(np.arange(rows), c) for c in counts])
    if len(layer) < 2 or len(set(layer)) < 2 or len(set(best)) < 2:
        continue
    rho = spearmanr(layer, best)[0]
    tables.append({'counts': counts.tolist(), 'rho': repr(float(rho))})

vectors = []
for k in range(100):
    n = rng.randint(2, 120)
    x = np.round(rng.randn(n) * 3, 1)
    y = np.round(x * rng.rand() + rng.randn(n) * 2, 1)
    if len(set(x)) < 2 or len(set(y)) < 2:
        continue
    vectors.append({'x': x.tolist(), 'y': y.tolist(), 'rho': repr(float(spearmanr(x, y)[0]))})

print(json.dumps({'scipy': '1.10.1', 'numpy': np.__version__, 'tables': tables, 'vectors': vectors}))
