package paddle

// #include <stdlib.h>
// #include "pd_inference_api.h"
import "C"

import (
	"runtime"
	"sort"
	"unsafe"
)

// Precision is the computation precision of an engine (Paddle's PD_PrecisionType).
type Precision C.PD_PrecisionType

const (
	PrecisionFloat32 Precision = C.PD_PRECISION_FLOAT32
	PrecisionInt8    Precision = C.PD_PRECISION_INT8
	PrecisionHalf    Precision = C.PD_PRECISION_HALF
	PrecisionBf16    Precision = C.PD_PRECISION_BF16 // pdinfer extension
)

// Config holds the model location and run-time options.
//
// Hardware this build lacks (GPU, XPU, TensorRT, Lite, ...): the Enable* call leaves the
// Config on the CPU and Err() reports ErrUnsupported, so Paddle code that enables a GPU
// still runs (on the CPU).
type Config struct {
	c    *C.PD_Config
	err  error
	gone error
}

// NewConfig creates an empty Config. Close it when done (a finalizer does it otherwise).
func NewConfig() *Config {
	config := &Config{c: C.PD_ConfigCreate()}
	runtime.SetFinalizer(config, (*Config).Close)
	return config
}

// Close frees the native config. Safe to call more than once.
func (config *Config) Close() {
	if config.c != nil {
		C.PD_ConfigDestroy(config.c)
		config.c = nil
		config.gone = closedError("Config", nil)
		runtime.SetFinalizer(config, nil)
	}
}

// Err reports the outcome of the most recent call on the config: nil if it succeeded.
func (config *Config) Err() error { return config.err }

// do runs one C call on the config and records its outcome.
func (config *Config) do(fn func(c *C.PD_Config)) bool {
	if config.c == nil {
		config.err = config.gone
		if config.err == nil {
			config.err = closedError("Config", nil)
		}
		return false
	}
	c := config.c
	config.err = cgoCall(func() { fn(c) })
	runtime.KeepAlive(config)
	return config.err == nil
}

func (config *Config) boolOf(fn func(c *C.PD_Config) C.PD_Bool) bool {
	var r C.PD_Bool
	config.do(func(c *C.PD_Config) { r = fn(c) })
	return r != 0
}

func (config *Config) int32Of(fn func(c *C.PD_Config) C.int32_t) int32 {
	var r C.int32_t
	config.do(func(c *C.PD_Config) { r = fn(c) })
	return int32(r)
}

func (config *Config) withString(s string, fn func(c *C.PD_Config, s *C.char)) {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	config.do(func(c *C.PD_Config) { fn(c, cs) })
}

func (config *Config) withStrings(list []string, fn func(c *C.PD_Config, n C.size_t, p **C.char)) {
	p, free := cStrings(list)
	defer free()
	config.do(func(c *C.PD_Config) { fn(c, C.size_t(len(list)), p) })
}

func (config *Config) stringOf(fn func(c *C.PD_Config) *C.char) string {
	var r *C.char
	config.do(func(c *C.PD_Config) { r = fn(c) })
	if r == nil {
		return ""
	}
	return C.GoString(r)
}

// ---- model ----------------------------------------------------------------------

// SetModel sets the program file and the params file of a combined model (or a model
// directory and a model prefix).
func (config *Config) SetModel(model, params string) {
	cm, cp := C.CString(model), C.CString(params)
	defer C.free(unsafe.Pointer(cm))
	defer C.free(unsafe.Pointer(cp))
	config.do(func(c *C.PD_Config) { C.PD_ConfigSetModel(c, cm, cp) })
}

// SetModelDir sets a model directory (`__model__` or `inference.pdmodel` plus params).
func (config *Config) SetModelDir(modelDir string) {
	config.withString(modelDir, func(c *C.PD_Config, s *C.char) { C.PD_ConfigSetModelDir(c, s) })
}

func (config *Config) SetProgFile(model string) {
	config.withString(model, func(c *C.PD_Config, s *C.char) { C.PD_ConfigSetProgFile(c, s) })
}

