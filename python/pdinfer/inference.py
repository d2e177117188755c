"""The ``paddle.inference`` API on top of pdinfer's native core.

Deployment code written for Paddle Inference runs unchanged::

    from pdinfer import inference            # instead of: from paddle import inference
    config = inference.Config("model.pdmodel", "model.pdiparams")
    config.set_cpu_math_library_num_threads(4)
    predictor = inference.create_predictor(config)
    handle = predictor.get_input_handle(predictor.get_input_names()[0])
    handle.copy_from_cpu(image)
    predictor.run()
    out = predictor.get_output_handle(predictor.get_output_names()[0]).copy_to_cpu()

Methods for hardware this build lacks (GPU, XPU, TensorRT, ...) raise
:class:`pdinfer.UnsupportedError`; switches that only tune Paddle's own internals
(glog, feed/fetch ops, optimization caches) are accepted and recorded.
"""

from __future__ import annotations

import enum
import os
import warnings
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from . import _core, _device_arrays
from .errors import InvalidArgumentError, NotFoundError, UnsupportedError

__all__ = [
    "Config",
    "DataType",
    "PlaceType",
    "PrecisionType",
    "Tensor",
    "Predictor",
    "PredictorPool",
    "PaddlePassBuilder",
    "create_predictor",
    "get_version",
    "get_num_bytes_of_data_type",
    "get_trt_compile_version",
    "get_trt_runtime_version",
]


class DataType(enum.IntEnum):
    """Element types (values follow Paddle's ``PaddleDType``)."""

    FLOAT32 = 0
    INT64 = 1
    INT32 = 2
    UINT8 = 3
    INT8 = 4
    FLOAT16 = 5
    BOOL = 6
    FLOAT64 = 7
    BFLOAT16 = 8


class PlaceType(enum.IntEnum):
    UNK = -1
    CPU = 0
    GPU = 1
    XPU = 2
    CUSTOM = 4


class PrecisionType(enum.IntEnum):
    Float32 = 0
    Int8 = 1
    Half = 2
    Bfloat16 = 3


_DTYPE_FROM_NAME = {
    "float32": DataType.FLOAT32,
    "int64": DataType.INT64,
    "int32": DataType.INT32,
    "uint8": DataType.UINT8,
    "int8": DataType.INT8,
    "float16": DataType.FLOAT16,
    "bool": DataType.BOOL,
    "float64": DataType.FLOAT64,
    "bfloat16": DataType.BFLOAT16,
}
_BYTES = {
    DataType.FLOAT32: 4, DataType.INT64: 8, DataType.INT32: 4, DataType.UINT8: 1,
    DataType.INT8: 1, DataType.FLOAT16: 2, DataType.BOOL: 1, DataType.FLOAT64: 8,
    DataType.BFLOAT16: 2,
}
_NUMPY_OK = {"float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"}


def get_version() -> str:
    """Version string, in the shape of Paddle's (several lines, first names the version)."""
    return (
        f"version: pdinfer {_core.version()}\n"
        f"oneDNN: {_core.dnnl_version()}\n"
        f"CUDA: {'backend module built (loaded on use)' if _core.cuda_module_built() else 'not built'}\n"
        "TensorRT: not built"
    )


def get_num_bytes_of_data_type(dtype: DataType) -> int:
    return _BYTES[DataType(dtype)]


def get_trt_compile_version():
    return (0, 0, 0)


def get_trt_runtime_version():
    return (0, 0, 0)


