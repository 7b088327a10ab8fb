"""Generates the hostile HDF5 inputs of the reliability suite (h5py 3).

Each file is tiny on disk but declares datasets far larger than itself:
chunked datasets that were never written (HDF5 returns the fill value),
which a careless reader would allocate in full. Run from this directory:
    python3 gen_hostile.py
"""
import h5py
import numpy as np


def v73(path, shape, dtype, cls):
    with h5py.File(path, "w", userblock_size=512) as f:
        d = f.create_dataset("feat", shape=shape, dtype=dtype,
                             chunks=tuple(min(s, 64) for s in shape))
        d.attrs["MATLAB_class"] = np.bytes_(cls)
    text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    with open(path, "r+b") as f:
        f.write(text.ljust(128, b" "))


# HDF5 dims are the reverse of MATLAB's: (units, 1) is a 1 x units feat.
v73("v73_absurd_dims.mat", (1 << 40, 1), "f4", "single")
# 2^40 x 2^40 elements: the element count overflows 64 bits.
v73("v73_overflow_dims.mat", (1 << 40, 1 << 40), "f8", "double")

# A BData file whose /dataset declares 2^40 samples x 3 columns.
with h5py.File("bdata_absurd_dims.h5", "w") as f:
    f.create_dataset("dataset", shape=(1 << 40, 3), dtype="f8", chunks=(64, 3))
    m = f.create_group("metadata")
    m.create_dataset("key", data=np.array([b"VoxelData", b"ROI_V1"], dtype="S"))
    m.create_dataset("description", data=np.array([b"1 = voxel", b"1 = V1"], dtype="S"))
    m.create_dataset("value", data=np.array([[1, 1, 1], [1, 1, np.nan]], dtype="f8"))

# Below the h5 glue's element cap (2^34) but far beyond the file and the
# machine: 2^32 x 1 float64 (32 GiB) and a BData of 2^32 x 3.
v73("v73_large_dims.mat", (1 << 32, 1), "f8", "double")
with h5py.File("bdata_large_dims.h5", "w") as f:
    f.create_dataset("dataset", shape=(1 << 32, 3), dtype="f8", chunks=(64, 3))
    m = f.create_group("metadata")
    m.create_dataset("key", data=np.array([b"VoxelData", b"ROI_V1"], dtype="S"))
    m.create_dataset("description", data=np.array([b"1 = voxel", b"1 = V1"], dtype="S"))
    m.create_dataset("value", data=np.array([[1, 1, 1], [1, 1, np.nan]], dtype="f8"))