func (config *Config) SetParamsFile(params string) {
	config.withString(params, func(c *C.PD_Config, s *C.char) { C.PD_ConfigSetParamsFile(c, s) })
}

func (config *Config) SetOptimCacheDir(cacheDir string) {
	config.withString(cacheDir, func(c *C.PD_Config, s *C.char) { C.PD_ConfigSetOptimCacheDir(c, s) })
}

func (config *Config) ModelDir() string {
	return config.stringOf(func(c *C.PD_Config) *C.char { return C.PD_ConfigGetModelDir(c) })
}

func (config *Config) ProgFile() string {
	return config.stringOf(func(c *C.PD_Config) *C.char { return C.PD_ConfigGetProgFile(c) })
}

func (config *Config) ParamsFile() string {
	return config.stringOf(func(c *C.PD_Config) *C.char { return C.PD_ConfigGetParamsFile(c) })
}

// SetModelBuffer loads the model from memory (the bytes are copied).
func (config *Config) SetModelBuffer(prog, params string) {
	cProg, cParams := C.CBytes([]byte(prog)), C.CBytes([]byte(params))
	defer C.free(cProg)
	defer C.free(cParams)
	config.do(func(c *C.PD_Config) {
		C.PD_ConfigSetModelBuffer(c, (*C.char)(cProg), C.size_t(len(prog)), (*C.char)(cParams), C.size_t(len(params)))
	})
}

func (config *Config) ModelFromMemory() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigModelFromMemory(c) })
}

// ---- CPU --------------------------------------------------------------------------

func (config *Config) DisableFCPadding() {
	config.do(func(c *C.PD_Config) { C.PD_ConfigDisableFCPadding(c) })
}

func (config *Config) UseFcPadding() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigUseFcPadding(c) })
}

func (config *Config) EnableMKLDNN() { config.do(func(c *C.PD_Config) { C.PD_ConfigEnableMKLDNN(c) }) }

func (config *Config) SetMkldnnCacheCapacity(capacity int32) {
	config.do(func(c *C.PD_Config) { C.PD_ConfigSetMkldnnCacheCapacity(c, C.int32_t(capacity)) })
}

func (config *Config) MkldnnEnabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigMkldnnEnabled(c) })
}

// SetCpuMathLibraryNumThreads sets the threads of the predictor's CPU pool (>= 1). An
// invalid count makes NewPredictor fail.
func (config *Config) SetCpuMathLibraryNumThreads(mathThreadsNum int) {
	config.do(func(c *C.PD_Config) { C.PD_ConfigSetCpuMathLibraryNumThreads(c, C.int32_t(mathThreadsNum)) })
}

func (config *Config) CpuMathLibraryNumThreads() int32 {
	return config.int32Of(func(c *C.PD_Config) C.int32_t { return C.PD_ConfigGetCpuMathLibraryNumThreads(c) })
}

func (config *Config) SetMKLDNNOp(opList []string) {
	config.withStrings(opList, func(c *C.PD_Config, n C.size_t, p **C.char) { C.PD_ConfigSetMkldnnOp(c, n, p) })
}

func (config *Config) EnableMkldnnQuantizer() {
	config.do(func(c *C.PD_Config) { C.PD_ConfigEnableMkldnnQuantizer(c) })
}

func (config *Config) MkldnnQuantizerEnabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigMkldnnQuantizerEnabled(c) })
}

func (config *Config) EnableMkldnnBfloat16() {
	config.do(func(c *C.PD_Config) { C.PD_ConfigEnableMkldnnBfloat16(c) })
}

func (config *Config) MkldnnBfloat16Enabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigMkldnnBfloat16Enabled(c) })
}

func (config *Config) SetBfloat16Op(opList []string) {
	config.withStrings(opList, func(c *C.PD_Config, n C.size_t, p **C.char) { C.PD_ConfigSetBfloat16Op(c, n, p) })
}

func (config *Config) EnableMkldnnInt8() {
	config.do(func(c *C.PD_Config) { C.PD_ConfigEnableMkldnnInt8(c) })
}

func (config *Config) MkldnnInt8Enabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigMkldnnInt8Enabled(c) })
}