class PaddlePassBuilder:
    """The optimizer's pass list for a Config (Paddle's ``PassStrategy``).

    ``all_passes()`` lists the passes the predictor will run, in order: the default CPU
    list (``pdinfer.default_passes()``) unless ``set_passes``/``append_pass``/
    ``insert_pass`` replaced it, minus the names given to ``delete_pass``. Paddle's pass
    names are accepted, including the older ``*_mkldnn_*`` and ``*_onednn_*`` spellings
    of the passes pdinfer implements under a shared name."""

    def __init__(self, config: "Config"):
        self._config = config

    def _base(self) -> List[str]:
        if self._config._passes is None:
            return list(_core.default_passes("cpu"))
        return list(self._config._passes)

    def delete_pass(self, name: str) -> None:
        self._config.delete_pass(name)

    def all_passes(self) -> List[str]:
        deleted = {_core.canonical_pass_name(d) for d in self._config._deleted_passes}
        deleted |= set(self._config._deleted_passes)
        return [p for p in self._base() if p not in deleted and _core.canonical_pass_name(p) not in deleted]

    def set_passes(self, passes: Sequence[str]) -> None:
        self._config._passes = [str(p) for p in passes]

    def append_pass(self, name: str) -> None:
        base = self._base()
        base.append(str(name))
        self._config._passes = base

    def insert_pass(self, idx: int, name: str) -> None:
        base = self._base()
        base.insert(int(idx), str(name))
        self._config._passes = base

    def clear_passes(self) -> None:
        self._config._passes = []

    def turn_on_debug(self) -> None:
        self._config._ir_debug = True

    def debug_string(self) -> str:
        return "\n".join(self.all_passes())

    def analysis_passes(self) -> List[str]:
        return []


def default_passes(device: str = "cpu") -> List[str]:
    """The optimizer's default pass order for ``device`` ("cpu" or "gpu")."""
    return list(_core.default_passes(device))


def registered_passes() -> List[str]:
    """Every pass this build implements."""
    return list(_core.registered_passes())


