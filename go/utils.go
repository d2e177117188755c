package paddle

// #include <stdlib.h>
// #include "pd_inference_api.h"
import "C"

import "unsafe"

// Version is pdinfer's version text (several lines; the first names the version).
func Version() string {
	return C.GoString(C.PD_GetVersion())
}

func cvtPDBoolToGo(b C.PD_Bool) bool { return b != 0 }

func cvtGoBoolToPD(b bool) C.PD_Bool {
	if b {
		return 1
	}
	return 0
}

// cStrings copies a Go string list into C memory; free releases it.
func cStrings(list []string) (ptr **C.char, free func()) {
	if len(list) == 0 {
		return nil, func() {}
	}
	mem := (**C.char)(C.malloc(C.size_t(len(list)) * C.size_t(unsafe.Sizeof(uintptr(0)))))
	arr := unsafe.Slice(mem, len(list))
	for i, s := range list {
		arr[i] = C.CString(s)
	}
	return &arr[0], func() {
		for _, p := range arr {
			C.free(unsafe.Pointer(p))
		}
		C.free(unsafe.Pointer(&arr[0]))
	}
}

// goStrings copies and destroys a PD_OneDimArrayCstr.
func goStrings(a *C.PD_OneDimArrayCstr) []string {
	if a == nil {
		return nil
	}
	defer C.PD_OneDimArrayCstrDestroy(a)
	out := make([]string, int(a.size))
	if a.size == 0 {
		return out
	}
	items := unsafe.Slice(a.data, int(a.size))
	for i, p := range items {
		out[i] = C.GoString(p)
	}
	return out
}

func numElements(shape []int32) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}
