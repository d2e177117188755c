// Package paddle is pdinfer's Go API: Paddle Inference's Go package (goapi), over
// pdinfer's C API (libpdinfer_c).
//
// Code written for Paddle's Go API compiles unchanged once its import path is changed:
//
//	import paddle "pdinfer/paddle"   // was github.com/paddlepaddle/paddle/paddle/fluid/inference/goapi
//
//	config := paddle.NewConfig()
//	config.SetModel("model.pdmodel", "model.pdiparams")
//	config.SetCpuMathLibraryNumThreads(4)
//	predictor := paddle.NewPredictor(config)
//	input := predictor.GetInputHandle(predictor.GetInputNames()[0])
//	input.Reshape([]int32{1, 3, 224, 224})
//	input.CopyFromCpu(data)
//	predictor.Run()
//	output := predictor.GetOutputHandle(predictor.GetOutputNames()[0])
//	out := make([]float32, numElements(output.Shape()))
//	output.CopyToCpu(out)
//
// Beyond Paddle's API:
//
//   - Errors are reachable. Paddle's calls return nothing and swallow failures; here every
//     Config, Predictor and Tensor records the outcome of its most recent call, read with
//     Err() (nil when that call succeeded). CreatePredictor returns (predictor, error).
//     A failed NewPredictor or GetInputHandle returns a usable placeholder whose Err()
//     holds the reason and whose methods do nothing (instead of crashing later).
//   - Explicit, idempotent Close() on Config, Predictor and Tensor frees the native object
//     at once; a finalizer remains only as a safety net. A Tensor handle stays valid after
//     its Predictor is closed.
//   - NewPredictor copies the Config, which stays usable (and must be closed or left to
//     the finalizer).
//   - CopyFromCpu/CopyToCpu check the slice length against the tensor's shape and the
//     element type against the tensor's type, and report mismatches instead of reading or
//     writing out of bounds; float64 and bool slices are supported too.
//
// Objects are not synchronized: use a Predictor (and its handles) from one goroutine at a
// time, and Clone() one per goroutine; clones share the weights.
//
// Building: the package finds the library with pkg-config (package "pdinfer"):
//
//	export PKG_CONFIG_PATH=$(python -m pdinfer --pkg-config-path)
//
// The link flags carry an rpath, so programs run without LD_LIBRARY_PATH. The sources of
// this package ship with the Python package: `python -m pdinfer --go-dir` prints the
// directory for a `replace pdinfer/paddle => DIR` line in go.mod.
package paddle

// #cgo pkg-config: pdinfer
import "C"
