"""pdinfer: a fast, lightweight native runtime for PaddlePaddle inference models.

The public API mirrors ``paddle.inference``; see :mod:`pdinfer.inference`.
"""

from . import inference
from .errors import (
    InternalError,
    InvalidArgumentError,
    InvalidModelError,
    NotFoundError,
    OutOfMemoryError,
    PdinferError,
    UnsupportedError,
)
from .inference import (
    Config,
    DataType,
    PlaceType,
    PrecisionType,
    Predictor,
    PredictorPool,
    Tensor,
    create_predictor,
    default_passes,
    registered_passes,
    get_num_bytes_of_data_type,
    get_trt_compile_version,
    get_trt_runtime_version,
    get_version,
)
from . import _core

__version__ = _core.version()


def allocation_count() -> int:
    """Tensor buffers allocated so far by this process (to check that steady-state runs
    allocate nothing)."""
    return int(_core.buffer_allocation_count())


def supported_ops():
    """Names of the Paddle ops this build can run."""
    return list(_core.supported_ops())


__all__ = [
    "Config", "DataType", "PlaceType", "PrecisionType", "Predictor", "PredictorPool",
    "Tensor", "create_predictor", "get_version", "get_num_bytes_of_data_type",
    "get_trt_compile_version", "get_trt_runtime_version", "supported_ops", "allocation_count", "inference",
    "default_passes", "registered_passes",
    "PdinferError", "InvalidModelError", "InvalidArgumentError", "UnsupportedError",
    "NotFoundError", "OutOfMemoryError", "InternalError", "__version__",
]