func (config *Config) EnableONNXRuntime() {
	config.do(func(c *C.PD_Config) { C.PD_ConfigEnableONNXRuntime(c) })
}

func (config *Config) DisableONNXRuntime() {
	config.do(func(c *C.PD_Config) { C.PD_ConfigDisableONNXRuntime(c) })
}

func (config *Config) ONNXRuntimeEnabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigONNXRuntimeEnabled(c) })
}

func (config *Config) EnableORTOptimization() {
	config.do(func(c *C.PD_Config) { C.PD_ConfigEnableORTOptimization(c) })
}

// ---- GPU and other devices (not in this build) ---------------------------------------

// EnableUseGpu runs the predictor on CUDA device deviceId. Where no GPU is usable (no
// CUDA backend in the build, no driver, no device) the config stays on the CPU and Err()
// says so.
func (config *Config) EnableUseGpu(memorySize uint64, deviceId int32) {
	config.do(func(c *C.PD_Config) {
		C.PD_ConfigEnableUseGpu(c, C.uint64_t(memorySize), C.int32_t(deviceId), C.PD_PRECISION_FLOAT32)
	})
}

func (config *Config) DisableGpu() { config.do(func(c *C.PD_Config) { C.PD_ConfigDisableGpu(c) }) }

func (config *Config) UseGpu() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigUseGpu(c) })
}

func (config *Config) GpuDeviceId() int32 {
	return config.int32Of(func(c *C.PD_Config) C.int32_t { return C.PD_ConfigGpuDeviceId(c) })
}

func (config *Config) MemoryPoolInitSizeMb() int32 {
	return config.int32Of(func(c *C.PD_Config) C.int32_t { return C.PD_ConfigMemoryPoolInitSizeMb(c) })
}

func (config *Config) FractionOfGpuMemoryForPool() float32 {
	var r C.float
	config.do(func(c *C.PD_Config) { r = C.PD_ConfigFractionOfGpuMemoryForPool(c) })
	return float32(r)
}

func (config *Config) EnableGpuMultiStream() {
	config.do(func(c *C.PD_Config) { C.PD_ConfigEnableGpuMultiStream(c) })
}

func (config *Config) ThreadLocalStreamEnabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigThreadLocalStreamEnabled(c) })
}

// EnableXpu: this build has no XPU support; the config stays on the CPU and Err() says so.
func (config *Config) EnableXpu(l3WorkspaceSize int32, locked bool, autotune bool, autotuneFile string, precision string, adaptiveSeqlen bool) {
	cFile, cPrec := C.CString(autotuneFile), C.CString(precision)
	defer C.free(unsafe.Pointer(cFile))
	defer C.free(unsafe.Pointer(cPrec))
	config.do(func(c *C.PD_Config) {
		C.PD_ConfigEnableXpu(c, C.int32_t(l3WorkspaceSize), cvtGoBoolToPD(locked), cvtGoBoolToPD(autotune),
			cFile, cPrec, cvtGoBoolToPD(adaptiveSeqlen), 0)
	})
}

func (config *Config) UseXpu() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigUseXpu(c) })
}

func (config *Config) XpuDeviceId() int32 {
	return config.int32Of(func(c *C.PD_Config) C.int32_t { return C.PD_ConfigXpuDeviceId(c) })
}

func (config *Config) EnableNpu(deviceId int32) {
	config.do(func(c *C.PD_Config) { C.PD_ConfigEnableNpu(c, C.int32_t(deviceId)) })
}

func (config *Config) UseNpu() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigUseNpu(c) })
}

func (config *Config) NpuDeviceId() int32 {
	return config.int32Of(func(c *C.PD_Config) C.int32_t { return C.PD_ConfigNpuDeviceId(c) })
}

// ---- TensorRT / Lite (not in this build) -------------------------------------------

func (config *Config) EnableTensorRtEngine(workspaceSize int32, maxBatchSize int32, minSubgraphSize int32,
	precision Precision, useStatic bool, useCalibMode bool) {
	config.do(func(c *C.PD_Config) {
		C.PD_ConfigEnableTensorRtEngine(c, C.int64_t(workspaceSize), C.int32_t(maxBatchSize), C.int32_t(minSubgraphSize),
			C.PD_PrecisionType(precision), cvtGoBoolToPD(useStatic), cvtGoBoolToPD(useCalibMode))
	})
}

