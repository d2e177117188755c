package paddle

// #include <stdlib.h>
// #include "pd_inference_api.h"
import "C"

import (
	"fmt"
	"reflect"
	"runtime"
	"unsafe"
)

// DataType is a tensor element type (Paddle's PD_DataType).
type DataType C.PD_DataType

const (
	Unk     DataType = C.PD_DATA_UNK
	Float32 DataType = C.PD_DATA_FLOAT32
	Int32   DataType = C.PD_DATA_INT32
	Int64   DataType = C.PD_DATA_INT64
	Uint8   DataType = C.PD_DATA_UINT8
	Int8    DataType = C.PD_DATA_INT8
	Float16 DataType = C.PD_DATA_FLOAT16 // pdinfer extension: reported, not copyable
	Bool    DataType = C.PD_DATA_BOOL    // pdinfer extension: []bool
	Float64 DataType = C.PD_DATA_FLOAT64 // pdinfer extension: []float64
)

func (d DataType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Int32:
		return "int32"
	case Int64:
		return "int64"
	case Uint8:
		return "uint8"
	case Int8:
		return "int8"
	case Float16:
		return "float16"
	case Bool:
		return "bool"
	case Float64:
		return "float64"
	}
	return "unknown"
}

// PlaceType is a device kind (Paddle's PD_PlaceType). This build runs on the CPU.
type PlaceType C.PD_PlaceType

const (
	UnkPlace    PlaceType = C.PD_PLACE_UNK
	CpuPlace    PlaceType = C.PD_PLACE_CPU
	GpuPlace    PlaceType = C.PD_PLACE_GPU
	XpuPlace    PlaceType = C.PD_PLACE_XPU
	CustomPlace PlaceType = C.PD_PLACE_CUSTOM
)

// Tensor is a handle on one input or output of a Predictor. It stays valid after the
// Predictor is closed. Close it when done (a finalizer does it otherwise).
type Tensor struct {
	c    *C.PD_Tensor
	err  error
	gone error
}

// Close frees the handle (not the data, which belongs to the predictor). Safe to call
// more than once.
func (t *Tensor) Close() {
	if t.c != nil {
		C.PD_TensorDestroy(t.c)
		t.c = nil
		t.gone = closedError("Tensor", nil)
		runtime.SetFinalizer(t, nil)
	}
}

// Err reports the outcome of the most recent call on the handle: nil if it succeeded.
func (t *Tensor) Err() error { return t.err }

func (t *Tensor) do(fn func(c *C.PD_Tensor)) bool {
	if t.c == nil {
		t.err = t.gone
		return false
	}
	c := t.c
	t.err = cgoCall(func() { fn(c) })
	runtime.KeepAlive(t)
	return t.err == nil
}

// Reshape sets the shape of the next CopyFromCpu (inputs only). Needed when the model
// declares dynamic dims.
func (t *Tensor) Reshape(shape []int32) {
	var p *C.int32_t
	if len(shape) > 0 {
		p = (*C.int32_t)(unsafe.Pointer(&shape[0]))
	}
	t.do(func(c *C.PD_Tensor) { C.PD_TensorReshape(c, C.size_t(len(shape)), p) })
	runtime.KeepAlive(shape)
}

// Shape is the current shape: an output's computed shape after Run (before: the declared
// one, -1 = dynamic); an input's last Reshape or fed shape.
func (t *Tensor) Shape() []int32 {
	var r *C.PD_OneDimArrayInt32
	t.do(func(c *C.PD_Tensor) { r = C.PD_TensorGetShape(c) })
	if r == nil {
		return nil
	}
	defer C.PD_OneDimArrayInt32Destroy(r)
	out := make([]int32, int(r.size))
	if r.size > 0 {
		for i, v := range unsafe.Slice(r.data, int(r.size)) {
			out[i] = int32(v)
		}
	}
	return out
}

// SetLod sets the LoD (sequence offsets) of an input.
func (t *Tensor) SetLod(lod [][]uint) {
	// Build the C structure in C memory (cgo forbids Go memory holding Go pointers).
	n := len(lod)
	top := (*C.PD_TwoDimArraySize)(C.malloc(C.size_t(unsafe.Sizeof(C.PD_TwoDimArraySize{}))))
	defer C.free(unsafe.Pointer(top))
	top.size = C.size_t(n)
	top.data = nil
	if n > 0 {
		rows := (**C.PD_OneDimArraySize)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(uintptr(0)))))
		defer C.free(unsafe.Pointer(rows))
		rowSlice := unsafe.Slice(rows, n)
		for i, level := range lod {
			row := (*C.PD_OneDimArraySize)(C.malloc(C.size_t(unsafe.Sizeof(C.PD_OneDimArraySize{}))))
			defer C.free(unsafe.Pointer(row))
			row.size = C.size_t(len(level))
			row.data = nil
			if len(level) > 0 {
				vals := (*C.size_t)(C.malloc(C.size_t(len(level)) * C.size_t(unsafe.Sizeof(C.size_t(0)))))
				defer C.free(unsafe.Pointer(vals))
				for j, v := range level {
					unsafe.Slice(vals, len(level))[j] = C.size_t(v)
				}
				row.data = vals
			}
			rowSlice[i] = row
		}
		top.data = rows
	}
	t.do(func(c *C.PD_Tensor) { C.PD_TensorSetLod(c, top) })
}