class Config:
    """Model location and run-time options (Paddle's ``AnalysisConfig``).

    ``Config()``, ``Config(model_dir)``, ``Config(prog_file, params_file)`` or
    ``Config(model_dir, model_prefix)`` (Paddle 3.x style: ``<dir>/<prefix>.pdmodel``).
    """

    def __init__(self, *args: str):
        self._model_dir = ""
        self._prog_file = ""
        self._params_file = ""
        self._prog_buffer: Optional[bytes] = None
        self._params_buffer: Optional[bytes] = None
        self._threads = 1
        self._use_mkldnn = True
        self._mkldnn_cache_capacity = 0
        self._bf16 = False
        self._ir_optim = True
        self._ir_debug = False
        self._memory_optim = True  # pdinfer plans memory by default (see enable_memory_optim)
        self._plan_cache_capacity = 16
        self._deleted_passes: List[str] = []
        self._passes: Optional[List[str]] = None  # None: the default list
        self._ir_debug_dir = ""
        self._glog_info = True
        self._feed_fetch_ops = False
        self._specify_input_names = True
        self._profile = False
        self._opt_cache_dir = ""
        if len(args) == 1:
            self.set_model(args[0])
        elif len(args) == 2:
            self.set_model(args[0], args[1])
        elif args:
            raise InvalidArgumentError(
                f"Config() takes a model dir or (prog_file, params_file), got {len(args)} arguments"
            )

    # -- model -------------------------------------------------------------------
    def set_model(self, *args: str) -> None:
        args = tuple(os.fspath(a) for a in args)
        self._prog_buffer = self._params_buffer = None
        if len(args) == 1:
            self._model_dir, self._prog_file, self._params_file = args[0], "", ""
        elif len(args) == 2:
            first, second = args
            if os.path.isdir(first) and not os.path.isfile(second) and os.sep not in second:
                # Config(model_dir, model_prefix)
                prefix = os.path.join(first, second)
                for ext in (".json", ".pdmodel"):
                    if os.path.isfile(prefix + ext):
                        self._prog_file = prefix + ext
                        break
                else:
                    self._prog_file = prefix + ".pdmodel"
                self._params_file = prefix + ".pdiparams"
                self._model_dir = ""
            else:
                self._model_dir, self._prog_file, self._params_file = "", first, second
        else:
            raise InvalidArgumentError("set_model() takes a model dir or (prog_file, params_file)")

    def set_prog_file(self, path: str) -> None:
        self._prog_file = os.fspath(path)
        self._prog_buffer = None

    def set_params_file(self, path: str) -> None:
        self._params_file = os.fspath(path)
        self._prog_buffer = None

    def model_dir(self) -> str:
        return self._model_dir

    def prog_file(self) -> str:
        return self._prog_file

    def params_file(self) -> str:
        return self._params_file

    def set_model_buffer(self, prog_buffer, prog_size_or_params=None, params_buffer=None,
                         params_size=None) -> None:
        """``set_model_buffer(prog, prog_size, params, params_size)`` as in Paddle, or
        ``set_model_buffer(prog, params)``. Buffers are bytes (or str)."""
        if params_buffer is None and not isinstance(prog_size_or_params, int):
            params_buffer = prog_size_or_params
            prog_size = None
        else:
            prog_size = prog_size_or_params
        prog = _as_bytes(prog_buffer, prog_size, "program buffer")
        params = _as_bytes(params_buffer, params_size, "params buffer") if params_buffer is not None else b""
        self._prog_buffer, self._params_buffer = prog, params
        self._model_dir = self._prog_file = self._params_file = ""

    def model_from_memory(self) -> bool:
        return self._prog_buffer is not None

    # -- CPU -----------------------------------------------------------------------
    def set_cpu_math_library_num_threads(self, n: int) -> None:
        n = int(n)
        if n < 1:
            raise InvalidArgumentError(f"cpu math library threads must be >= 1, got {n}")
        self._threads = n

    def cpu_math_library_num_threads(self) -> int:
        return self._threads

    def enable_mkldnn(self) -> None:
        self._use_mkldnn = True

    def disable_mkldnn(self) -> None:
        self._use_mkldnn = False
        self._bf16 = False

    def mkldnn_enabled(self) -> bool:
        return self._use_mkldnn

    def set_mkldnn_cache_capacity(self, capacity: int = 0) -> None:
        self._mkldnn_cache_capacity = int(capacity)

    def enable_mkldnn_bfloat16(self) -> None:
        """Run convolutions and matrix products in bfloat16 (fp32 accumulation) where the
        CPU supports it (AVX512-BF16 / AMX); other CPUs keep fp32."""
        self._use_mkldnn = True
        self._bf16 = True

    def mkldnn_bfloat16_enabled(self) -> bool:
        return self._bf16

    def enable_mkldnn_int8(self, *args, **kwargs) -> None:
        raise UnsupportedError("int8 execution is not available in this build of pdinfer")

    def set_mkldnn_op(self, ops) -> None:
        pass

    def disable_mkldnn_fc_passes(self) -> None:
        pass

    # -- GPU (the CUDA backend module, loaded when a GPU predictor is created) ----------
    _use_gpu = False
    _gpu_device_id = 0
    _gpu_memory_pool_mb = 0
    _gpu_precision = PrecisionType.Float32

    def enable_use_gpu(self, memory_pool_init_size_mb: int = 100, device_id: int = 0,
                       precision_mode: PrecisionType = PrecisionType.Float32) -> None:
        """Run on CUDA device ``device_id``. Raises :class:`pdinfer.UnsupportedError`
        naming the reason (no CUDA backend in this build, no driver, no device) when no GPU
        is usable, leaving the Config on the CPU. This is the first call that loads the CUDA
        backend module; ``import pdinfer`` and CPU predictors never do."""
        mb, dev = int(memory_pool_init_size_mb), int(device_id)
        if mb < 0:
            raise InvalidArgumentError(f"enable_use_gpu(): memory_pool_init_size_mb must be >= 0, got {mb}")
        if dev < 0:
            raise InvalidArgumentError(f"enable_use_gpu(): device_id must be >= 0, got {dev}")
        precision = PrecisionType(int(precision_mode))
        if precision not in (PrecisionType.Float32, PrecisionType.Half):
            raise UnsupportedError(
                f"enable_use_gpu(): precision {precision.name} is not supported on the GPU "
                "(Float32 or Half)")
        reason = _core.cuda_unavailable_reason() if _core.cuda_module_built() else (
            "this build of pdinfer has no CUDA support (built without nvcc)")
        if reason:
            raise UnsupportedError(
                f"enable_use_gpu(): {reason}; use the CPU (remove the call or call disable_gpu())")
        self._use_gpu, self._gpu_device_id = True, dev
        self._gpu_memory_pool_mb, self._gpu_precision = mb, precision

    def disable_gpu(self) -> None:
        self._use_gpu = False

    def use_gpu(self) -> bool:
        return self._use_gpu

    def gpu_device_id(self) -> int:
        return self._gpu_device_id if self._use_gpu else -1

    def memory_pool_init_size_mb(self) -> int:
        return self._gpu_memory_pool_mb if self._use_gpu else 0

    # -- other devices (not in this build) ----------------------------------------------
    def enable_xpu(self, *args, **kwargs) -> None:
        raise UnsupportedError("enable_xpu(): XPU devices are not supported by pdinfer")

    def use_xpu(self) -> bool:
        return False

    def enable_custom_device(self, *args, **kwargs) -> None:
        raise UnsupportedError("enable_custom_device(): custom devices are not supported by pdinfer")

    def enable_tensorrt_engine(self, *args, **kwargs) -> None:
        raise UnsupportedError("enable_tensorrt_engine(): this build of pdinfer has no TensorRT support")

    def tensorrt_engine_enabled(self) -> bool:
        return False

    def enable_openvino_engine(self, *args, **kwargs) -> None:
        raise UnsupportedError("enable_openvino_engine(): not supported; pdinfer runs the model itself")

    def enable_onnxruntime(self) -> None:
        raise UnsupportedError("enable_onnxruntime(): not supported; pdinfer runs the model itself")

    def disable_onnxruntime(self) -> None:
        pass

    def onnxruntime_enabled(self) -> bool:
        return False

    # -- optimization / debug ----------------------------------------------------------
    def switch_ir_optim(self, x: bool = True) -> None:
        self._ir_optim = bool(x)

    def ir_optim(self) -> bool:
        return self._ir_optim

    def switch_ir_debug(self, x: bool = True, passes=None) -> None:
        """Write the graph as Graphviz DOT before the first pass and after every pass
        (``pdinfer_ir_<NN>_<pass>.dot``) into the optim cache dir (``set_optim_cache_dir``)
        or else the current directory."""
        self._ir_debug = bool(x)

    def enable_memory_optim(self, x: bool = True) -> None:
        """Arena memory planning: intermediates share one buffer by lifetime, element-wise
        ops run in place, and a steady-state run() allocates nothing. pdinfer turns this on
        by default (Paddle does not); ``enable_memory_optim(False)`` switches it off."""
        self._memory_optim = bool(x)

    def memory_optim_enabled(self) -> bool:
        return self._memory_optim

    def set_plan_cache_capacity(self, n: int) -> None:
        """pdinfer extension: how many memory plans (one per distinct set of input shapes)
        a predictor keeps; the least recently used is dropped beyond that."""
        n = int(n)
        if n < 1:
            raise InvalidArgumentError(f"plan cache capacity must be >= 1, got {n}")
        self._plan_cache_capacity = n

    def enable_memory_optim_enabled(self) -> bool:  # pragma: no cover - old spelling
        return self._memory_optim

    def delete_pass(self, name: str) -> None:
        if name not in self._deleted_passes:
            self._deleted_passes.append(name)

    def pass_builder(self) -> PaddlePassBuilder:
        return PaddlePassBuilder(self)

    def disable_glog_info(self) -> None:
        self._glog_info = False

    def glog_info_disabled(self) -> bool:
        return not self._glog_info

    def switch_use_feed_fetch_ops(self, x: bool = True) -> None:
        self._feed_fetch_ops = bool(x)

    def use_feed_fetch_ops_enabled(self) -> bool:
        return self._feed_fetch_ops

    def switch_specify_input_names(self, x: bool = True) -> None:
        self._specify_input_names = bool(x)

    def specify_input_name(self) -> bool:
        return self._specify_input_names

    def enable_profile(self) -> None:
        self._profile = True

    def set_optim_cache_dir(self, path: str) -> None:
        self._opt_cache_dir = os.fspath(path)

    def enable_new_ir(self, x: bool = True) -> None:
        pass

    def enable_new_executor(self, x: bool = True) -> None:
        pass

    def new_ir_enabled(self) -> bool:
        return False

    def set_optimization_level(self, opt_level: int = 2) -> None:
        pass

    def enable_save_optim_model(self, save_optimized_model: bool = False) -> None:
        pass

    def is_valid(self) -> bool:
        return bool(self._model_dir or self._prog_file or self._prog_buffer is not None)

    def summary(self) -> str:
        rows = [
            ("model_dir", self._model_dir),
            ("model_file", self._prog_file),
            ("params_file", self._params_file),
            ("model_from_memory", str(self.model_from_memory()).lower()),
            ("cpu_math_thread", str(self._threads)),
            ("enable_mkldnn", str(self._use_mkldnn).lower()),
            ("use_gpu", str(self._use_gpu).lower()),
            ("ir_optim", str(self._ir_optim).lower()),
            ("memory_optim", str(self._memory_optim).lower()),
            ("enable_mkldnn_bfloat16", str(self._bf16).lower()),
            ("ir_debug", str(self._ir_debug).lower()),
            ("deleted_passes", ", ".join(self._deleted_passes)),
            ("runtime", f"pdinfer {_core.version()} (oneDNN {_core.dnnl_version()})"),
        ]
        width = max(len(k) for k, _ in rows)
        vwidth = max([len(v) for _, v in rows] + [5])
        line = "+" + "-" * (width + 2) + "+" + "-" * (vwidth + 2) + "+"
        out = [line, f"| {'Option':<{width}} | {'Value':<{vwidth}} |", line]
        out += [f"| {k:<{width}} | {v:<{vwidth}} |" for k, v in rows]
        out.append(line)
        return "\n".join(out)

    def __repr__(self) -> str:
        src = "<memory>" if self.model_from_memory() else (self._model_dir or self._prog_file)
        return f"pdinfer.Config({src!r})"


