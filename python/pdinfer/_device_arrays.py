"""Reading device arrays (CuPy, PyTorch, JAX, Numba, ...) without copying them.

``device_array_info(obj)`` returns ``(pointer, dtype_name, shape, keep_alive)`` for an
object that exposes CUDA memory through ``__cuda_array_interface__`` (version 2+) or
``__dlpack__`` / ``__dlpack_device__``, and ``None`` for anything else (host arrays).
Only C-contiguous arrays are accepted: the runtime reads them as dense buffers.
``keep_alive`` must be held while the pointer is in use.
"""

from __future__ import annotations

import ctypes
from typing import Any, List, Tuple

import numpy as np

from .errors import InvalidArgumentError, UnsupportedError

_KDL_CUDA = 2
_KDL_CUDA_MANAGED = 13
# DLPack (code, bits) -> NumPy dtype name
_DL_TYPES = {
    (0, 32): "int32", (0, 64): "int64", (0, 8): "int8", (0, 16): "int16",
    (1, 8): "uint8", (2, 16): "float16", (2, 32): "float32", (2, 64): "float64",
    (6, 8): "bool", (1, 1): "bool",
}

DeviceInfo = Tuple[int, str, List[int], Any]


def is_device_array(obj) -> bool:
    if hasattr(obj, "__cuda_array_interface__"):
        return True
    dev = getattr(obj, "__dlpack_device__", None)
    if dev is None or isinstance(obj, np.ndarray):
        return False
    try:
        return int(dev()[0]) in (_KDL_CUDA, _KDL_CUDA_MANAGED)
    except Exception:  # noqa: BLE001 - a foreign object's method may raise anything
        return False


def _contiguous(shape, strides, itemsize) -> bool:
    if strides is None:
        return True
    expected = itemsize
    for dim, stride in zip(reversed(shape), reversed(strides)):
        if dim != 1 and stride != expected:
            return False
        expected *= dim
    return True


def _from_cai(obj) -> DeviceInfo:
    cai = obj.__cuda_array_interface__
    dtype = np.dtype(cai["typestr"])
    shape = [int(d) for d in cai["shape"]]
    if not _contiguous(shape, cai.get("strides"), dtype.itemsize):
        raise InvalidArgumentError("device array is not C-contiguous: make a contiguous copy first")
    ptr = int(cai["data"][0] or 0)
    return ptr, dtype.name, shape, obj


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("device", _DLDevice),
        ("ndim", ctypes.c_int32),
        ("dtype", _DLDataType),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
        ("byte_offset", ctypes.c_uint64),
    ]


def _from_dlpack(obj) -> DeviceInfo:
    capsule = obj.__dlpack__()
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype = ctypes.c_void_p
    get.argtypes = [ctypes.py_object, ctypes.c_char_p]
    addr = get(capsule, b"dltensor")
    # DLManagedTensor starts with its DLTensor; the capsule stays unconsumed, so its
    # destructor frees it once `capsule` (kept alive by the caller) is released.
    t = _DLTensor.from_address(addr)
    if t.device.device_type not in (_KDL_CUDA, _KDL_CUDA_MANAGED):
        raise InvalidArgumentError("DLPack tensor is not in CUDA memory")
    key = (int(t.dtype.code), int(t.dtype.bits))
    if key not in _DL_TYPES or t.dtype.lanes != 1:
        raise UnsupportedError(f"DLPack dtype code={key[0]} bits={key[1]} is not supported")
    name = _DL_TYPES[key]
    shape = [int(t.shape[i]) for i in range(t.ndim)]
    strides = None if not t.strides else [int(t.strides[i]) * np.dtype(name).itemsize for i in range(t.ndim)]
    if not _contiguous(shape, strides, np.dtype(name).itemsize):
        raise InvalidArgumentError("device array is not C-contiguous: make a contiguous copy first")
    return int(t.data or 0) + int(t.byte_offset), name, shape, (obj, capsule)


def device_array_info(obj) -> DeviceInfo | None:
    if hasattr(obj, "__cuda_array_interface__"):
        return _from_cai(obj)
    if is_device_array(obj):
        return _from_dlpack(obj)
    return None