// Lod returns the LoD of the tensor.
func (t *Tensor) Lod() [][]uint {
	var r *C.PD_TwoDimArraySize
	t.do(func(c *C.PD_Tensor) { r = C.PD_TensorGetLod(c) })
	if r == nil {
		return nil
	}
	defer C.PD_TwoDimArraySizeDestroy(r)
	out := make([][]uint, int(r.size))
	if r.size == 0 {
		return out
	}
	for i, row := range unsafe.Slice(r.data, int(r.size)) {
		out[i] = make([]uint, int(row.size))
		if row.size > 0 {
			for j, v := range unsafe.Slice(row.data, int(row.size)) {
				out[i][j] = uint(v)
			}
		}
	}
	return out
}

// Type is the element type (of the fed data or computed output; before that, declared).
func (t *Tensor) Type() DataType {
	r := C.PD_DataType(C.PD_DATA_UNK)
	t.do(func(c *C.PD_Tensor) { r = C.PD_TensorGetDataType(c) })
	return DataType(r)
}

// Name is the input/output name.
func (t *Tensor) Name() string {
	var r *C.char
	t.do(func(c *C.PD_Tensor) { r = C.PD_TensorGetName(c) })
	if r == nil {
		return ""
	}
	return C.GoString(r)
}

// sliceInfo returns the element type, length and data pointer of a supported flat slice.
func sliceInfo(value interface{}) (DataType, int, unsafe.Pointer, error) {
	switch v := value.(type) {
	case []float32:
		if len(v) > 0 {
			return Float32, len(v), unsafe.Pointer(&v[0]), nil
		}
		return Float32, 0, nil, nil
	case []int32:
		if len(v) > 0 {
			return Int32, len(v), unsafe.Pointer(&v[0]), nil
		}
		return Int32, 0, nil, nil
	case []int64:
		if len(v) > 0 {
			return Int64, len(v), unsafe.Pointer(&v[0]), nil
		}
		return Int64, 0, nil, nil
	case []uint8:
		if len(v) > 0 {
			return Uint8, len(v), unsafe.Pointer(&v[0]), nil
		}
		return Uint8, 0, nil, nil
	case []int8:
		if len(v) > 0 {
			return Int8, len(v), unsafe.Pointer(&v[0]), nil
		}
		return Int8, 0, nil, nil
	case []float64:
		if len(v) > 0 {
			return Float64, len(v), unsafe.Pointer(&v[0]), nil
		}
		return Float64, 0, nil, nil
	case []bool:
		if len(v) > 0 {
			return Bool, len(v), unsafe.Pointer(&v[0]), nil
		}
		return Bool, 0, nil, nil
	}
	return Unk, 0, nil, newError(ErrInvalidArgument,
		"unsupported value of type %T: use a flat slice of float32, int32, int64, uint8, int8, float64 or bool", value)
}

// knownElements is numel(shape), or -1 while a dim is still unknown (-1).
func knownElements(shape []int32) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return -1
		}
		n *= int(d)
	}
	return n
}

// CopyFromCpu copies a flat slice ([]float32, []int32, []int64, []uint8, []int8,
// []float64 or []bool) into the input; its length must equal the element count of the
// shape set with Reshape (or the declared shape).
func (t *Tensor) CopyFromCpu(value interface{}) {
	if t.c == nil {
		t.err = t.gone
		return
	}
	dt, n, p, err := sliceInfo(value)
	if err != nil {
		t.err = err
		return
	}
	if want := knownElements(t.Shape()); t.err == nil && want >= 0 && want != n {
		t.err = newError(ErrInvalidArgument, "CopyFromCpu: input '%s' has shape %v (%d elements) but the slice has %d",
			t.Name(), t.Shape(), want, n)
		return
	}
	t.do(func(c *C.PD_Tensor) {
		switch dt {
		case Float32:
			C.PD_TensorCopyFromCpuFloat(c, (*C.float)(p))
		case Int32:
			C.PD_TensorCopyFromCpuInt32(c, (*C.int32_t)(p))
		case Int64:
			C.PD_TensorCopyFromCpuInt64(c, (*C.int64_t)(p))
		case Uint8:
			C.PD_TensorCopyFromCpuUint8(c, (*C.uint8_t)(p))
		case Int8:
			C.PD_TensorCopyFromCpuInt8(c, (*C.int8_t)(p))
		case Float64:
			C.PD_TensorCopyFromCpuDouble(c, (*C.double)(p))
		case Bool:
			C.PD_TensorCopyFromCpuBool(c, (*C.PD_Bool)(p))
		}
	})
	runtime.KeepAlive(value)
}