def _as_bytes(buf, size, what) -> bytes:
    if isinstance(buf, str):
        data = buf.encode("latin-1")
    else:
        data = bytes(buf)
    if size is not None:
        size = int(size)
        if size < 0 or size > len(data):
            raise InvalidArgumentError(f"{what}: size {size} does not fit the {len(data)} bytes given")
        data = data[:size]
    return data


class Tensor:
    """An input or output handle of a Predictor (Paddle's ``PaddleInferTensor``)."""

    def __init__(self, predictor: "Predictor", name: str, is_input: bool):
        self._predictor = predictor
        self._core = predictor._core
        self._name = name
        self._is_input = is_input
        self._pending_shape: Optional[List[int]] = None

    def name(self) -> str:
        return self._name

    def reshape(self, shape) -> None:
        if not self._is_input:
            raise InvalidArgumentError(f"reshape(): '{self._name}' is an output; only inputs can be reshaped")
        if isinstance(shape, (int, np.integer)):
            shape = [int(shape)]
        shape = [int(d) for d in shape]
        if any(d < 0 for d in shape):
            raise InvalidArgumentError(f"reshape(): input '{self._name}' needs non-negative dims, got {shape}")
        self._pending_shape = shape

    def copy_from_cpu(self, data) -> None:
        if not self._is_input:
            raise InvalidArgumentError(f"copy_from_cpu(): '{self._name}' is an output handle")
        self._device_source = None  # a CUDA array shared before is replaced
        if isinstance(data, (list, tuple)) and data and isinstance(data[0], str):
            raise UnsupportedError("copy_from_cpu(): string inputs are not supported")
        arr = np.asarray(data)
        if arr.dtype.name not in _NUMPY_OK:
            raise InvalidArgumentError(
                f"copy_from_cpu(): input '{self._name}' got unsupported dtype {arr.dtype}"
            )
        shape = list(arr.shape)  # before ascontiguousarray, which makes 0-D arrays 1-D
        arr = np.ascontiguousarray(arr)
        if self._pending_shape is not None:
            if int(np.prod(self._pending_shape, dtype=np.int64)) != arr.size:
                raise InvalidArgumentError(
                    f"copy_from_cpu(): input '{self._name}' was reshaped to {self._pending_shape} "
                    f"({int(np.prod(self._pending_shape))} elements) but the array has shape "
                    f"{list(arr.shape)} ({arr.size} elements)"
                )
            shape = self._pending_shape
        self._core.set_input(self._name, arr.dtype.name, shape, arr.reshape(-1) if arr.ndim == 0 else arr)

    def share_external_data(self, data) -> None:
        """A NumPy array is copied (CPU inputs are cheap to copy once). A CUDA array
        (``__cuda_array_interface__`` or DLPack: CuPy, PyTorch, JAX, ...) is used in place
        by a GPU predictor: as an input it is read without a copy, as an output the run
        writes into it. It must stay alive and unchanged until ``run()`` returns."""
        if not _device_arrays.is_device_array(data):
            if not self._is_input:
                raise InvalidArgumentError(
                    f"share_external_data(): output '{self._name}' needs a CUDA array "
                    "(a GPU predictor writes outputs into device memory)")
            self.copy_from_cpu(data)
            return
        if not self._core.use_gpu():
            raise UnsupportedError(
                f"share_external_data(): '{self._name}' got a CUDA array but the predictor runs on "
                "the CPU (use Config.enable_use_gpu(), or pass a NumPy array)")
        ptr, dtype, shape, keep = _device_arrays.device_array_info(data)
        if self._is_input:
            self._core.share_input(self._name, dtype, shape, ptr)
        else:
            nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
            self._core.bind_output_device(self._name, ptr, nbytes)
        self._device_source = (ptr, dtype, shape, keep)

    def copy_to_cpu(self) -> np.ndarray:
        if self._is_input:
            if not self._core.input_set(self._name):
                raise InvalidArgumentError(f"copy_to_cpu(): input '{self._name}' has not been set")
            if getattr(self, "_device_source", None) is not None:  # a shared CUDA input
                ptr, dtype, shape, _ = self._device_source
                out = np.empty(shape, dtype=dtype)
                _core.cuda_copy_to_host(ptr, out)
                return out
            return self._core.input_array(self._name)
        return self._core.output_array(self._name)

    def shape(self) -> List[int]:
        if self._is_input:
            if self._core.input_set(self._name):
                return list(self._core.input_shape(self._name))
            if self._pending_shape is not None:
                return list(self._pending_shape)
            return list(self._core.input_meta(self._name)[1])
        if self._core.has_run():
            return list(self._core.output_shape(self._name))
        return list(self._core.output_meta(self._name)[1])

    def type(self) -> DataType:
        if self._is_input:
            name = self._core.input_dtype(self._name) if self._core.input_set(self._name) \
                else self._core.input_meta(self._name)[0]
        elif self._core.has_run():
            name = self._core.output_dtype(self._name)
        else:
            name = self._core.output_meta(self._name)[0]
        return _DTYPE_FROM_NAME.get(name, DataType.FLOAT32)

    def set_lod(self, lod: List[List[int]]) -> None:
        if not self._is_input:
            raise InvalidArgumentError(f"set_lod(): '{self._name}' is an output handle")
        self._core.set_input_lod(self._name, [[int(x) for x in level] for level in lod])

    def lod(self) -> List[List[int]]:
        if self._is_input:
            return [list(level) for level in self._core.input_lod(self._name)] \
                if self._core.input_set(self._name) else []
        return [list(level) for level in self._core.output_lod(self._name)]

    def __repr__(self) -> str:
        kind = "input" if self._is_input else "output"
        return f"pdinfer.Tensor({kind} {self._name!r})"


