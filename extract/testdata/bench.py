#!/usr/bin/python3
"""The Python route the Go extractor is benchmarked against: the original
extract_features_pytorch.py's steps (PIL decode, bicubic resize to 224 via
PIL as scipy.misc.imresize did, /255, ImageNet Normalize, batches of 32,
forward hooks, one scipy.io.savemat file per image per layer), on Debian's
python3-torch 1.13 CPU with its default threads (all cores).

    /usr/bin/python3 generate.py --bench /tmp/bench
    /usr/bin/python3 bench.py /tmp/bench squeezenet1_1 OUTDIR

Prints images per second (decode to files written, model load excluded).
"""

import os
import sys
import time

import numpy as np
import scipy.io
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import BENCH_LAYERS, bench_model, pytorch_input  # noqa: E402


def main(bench, name, out):
    model = bench_model(name)
    layers = BENCH_LAYERS[name]
    img_dir = os.path.join(bench, 'images')
    files = sorted(os.listdir(img_dir))
    feats = {}
    for layer, (path, _) in layers.items():
        if path:
            mod = model.get_submodule(path)
            mod.register_forward_hook(lambda m, i, o, layer=layer: feats.__setitem__(layer, o.numpy()))
        os.makedirs(os.path.join(out, layer), exist_ok=True)
    t0 = time.time()
    with torch.no_grad():
        for b in range(0, len(files), 32):
            batch = files[b:b + 32]
            x = torch.stack([pytorch_input(os.path.join(img_dir, f)) for f in batch])
            feats['output'] = model(x).numpy()
            for i, f in enumerate(batch):
                stem = os.path.splitext(f)[0]
                for layer in layers:
                    scipy.io.savemat(os.path.join(out, layer, stem + '.mat'), {'feat': feats[layer][i:i + 1]})
    dt = time.time() - t0
    print('%s: %d images in %.2f s: %.1f images/s' % (name, len(files), dt, len(files) / dt))


if __name__ == '__main__':
    main(*sys.argv[1:4])
