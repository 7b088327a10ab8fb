#!/usr/bin/python3
"""Generates the extract package's test fixtures (run once; not run by CI).

Debian bookworm python3-torch 1.13, python3-torchvision 0.14, python3-onnx
1.12, Pillow 9.4, scipy, hdf5storage.  No downloads: model weights are random
with fixed seeds.

    cd extract/testdata && /usr/bin/python3 generate.py            # fixtures
    /usr/bin/python3 generate.py --bench DIR                       # benchmark models

Writes:
  squeezenet1_1.onnx  torchvision SqueezeNet 1.1, torch.manual_seed(0) weights,
                      dynamic batch axis, opset 13
  tiny.onnx           a small CNN with a fixed 3 x 48 x 40 input (caffe preset)
  images/             generated test images: PNG (RGB, grey) and JPEG (4:2:0
                      colour, 4:4:4 colour, grey)
  resize/             PIL bicubic resize cases: <name>.png (source) and
                      <name>_<W>x<H>.png (Pillow's resize output)
  decoded/            <stem>.png: Pillow's decoding of each JPEG image
                      (converted to RGB), to measure Go's JPEG decoder
  ref/pytorch/<layer>/<stem>.mat   SqueezeNet activations, scipy.io.savemat
                      {'feat': float32 1 x ...} as extract_features_pytorch.py
                      writes them, from the PNG images preprocessed as that
                      script does (imresize bicubic 224 = PIL resize, /255,
                      ImageNet mean/std)
  ref/caffe/<layer>/<stem>.mat     tiny.onnx activations, hdf5storage v7.3
                      (bdpy save_array) as extract_features_caffe.py writes
                      them, from PIL bicubic resize to 40 x 48, RGB -> BGR,
                      minus [104, 117, 123]
  ref/jpeg/<layer>/<stem>.mat      SqueezeNet fire8 and output activations of the JPEG images
                      decoded by Pillow (libjpeg-turbo), pytorch preset
  layers.txt          the layers: <output name> <ONNX tensor name> <model>
"""

import os
import sys

import hdf5storage
import numpy as np
import scipy.io
import torch
import torch.nn as nn
import torchvision
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


class Tiny(nn.Module):
    """A small CNN: conv-bn-relu-pool, conv-relu, global pool, linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = torch.relu(self.conv2(x))
        x = x.mean(dim=(2, 3))
        return self.fc(x)


def export(model, shape, path, dynamic):
    model.eval()
    x = torch.zeros(shape)
    kw = {}
    if dynamic:
        kw['dynamic_axes'] = {'input': {0: 'batch'}, 'output': {0: 'batch'}}
    torch.onnx.export(model, x, path, input_names=['input'], output_names=['output'],
                      opset_version=13, do_constant_folding=True, **kw)


def squeezenet():
    torch.manual_seed(0)
    return torchvision.models.squeezenet1_1(weights=None).eval()


def tiny():
    torch.manual_seed(1)
    m = Tiny()
    with torch.no_grad():  # non-trivial batch-norm statistics
        m.bn1.running_mean.uniform_(-0.2, 0.2)
        m.bn1.running_var.uniform_(0.5, 2.0)
    return m.eval()


def smooth_image(rng, h, w):
    """A natural-looking test picture: gradients, blobs, edges and noise."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    for c in range(3):
        a = rng.uniform(0.5, 3, size=2)
        img[:, :, c] = 128 + 60 * np.sin(a[0] * x / w * np.pi + c) * np.cos(a[1] * y / h * np.pi)
    for _ in range(6):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(5, min(h, w) / 3)
        mask = (y - cy) ** 2 + (x - cx) ** 2 < r ** 2
        img[mask] = rng.uniform(0, 255, size=3)
    img += rng.normal(0, 12, size=img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def write_images(rng):
    d = os.path.join(HERE, 'images')
    os.makedirs(d, exist_ok=True)
    Image.fromarray(smooth_image(rng, 180, 240)).save(os.path.join(d, 'n01_rgb.png'))
    Image.fromarray(smooth_image(rng, 300, 200)[:, :, 1]).save(os.path.join(d, 'n02_grey.png'))
    Image.fromarray(smooth_image(rng, 224, 224)).save(os.path.join(d, 'n03_exact224.png'))
    Image.fromarray(smooth_image(rng, 240, 320)).save(os.path.join(d, 'n04_colour.jpg'), quality=90)
    Image.fromarray(smooth_image(rng, 200, 260)).save(os.path.join(d, 'n05_colour444.jpg'), quality=95, subsampling=0)
    Image.fromarray(smooth_image(rng, 210, 170)[:, :, 0]).save(os.path.join(d, 'n06_grey.jpg'), quality=85)
    return d


def pil_pixels(path):
    """np.asarray(Image.open(path)) as the PyTorch script reads it; grey stays 2-D."""
    return np.asarray(Image.open(path))


def pil_resize(arr, w, h):
    """scipy.misc.imresize(arr, (h, w), interp='bicubic') on uint8 input:
    toimage (no rescaling for uint8) then PIL resize with BICUBIC."""
    return np.asarray(Image.fromarray(arr).resize((w, h), Image.BICUBIC))


def pytorch_input(path):
    img = pil_resize(pil_pixels(path), 224, 224)
    if img.ndim == 2:
        img = img[:, :, np.newaxis].repeat(3, axis=2)
    img = img.transpose(2, 0, 1) / 255.0
    t = torch.Tensor(img)
    t = torchvision.transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])(t)
    return t