func (config *Config) TensorRtEngineEnabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigTensorRtEngineEnabled(c) })
}

// SetTRTDynamicShapeInfo records TensorRT shape ranges (no effect in this build).
func (config *Config) SetTRTDynamicShapeInfo(minInputShape map[string][]int32, maxInputShape map[string][]int32,
	optimInputShape map[string][]int32, disableTrtPluginFp16 bool) {
	names := make([]string, 0, len(minInputShape))
	for n := range minInputShape {
		names = append(names, n)
	}
	sort.Strings(names)
	cNames, freeNames := cStrings(names)
	defer freeNames()
	n := len(names)
	if n == 0 {
		config.do(func(c *C.PD_Config) {
			C.PD_ConfigSetTrtDynamicShapeInfo(c, 0, nil, nil, nil, nil, nil, cvtGoBoolToPD(disableTrtPluginFp16))
		})
		return
	}
	// All arrays live in C memory: cgo forbids passing Go memory that holds Go pointers.
	ptrSize := C.size_t(unsafe.Sizeof(uintptr(0)))
	nums := (*C.size_t)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(C.size_t(0)))))
	defer C.free(unsafe.Pointer(nums))
	tables := [3]**C.int32_t{}
	for k := range tables {
		tables[k] = (**C.int32_t)(C.malloc(C.size_t(n) * ptrSize))
		defer C.free(unsafe.Pointer(tables[k]))
	}
	numSlice := unsafe.Slice(nums, n)
	for k, m := range []map[string][]int32{minInputShape, maxInputShape, optimInputShape} {
		rows := unsafe.Slice(tables[k], n)
		for i, name := range names {
			dims := m[name]
			numSlice[i] = C.size_t(len(minInputShape[name]))
			row := (*C.int32_t)(C.malloc(C.size_t(len(minInputShape[name])+1) * 4))
			defer C.free(unsafe.Pointer(row))
			vals := unsafe.Slice(row, len(minInputShape[name])+1)
			for j := range minInputShape[name] {
				if j < len(dims) {
					vals[j] = C.int32_t(dims[j])
				}
			}
			rows[i] = row
		}
	}
	config.do(func(c *C.PD_Config) {
		C.PD_ConfigSetTrtDynamicShapeInfo(c, C.size_t(n), cNames, nums, tables[0], tables[1], tables[2],
			cvtGoBoolToPD(disableTrtPluginFp16))
	})
}

func (config *Config) TensorRtDynamicShapeEnabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigTensorRtDynamicShapeEnabled(c) })
}

func (config *Config) EnableTunedTensorRtDynamicShape(shapeRangeInfoPath string, allowBuildAtRuntime bool) {
	config.withString(shapeRangeInfoPath, func(c *C.PD_Config, s *C.char) {
		C.PD_ConfigEnableTunedTensorRtDynamicShape(c, s, cvtGoBoolToPD(allowBuildAtRuntime))
	})
}

func (config *Config) TunedTensorRtDynamicShape() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigTunedTensorRtDynamicShape(c) })
}

func (config *Config) TrtAllowBuildAtRuntime() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigTrtAllowBuildAtRuntime(c) })
}

func (config *Config) CollectShapeRangeInfo(shapeRangeInfoPath string) {
	config.withString(shapeRangeInfoPath, func(c *C.PD_Config, s *C.char) { C.PD_ConfigCollectShapeRangeInfo(c, s) })
}

func (config *Config) ShapeRangeInfoPath() string {
	var r *C.char
	config.do(func(c *C.PD_Config) { r = C.PD_ConfigShapeRangeInfoPath(c) })
	if r == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(r))
	return C.GoString(r)
}

func (config *Config) ShapeRangeInfoCollected() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigShapeRangeInfoCollected(c) })
}

