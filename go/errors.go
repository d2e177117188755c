package paddle

// #include <stdlib.h>
// #include "pd_inference_api.h"
import "C"

import (
	"fmt"
	"runtime"
)

// ErrorCode is the category of an Error (the C API's PD_ErrorCode).
type ErrorCode int32

const (
	ErrInvalidModel    ErrorCode = C.PD_ERROR_INVALID_MODEL    // malformed or inconsistent model files
	ErrInvalidArgument ErrorCode = C.PD_ERROR_INVALID_ARGUMENT // wrong name, shape, type or call order
	ErrUnsupported     ErrorCode = C.PD_ERROR_UNSUPPORTED      // valid request this build cannot run
	ErrOutOfMemory     ErrorCode = C.PD_ERROR_OUT_OF_MEMORY
	ErrInternal        ErrorCode = C.PD_ERROR_INTERNAL
	ErrNotFound        ErrorCode = C.PD_ERROR_NOT_FOUND // a file or a named tensor does not exist
	// ErrClosed: the object was closed, or its creation failed (see the wrapped reason).
	ErrClosed ErrorCode = 100
)

func (c ErrorCode) String() string {
	switch c {
	case ErrInvalidModel:
		return "invalid model"
	case ErrInvalidArgument:
		return "invalid argument"
	case ErrUnsupported:
		return "unsupported"
	case ErrOutOfMemory:
		return "out of memory"
	case ErrInternal:
		return "internal error"
	case ErrNotFound:
		return "not found"
	case ErrClosed:
		return "closed"
	}
	return fmt.Sprintf("error %d", int32(c))
}

// Error is the error type of this package. Msg names the call, and the file, tensor,
// expected and actual values involved.
type Error struct {
	Code ErrorCode
	Msg  string
	// Cause: for ErrClosed on a placeholder object, the error that prevented its creation.
	Cause error
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the cause of an ErrClosed error (nil otherwise).
func (e *Error) Unwrap() error { return e.Cause }

func newError(code ErrorCode, format string, args ...interface{}) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// cgoCall runs fn, which must make exactly one C API call (the one whose outcome matters),
// and returns the error it recorded. The C library keeps the last error per OS thread, so
// the goroutine stays on its thread from the call until the error is read.
func cgoCall(fn func()) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	fn()
	if C.PD_GetLastErrorCode() == C.PD_ERROR_NONE {
		return nil
	}
	return &Error{Code: ErrorCode(C.PD_GetLastErrorCode()), Msg: C.GoString(C.PD_GetLastErrorMsg())}
}

func closedError(what string, cause error) error {
	if cause != nil {
		return &Error{Code: ErrClosed, Msg: fmt.Sprintf("%s is not usable: %v", what, cause), Cause: cause}
	}
	return &Error{Code: ErrClosed, Msg: what + " is closed"}
}