def caffe_input(path, w, h):
    img = pil_resize(pil_pixels(path), w, h)
    if img.ndim == 2:
        img = np.stack([img, img, img], axis=2)
    mean = np.float32([104., 117., 123.])
    img = np.float32(np.transpose(img, (2, 0, 1))[::-1]) - np.reshape(mean, (3, 1, 1))
    return torch.from_numpy(np.ascontiguousarray(img))


def activations(model, modules, x):
    out = {}
    hooks = []
    for name, mod in modules.items():
        def hook(m, i, o, name=name):
            out[name] = o.detach().numpy().copy()
        hooks.append(mod.register_forward_hook(hook))
    with torch.no_grad():
        y = model(x)
    for h in hooks:
        h.remove()
    out['output'] = y.numpy().copy()
    return out


def main_fixtures():
    rng = np.random.default_rng(20261203)
    img_dir = write_images(rng)

    # Resize cases: downscale, upscale, mixed, non-square, grey, tiny.
    rd = os.path.join(HERE, 'resize')
    os.makedirs(rd, exist_ok=True)
    cases = [('rgb', (97, 61), 3, [(224, 224), (40, 48), (13, 200), (300, 17), (97, 61)]),
             ('grey', (50, 333), 1, [(224, 224), (7, 7), (50, 1000)]),
             ('dot', (1, 2), 3, [(5, 3)])]
    for name, (w, h), c, sizes in cases:
        a = rng.integers(0, 256, size=(h, w, c) if c == 3 else (h, w), dtype=np.uint8)
        Image.fromarray(a).save(os.path.join(rd, name + '.png'))
        for (W, H) in sizes:
            Image.fromarray(pil_resize(a, W, H)).save(os.path.join(rd, '%s_%dx%d.png' % (name, W, H)))

    dd = os.path.join(HERE, 'decoded')
    os.makedirs(dd, exist_ok=True)
    for f in sorted(os.listdir(img_dir)):
        if f.endswith('.jpg'):
            Image.open(os.path.join(img_dir, f)).convert('RGB').save(os.path.join(dd, os.path.splitext(f)[0] + '.png'))

    sq = squeezenet()
    export(sq, (1, 3, 224, 224), os.path.join(HERE, 'squeezenet1_1.onnx'), True)
    tn = tiny()
    export(tn, (1, 3, 48, 40), os.path.join(HERE, 'tiny.onnx'), False)

    # Output layer name -> (module, ONNX tensor name of its output).
    sq_layers = {'pool2': (sq.features[5], '/features/features.5/MaxPool_output_0'),
                 'fire8': (sq.features[12], '/features/features.12/Concat_output_0'),
                 'output': (None, 'output')}
    # Constant folding fuses bn1 into conv1: the Conv's output is bn1's.
    tn_layers = {'bn1': (tn.bn1, '/conv1/Conv_output_0'),
                 'relu2': (None, '/Relu_1_output_0'),
                 'output': (None, 'output')}
    pngs = [f for f in sorted(os.listdir(img_dir)) if f.endswith('.png')]
    jpgs = [f for f in sorted(os.listdir(img_dir)) if f.endswith('.jpg')]

    def save_v5(root, layer, stem, feat):
        d = os.path.join(HERE, 'ref', root, layer)
        os.makedirs(d, exist_ok=True)
        scipy.io.savemat(os.path.join(d, stem + '.mat'), {'feat': feat}, do_compression=True)

    def save_v73(root, layer, stem, feat):
        d = os.path.join(HERE, 'ref', root, layer)
        os.makedirs(d, exist_ok=True)
        # bdpy.dataform.save_array(path, feat, key='feat', dtype=np.float32, sparse=False)
        hdf5storage.savemat(os.path.join(d, stem + '.mat'), {'feat': feat.astype(np.float32)},
                            format='7.3', oned_as='column', store_python_metadata=True)

    sq_mods = {k: v[0] for k, v in sq_layers.items() if v[0] is not None}
    for f in pngs + jpgs:
        stem = os.path.splitext(f)[0]
        acts = activations(sq, sq_mods, pytorch_input(os.path.join(img_dir, f))[np.newaxis])
        for layer in sq_layers:
            if f in pngs:
                save_v5('pytorch', layer, stem, acts[layer])
            elif layer != 'pool2':
                save_v5('jpeg', layer, stem, acts[layer])

    # relu2 has no module: torch.relu inside forward; recompute it.
    for f in pngs:
        stem = os.path.splitext(f)[0]
        x = caffe_input(os.path.join(img_dir, f), 40, 48)[np.newaxis]
        acts = activations(tn, {'bn1': tn.bn1}, x)
        with torch.no_grad():
            h = tn.pool(torch.relu(tn.bn1(tn.conv1(x))))
            acts['relu2'] = torch.relu(tn.conv2(h)).numpy()
        for layer in tn_layers:
            save_v73('caffe', layer, stem, acts[layer])

    with open(os.path.join(HERE, 'layers.txt'), 'w') as fh:
        for layer, (_, t) in sq_layers.items():
            fh.write('%s %s squeezenet1_1.onnx\n' % (layer, t))
        for layer, (_, t) in tn_layers.items():
            fh.write('%s %s tiny.onnx\n' % (layer, t))


