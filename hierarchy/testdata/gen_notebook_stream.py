"""Generate notebook_stream.json: the layer draws of
compute_bhscore_layerselect (KamitaniLab/BHscore bhscore.py, n_layers=5,
n_repeat=100) when np.random.seed(0) is called once and the networks are
then scored in settings order, as calc_bhscore.ipynb's decoding cell loops
over them (numpy 1.24.2 legacy RandomState). Also the draws when every
network is seeded on its own (np.random.seed(0) before each), for
contrast.

Run: python3 gen_notebook_stream.py > notebook_stream.json
"""
import json

import numpy as np

layers = [8, 5, 12, 23, 7, 31, 9]  # layers per network, settings order


def draws(n_layers_net):
    out = []
    for _ in range(100):
        s = np.random.choice(np.arange(1, n_layers_net - 1), size=3, replace=False)
        out.append(sorted(int(v) for v in s))
    return out


np.random.seed(0)
stream = [draws(L) for L in layers]
per_network = []
for L in layers:
    np.random.seed(0)
    per_network.append(draws(L))
print(json.dumps({'numpy': np.__version__, 'layers': layers, 'stream': stream, 'per_network': per_network}))