func (config *Config) DisableTensorRtOPs(ops []string) {
	config.withStrings(ops, func(c *C.PD_Config, n C.size_t, p **C.char) { C.PD_ConfigDisableTensorRtOPs(c, n, p) })
}

func (config *Config) EnableTensorRtOSS() {
	config.do(func(c *C.PD_Config) { C.PD_ConfigEnableTensorRtOSS(c) })
}

func (config *Config) TensorrtOssEnabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigTensorRtOssEnabled(c) })
}

func (config *Config) EnableTensorRtDLA(dlaCore int32) {
	config.do(func(c *C.PD_Config) { C.PD_ConfigEnableTensorRtDla(c, C.int32_t(dlaCore)) })
}

func (config *Config) TensorrtDlaEnabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigTensorRtDlaEnabled(c) })
}

func (config *Config) EnableLiteEngine(precision Precision, zeroCopy bool, passesFilter []string, opsFilter []string) {
	cPasses, freePasses := cStrings(passesFilter)
	defer freePasses()
	cOps, freeOps := cStrings(opsFilter)
	defer freeOps()
	config.do(func(c *C.PD_Config) {
		C.PD_ConfigEnableLiteEngine(c, C.PD_PrecisionType(precision), cvtGoBoolToPD(zeroCopy),
			C.size_t(len(passesFilter)), cPasses, C.size_t(len(opsFilter)), cOps)
	})
}

func (config *Config) LiteEngineEnabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigLiteEngineEnabled(c) })
}

// ---- optimization, debugging, misc -----------------------------------------------------

func (config *Config) SwitchIrOptim(x bool) {
	config.do(func(c *C.PD_Config) { C.PD_ConfigSwitchIrOptim(c, cvtGoBoolToPD(x)) })
}

func (config *Config) IrOptim() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigIrOptim(c) })
}

func (config *Config) SwitchIrDebug(x bool) {
	config.do(func(c *C.PD_Config) { C.PD_ConfigSwitchIrDebug(c, cvtGoBoolToPD(x)) })
}

func (config *Config) EnableMemoryOptim(x bool) {
	config.do(func(c *C.PD_Config) { C.PD_ConfigEnableMemoryOptim(c, cvtGoBoolToPD(x)) })
}

func (config *Config) MemoryOptimEnabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigMemoryOptimEnabled(c) })
}

func (config *Config) EnableProfile() {
	config.do(func(c *C.PD_Config) { C.PD_ConfigEnableProfile(c) })
}

func (config *Config) ProfileEnabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigProfileEnabled(c) })
}

func (config *Config) DisableGlogInfo() {
	config.do(func(c *C.PD_Config) { C.PD_ConfigDisableGlogInfo(c) })
}

func (config *Config) GlogInfoDisabled() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigGlogInfoDisabled(c) })
}

func (config *Config) IsValid() bool {
	return config.boolOf(func(c *C.PD_Config) C.PD_Bool { return C.PD_ConfigIsValid(c) })
}

// DeletePass disables the optimization pass of that name.
func (config *Config) DeletePass(pass string) {
	config.withString(pass, func(c *C.PD_Config, s *C.char) { C.PD_ConfigDeletePass(c, s) })
}

func (config *Config) AppendPass(pass string) {
	config.withString(pass, func(c *C.PD_Config, s *C.char) { C.PD_ConfigAppendPass(c, s) })
}

func (config *Config) InsertPass(idx uint64, pass string) {
	config.withString(pass, func(c *C.PD_Config, s *C.char) { C.PD_ConfigInsertPass(c, C.size_t(idx), s) })
}

func (config *Config) AllPasses() []string {
	var r *C.PD_OneDimArrayCstr
	config.do(func(c *C.PD_Config) { r = C.PD_ConfigAllPasses(c) })
	return goStrings(r)
}

// Summary is an ASCII table of the options.
func (config *Config) Summary() string {
	var r *C.PD_Cstr
	config.do(func(c *C.PD_Config) { r = C.PD_ConfigSummary(c) })
	if r == nil {
		return ""
	}
	defer C.PD_CstrDestroy(r)
	if r.data == nil {
		return ""
	}
	return C.GoString(r.data)
}
