"""Exception classes raised by pdinfer.

Every error from the native core is a :class:`PdinferError`; the subclass says what
went wrong, and each also derives from the closest built-in exception so existing
``except ValueError`` / ``except FileNotFoundError`` handlers keep working.
"""


class PdinferError(RuntimeError):
    """Base class of all pdinfer errors."""


class InvalidModelError(PdinferError, ValueError):
    """The model or parameter bytes are malformed or inconsistent."""


class InvalidArgumentError(PdinferError, ValueError):
    """A call got a wrong argument: shape, dtype, name or call order."""


class UnsupportedError(PdinferError, NotImplementedError):
    """Valid input that this build cannot run (an op, dtype or device)."""


class NotFoundError(PdinferError, FileNotFoundError):
    """A file or a named tensor does not exist."""


class OutOfMemoryError(PdinferError, MemoryError):
    """An allocation failed."""


class InternalError(PdinferError):
    """A bug in pdinfer; please report it with the model that triggers it."""


__all__ = [
    "PdinferError",
    "InvalidModelError",
    "InvalidArgumentError",
    "UnsupportedError",
    "NotFoundError",
    "OutOfMemoryError",
    "InternalError",
]