class Predictor:
    """Runs one model. Not thread-safe: use ``clone()`` for each extra thread."""

    def __init__(self, config: Config, _core_predictor=None):
        self._config = config
        if _core_predictor is not None:
            self._core = _core_predictor
        else:
            if not config.is_valid():
                raise InvalidArgumentError("Config has no model: call set_model() or set_model_buffer() first")
            kwargs = dict(
                num_threads=config._threads,
                ir_optim=config._ir_optim,
                memory_optim=config._memory_optim,
                plan_cache_capacity=config._plan_cache_capacity,
                deleted_passes=list(config._deleted_passes),
                passes=None if config._passes is None else list(config._passes),
                ir_debug=config._ir_debug,
                ir_debug_dir=getattr(config, "_opt_cache_dir", "") or "",
                use_onednn=config._use_mkldnn,
                onednn_bf16=config._bf16,
                onednn_cache_capacity=config._mkldnn_cache_capacity,
                use_gpu=config._use_gpu,
                gpu_device_id=config._gpu_device_id,
                gpu_memory_pool_mb=config._gpu_memory_pool_mb,
                gpu_precision=int(config._gpu_precision),
            )
            if config._prog_buffer is not None:
                self._core = _core.Predictor(prog_buffer=config._prog_buffer,
                                             params_buffer=config._params_buffer, **kwargs)
            else:
                self._core = _core.Predictor(model_dir=config._model_dir, prog_file=config._prog_file,
                                             params_file=config._params_file, **kwargs)
        self._inputs: Dict[str, Tensor] = {}
        self._outputs: Dict[str, Tensor] = {}

    def get_input_names(self) -> List[str]:
        return list(self._core.get_input_names())

    def _pass_stats(self) -> List[Dict[str, object]]:
        """What the optimizer did at load: one dict per pass run, in order, with
        ``name``, ``fired`` (rewrites), ``nodes_before``, ``nodes_after`` and ``ms``."""
        return list(self._core.pass_stats())

    def _op_counts(self) -> Dict[str, int]:
        """Op type -> number of nodes in the graph as it runs (after the passes)."""
        return dict(self._core.op_counts())

    def optimization_report(self) -> Dict[str, object]:
        """Node counts as loaded and as run, plus the passes that fired."""
        return {
            "nodes_loaded": int(self._core.loaded_node_count()),
            "nodes_optimized": int(self._core.node_count()),
            "passes": self._pass_stats(),
        }

    def get_output_names(self) -> List[str]:
        return list(self._core.get_output_names())

    def get_input_handle(self, name: str) -> Tensor:
        if name not in self._inputs:
            if name not in self._core.get_input_names():
                raise NotFoundError(f"no input named '{name}'; inputs are: {', '.join(self.get_input_names())}")
            self._inputs[name] = Tensor(self, name, True)
        return self._inputs[name]

    def get_output_handle(self, name: str) -> Tensor:
        if name not in self._outputs:
            if name not in self._core.get_output_names():
                raise NotFoundError(f"no output named '{name}'; outputs are: {', '.join(self.get_output_names())}")
            self._outputs[name] = Tensor(self, name, False)
        return self._outputs[name]

    def run(self, inputs: Optional[Sequence[np.ndarray]] = None) -> Optional[List[np.ndarray]]:
        """``run()`` uses the inputs set on the handles. ``run([a, b, ...])`` feeds the
        arrays in ``get_input_names()`` order and returns the outputs as NumPy arrays in
        ``get_output_names()`` order. The GIL is released while the model runs."""
        if inputs is None:
            self._core.run()
            return None
        names = self.get_input_names()
        inputs = list(inputs)
        if len(inputs) != len(names):
            raise InvalidArgumentError(f"run() got {len(inputs)} inputs, the model has {len(names)}: {names}")
        for name, arr in zip(names, inputs):
            if hasattr(arr, "numpy") and not isinstance(arr, np.ndarray):
                arr = arr.numpy()
            self.get_input_handle(name).copy_from_cpu(arr)
        self._core.run()
        return [self._core.output_array(n) for n in self.get_output_names()]

    def clone(self, stream=None) -> "Predictor":
        return Predictor(self._config, _core_predictor=self._core.clone())

    def clear_intermediate_tensor(self) -> None:
        self._core.clear_intermediate_tensor()

    def try_shrink_memory(self) -> int:
        return int(self._core.try_shrink_memory())

    def memory_stats(self) -> Dict[str, int]:
        """pdinfer extension: arena size, the sum of intermediate tensor sizes without
        reuse, weights size, cached plans, ... for the most recent input shapes."""
        return dict(self._core.memory_stats())

    def register_output_hook(self, hook) -> None:
        raise UnsupportedError("register_output_hook() is not supported by pdinfer yet")

    def register_input_hook(self, hook) -> None:
        raise UnsupportedError("register_input_hook() is not supported by pdinfer yet")


def create_predictor(config: Config) -> Predictor:
    """Load the model described by ``config`` and return a ready Predictor."""
    return Predictor(config)


class PredictorPool:
    """``size`` predictors sharing one set of weights."""

    def __init__(self, config: Config, size: int = 1):
        if int(size) < 1:
            raise InvalidArgumentError(f"PredictorPool size must be >= 1, got {size}")
        first = Predictor(config)
        self._predictors = [first] + [first.clone() for _ in range(int(size) - 1)]

    def retrieve(self, idx: int) -> Predictor:
        if not 0 <= idx < len(self._predictors):
            raise InvalidArgumentError(f"PredictorPool.retrieve({idx}): pool has {len(self._predictors)} predictors")
        return self._predictors[idx]