# Benchmark layers: output name -> (module path, ONNX tensor name).
BENCH_LAYERS = {
    'squeezenet1_1': {'pool2': ('features.5', '/features/features.5/MaxPool_output_0'),
                      'fire8': ('features.12', '/features/features.12/Concat_output_0'),
                      'output': ('', 'output')},
    'resnet18': {'layer1': ('layer1', '/layer1/layer1.1/relu_1/Relu_output_0'),
                 'layer3': ('layer3', '/layer3/layer3.1/relu_1/Relu_output_0'),
                 'output': ('', 'output')},
}


def bench_model(name):
    if name == 'squeezenet1_1':
        return squeezenet()
    torch.manual_seed(0)
    return torchvision.models.resnet18(weights=None).eval()


def main_bench(out):
    """Benchmark inputs (not committed): SqueezeNet 1.1 and ResNet-18 with
    random weights and a dynamic batch axis, and 200 ImageNet-sized JPEG
    images (500 x 375, quality 90, 4:2:0) in out/images."""
    os.makedirs(os.path.join(out, 'images'), exist_ok=True)
    for name in BENCH_LAYERS:
        path = os.path.join(out, name + '.onnx')
        export(bench_model(name), (1, 3, 224, 224), path, True)
        import onnx
        names = {o for n in onnx.load(path).graph.node for o in n.output}
        for layer, (_, tensor) in BENCH_LAYERS[name].items():
            assert tensor in names, (name, tensor)
    rng = np.random.default_rng(7)
    for i in range(200):
        Image.fromarray(smooth_image(rng, 375, 500)).save(os.path.join(out, 'images', 'img%03d.jpg' % i), quality=90)


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--bench':
        main_bench(sys.argv[2])
    else:
        main_fixtures()
