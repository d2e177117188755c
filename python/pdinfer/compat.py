"""Run unmodified Paddle Inference applications on pdinfer.

In-process::

    import pdinfer.compat
    pdinfer.compat.install()      # before the application imports paddle
    import paddle                 # now pdinfer's stand-in
    from paddle import inference  # == pdinfer.inference

From the shell::

    python -m pdinfer.compat app.py [args...]
    python -m pdinfer.compat -m some.module [args...]

The stand-in ``paddle`` package carries only what inference applications use:
``paddle.inference``, ``paddle.__version__`` and a CPU-only ``paddle.device``. Anything
else raises an AttributeError that names the missing attribute. ``install()`` refuses
to replace a real ``paddle`` that is already imported unless ``force=True``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import runpy
import sys
import types

from . import inference as _inference
from ._core import version as _core_version

_SHIM_ATTR = "__pdinfer_compat__"


def _make_device_module() -> types.ModuleType:
    dev = types.ModuleType("paddle.device")
    dev.is_compiled_with_cuda = lambda: False
    dev.is_compiled_with_rocm = lambda: False
    dev.is_compiled_with_xpu = lambda: False
    dev.is_compiled_with_custom_device = lambda device_type=None: False
    dev.get_device = lambda: "cpu"
    dev.get_all_device_type = lambda: ["cpu"]
    dev.get_available_device = lambda: ["cpu"]

    def set_device(device: str):
        if not str(device).startswith("cpu"):
            from .errors import UnsupportedError

            raise UnsupportedError(f"paddle.device.set_device({device!r}): pdinfer runs on the CPU only")
        return "cpu"

    dev.set_device = set_device
    cuda = types.ModuleType("paddle.device.cuda")
    cuda.device_count = lambda: 0
    dev.cuda = cuda
    return dev


def _make_paddle_module() -> types.ModuleType:
    paddle = types.ModuleType("paddle")
    paddle.__doc__ = "pdinfer's stand-in for paddle (inference API only)"
    paddle.__version__ = "3.3.1"
    paddle.__path__ = []  # a package, so `import paddle.inference` resolves through sys.modules
    setattr(paddle, _SHIM_ATTR, _core_version())
    paddle.inference = _inference
    device = _make_device_module()
    paddle.device = device
    paddle.is_compiled_with_cuda = device.is_compiled_with_cuda
    paddle.is_compiled_with_rocm = device.is_compiled_with_rocm
    paddle.is_compiled_with_xpu = device.is_compiled_with_xpu
    paddle.get_device = device.get_device
    paddle.set_device = device.set_device

    def __getattr__(name):
        raise AttributeError(
            f"paddle.{name} is not available: this process runs pdinfer's inference-only "
            f"stand-in for paddle (pdinfer.compat)"
        )

    paddle.__getattr__ = __getattr__
    return paddle


class _BlockRealPaddle(importlib.abc.MetaPathFinder):
    """Keeps any paddle.* submodule we don't provide from being imported from disk."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "paddle" or fullname.startswith("paddle."):
            if fullname in sys.modules:
                return None
            raise ModuleNotFoundError(
                f"No module named {fullname!r} (pdinfer.compat provides only paddle.inference "
                f"and paddle.device)",
                name=fullname,
            )
        return None


_blocker = _BlockRealPaddle()


def is_installed() -> bool:
    mod = sys.modules.get("paddle")
    return mod is not None and hasattr(mod, _SHIM_ATTR)


def install(force: bool = False) -> types.ModuleType:
    """Make ``import paddle`` and ``from paddle import inference`` resolve to pdinfer."""
    if is_installed():
        return sys.modules["paddle"]
    existing = sys.modules.get("paddle")
    if existing is not None and not force:
        raise RuntimeError(
            "a real paddle is already imported; call pdinfer.compat.install() before it is "
            "imported, or pass force=True to replace it"
        )
    if force:
        for name in [m for m in sys.modules if m == "paddle" or m.startswith("paddle.")]:
            del sys.modules[name]
    paddle = _make_paddle_module()
    sys.modules["paddle"] = paddle
    sys.modules["paddle.inference"] = _inference
    sys.modules["paddle.device"] = paddle.device
    sys.modules["paddle.device.cuda"] = paddle.device.cuda
    if _blocker not in sys.meta_path:
        sys.meta_path.insert(0, _blocker)
    return paddle


def uninstall() -> None:
    """Undo install() (mainly for tests)."""
    if _blocker in sys.meta_path:
        sys.meta_path.remove(_blocker)
    if is_installed():
        for name in ("paddle", "paddle.inference", "paddle.device", "paddle.device.cuda"):
            sys.modules.pop(name, None)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m pdinfer.compat (script.py | -m module) [args...]")
        return 0 if argv else 2
    install()
    if argv[0] == "-m":
        if len(argv) < 2:
            print("python -m pdinfer.compat -m: a module name is required", file=sys.stderr)
            return 2
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv
        sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(argv[0])))
        runpy.run_path(argv[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
