package paddle

// #include <stdlib.h>
// #include "pd_inference_api.h"
import "C"

import (
	"runtime"
	"unsafe"
)

// Predictor runs one loaded model. Use it from one goroutine at a time; Clone() it for
// others (clones share the weights).
type Predictor struct {
	c    *C.PD_Predictor
	err  error
	gone error
}

// CreatePredictor loads the model described by config (which is copied and stays
// usable). It returns the reason when loading fails: a missing file (ErrNotFound),
// malformed model bytes (ErrInvalidModel), a bad option (ErrInvalidArgument).
func CreatePredictor(config *Config) (*Predictor, error) {
	if config == nil {
		return nil, newError(ErrInvalidArgument, "CreatePredictor: config is nil")
	}
	if config.c == nil {
		return nil, closedError("Config", nil)
	}
	var cp *C.PD_Predictor
	c := config.c
	err := cgoCall(func() {
		// PD_PredictorCreate takes its config: hand it a copy.
		cp = C.PD_PredictorCreate(C.PD_ConfigClone(c))
	})
	runtime.KeepAlive(config)
	if cp == nil {
		if err == nil {
			err = newError(ErrInternal, "CreatePredictor: the predictor could not be created")
		}
		return nil, err
	}
	return newPredictor(cp), nil
}

func newPredictor(cp *C.PD_Predictor) *Predictor {
	p := &Predictor{c: cp}
	runtime.SetFinalizer(p, (*Predictor).Close)
	return p
}

// NewPredictor loads the model described by config (which is copied and stays usable).
// It never returns nil: when loading fails, the returned placeholder's Err() holds the
// reason and its methods do nothing. CreatePredictor returns the error directly.
func NewPredictor(config *Config) *Predictor {
	p, err := CreatePredictor(config)
	if err != nil {
		return &Predictor{err: err, gone: closedError("Predictor", err)}
	}
	return p
}

// Close frees the native predictor. Safe to call more than once; its Tensor handles stay
// valid.
func (p *Predictor) Close() {
	if p.c != nil {
		C.PD_PredictorDestroy(p.c)
		p.c = nil
		p.gone = closedError("Predictor", nil)
		runtime.SetFinalizer(p, nil)
	}
}

// Err reports the outcome of the most recent call on the predictor: nil if it succeeded.
func (p *Predictor) Err() error { return p.err }

func (p *Predictor) do(fn func(c *C.PD_Predictor)) bool {
	if p.c == nil {
		p.err = p.gone
		return false
	}
	c := p.c
	p.err = cgoCall(func() { fn(c) })
	runtime.KeepAlive(p)
	return p.err == nil
}

// Clone returns a predictor sharing this one's weights, with its own state. On failure
// it returns a placeholder whose Err() holds the reason (as does p.Err()).
func (p *Predictor) Clone() *Predictor {
	var cp *C.PD_Predictor
	if !p.do(func(c *C.PD_Predictor) { cp = C.PD_PredictorClone(c) }) || cp == nil {
		return &Predictor{err: p.err, gone: closedError("Predictor", p.err)}
	}
	return newPredictor(cp)
}

func (p *Predictor) GetInputNum() int {
	var n C.size_t
	p.do(func(c *C.PD_Predictor) { n = C.PD_PredictorGetInputNum(c) })
	return int(n)
}

func (p *Predictor) GetOutputNum() int {
	var n C.size_t
	p.do(func(c *C.PD_Predictor) { n = C.PD_PredictorGetOutputNum(c) })
	return int(n)
}

// GetInputNames lists the inputs in the model's feed order.
func (p *Predictor) GetInputNames() []string {
	var r *C.PD_OneDimArrayCstr
	p.do(func(c *C.PD_Predictor) { r = C.PD_PredictorGetInputNames(c) })
	return goStrings(r)
}

// GetOutputNames lists the outputs in the model's fetch order.
func (p *Predictor) GetOutputNames() []string {
	var r *C.PD_OneDimArrayCstr
	p.do(func(c *C.PD_Predictor) { r = C.PD_PredictorGetOutputNames(c) })
	return goStrings(r)
}

func (p *Predictor) handle(name string, input bool) *Tensor {
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	var ct *C.PD_Tensor
	p.do(func(c *C.PD_Predictor) {
		if input {
			ct = C.PD_PredictorGetInputHandle(c, cName)
		} else {
			ct = C.PD_PredictorGetOutputHandle(c, cName)
		}
	})
	if ct == nil {
		return &Tensor{err: p.err, gone: closedError("Tensor '"+name+"'", p.err)}
	}
	t := &Tensor{c: ct}
	runtime.SetFinalizer(t, (*Tensor).Close)
	return t
}

// GetInputHandle returns the named input. For an unknown name, p.Err() and the returned
// placeholder's Err() report ErrNotFound (with the list of inputs).
func (p *Predictor) GetInputHandle(name string) *Tensor { return p.handle(name, true) }

// GetOutputHandle returns the named output (see GetInputHandle for errors).
func (p *Predictor) GetOutputHandle(name string) *Tensor { return p.handle(name, false) }

// Run runs the model on the inputs set through the handles; check Err() afterwards
// (e.g. an input not set, or a shape the model rejects).
func (p *Predictor) Run() {
	p.do(func(c *C.PD_Predictor) { C.PD_PredictorRun(c) })
}

// ClearIntermediateTensor releases intermediate buffers (inputs and outputs stay).
func (p *Predictor) ClearIntermediateTensor() {
	p.do(func(c *C.PD_Predictor) { C.PD_PredictorClearIntermediateTensor(c) })
}

// TryShrinkMemory releases cached workspace memory.
func (p *Predictor) TryShrinkMemory() {
	p.do(func(c *C.PD_Predictor) { C.PD_PredictorTryShrinkMemory(c) })
}