// CopyToCpu copies the tensor into a flat slice of its element type holding at least
// numElements(Shape()) elements; a shorter slice or another element type is an error.
func (t *Tensor) CopyToCpu(value interface{}) {
	if t.c == nil {
		t.err = t.gone
		return
	}
	dt, n, p, err := sliceInfo(value)
	if err != nil {
		t.err = err
		return
	}
	shape := t.Shape()
	if t.err != nil {
		return
	}
	if have := t.Type(); t.err == nil && have != dt {
		t.err = newError(ErrInvalidArgument, "CopyToCpu: '%s' holds %v data, the slice is %T", t.Name(), have, value)
		return
	}
	if want := knownElements(shape); want > n {
		t.err = newError(ErrInvalidArgument, "CopyToCpu: '%s' has shape %v (%d elements) but the slice holds only %d",
			t.Name(), shape, want, n)
		return
	}
	t.do(func(c *C.PD_Tensor) {
		switch dt {
		case Float32:
			C.PD_TensorCopyToCpuFloat(c, (*C.float)(p))
		case Int32:
			C.PD_TensorCopyToCpuInt32(c, (*C.int32_t)(p))
		case Int64:
			C.PD_TensorCopyToCpuInt64(c, (*C.int64_t)(p))
		case Uint8:
			C.PD_TensorCopyToCpuUint8(c, (*C.uint8_t)(p))
		case Int8:
			C.PD_TensorCopyToCpuInt8(c, (*C.int8_t)(p))
		case Float64:
			C.PD_TensorCopyToCpuDouble(c, (*C.double)(p))
		case Bool:
			C.PD_TensorCopyToCpuBool(c, (*C.PD_Bool)(p))
		}
	})
	runtime.KeepAlive(value)
}

var elemTypes = map[DataType]reflect.Type{
	Float32: reflect.TypeOf(float32(0)),
	Int32:   reflect.TypeOf(int32(0)),
	Int64:   reflect.TypeOf(int64(0)),
	Uint8:   reflect.TypeOf(uint8(0)),
	Int8:    reflect.TypeOf(int8(0)),
	Float64: reflect.TypeOf(float64(0)),
	Bool:    reflect.TypeOf(false),
}

// OneDimData returns a copy of the data as a flat slice of the element type
// ([]float32, []int64, ...), or nil on error (see Err()).
func (t *Tensor) OneDimData() interface{} {
	dt := t.Type()
	if t.err != nil {
		return nil
	}
	shape := t.Shape()
	if t.err != nil {
		return nil
	}
	elem, ok := elemTypes[dt]
	n := knownElements(shape)
	if !ok || n < 0 {
		t.err = newError(ErrInvalidArgument, "OneDimData: '%s' has type %v and shape %v", t.Name(), dt, shape)
		return nil
	}
	out := reflect.MakeSlice(reflect.SliceOf(elem), n, n).Interface()
	t.CopyToCpu(out)
	if t.err != nil {
		return nil
	}
	return out
}

// Data returns a copy of the data as nested slices following the shape (e.g. [][]float32
// for a 2-D float32 tensor; the element itself for a 0-D tensor), or nil on error.
func (t *Tensor) Data() interface{} {
	flat := t.OneDimData()
	if flat == nil {
		return nil
	}
	shape := t.Shape()
	v := reflect.ValueOf(flat)
	if len(shape) == 0 {
		if v.Len() == 0 {
			return nil
		}
		return v.Index(0).Interface()
	}
	return nest(v, shape).Interface()
}

// nest splits a flat slice into nested slices of the given shape (sharing its memory).
func nest(flat reflect.Value, shape []int32) reflect.Value {
	if len(shape) == 1 {
		return flat
	}
	inner := 1
	for _, d := range shape[1:] {
		inner *= int(d)
	}
	typ := flat.Type()
	for range shape[1:] {
		typ = reflect.SliceOf(typ)
	}
	out := reflect.MakeSlice(typ, int(shape[0]), int(shape[0]))
	for i := 0; i < int(shape[0]); i++ {
		out.Index(i).Set(nest(flat.Slice(i*inner, (i+1)*inner), shape[1:]))
	}
	return out
}

// String describes the handle, e.g. `Tensor("x", float32, [1 3 224 224])`.
func (t *Tensor) String() string {
	if t.c == nil {
		return "Tensor(closed)"
	}
	saved := t.err // describing the handle must not change what Err() reports
	s := fmt.Sprintf("Tensor(%q, %v, %v)", t.Name(), t.Type(), t.Shape())
	t.err = saved
	return s
}
