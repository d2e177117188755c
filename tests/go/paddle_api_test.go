// End-to-end test of pdinfer's Go package, driven by tests/python/test_native_apis.py
// (which sets PKG_CONFIG_PATH and these variables):
//
//	PDINFER_TEST_MODEL, PDINFER_TEST_PARAMS  the model files
//	PDINFER_TEST_IO   directory with inputs.txt + in_<i>.bin (see tests/c/test_capi.c)
//	PDINFER_TEST_OUT  directory receiving outputs.txt + out_<i>.bin
//
// TestPaddleStyle is written the way Paddle's own Go API is used (it compiles against
// Paddle's package with only the import path changed); the other tests cover what pdinfer
// adds: reachable errors, Close, length/type checks, concurrent clones.
package pdinfertest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unsafe"

	paddle "pdinfer/paddle"
)

type blob struct {
	name  string
	dtype string
	shape []int32
	data  interface{} // flat slice
}

func env(t *testing.T) (model, params, ioDir, outDir string) {
	model, params = os.Getenv("PDINFER_TEST_MODEL"), os.Getenv("PDINFER_TEST_PARAMS")
	ioDir, outDir = os.Getenv("PDINFER_TEST_IO"), os.Getenv("PDINFER_TEST_OUT")
	if model == "" || ioDir == "" {
		t.Skip("PDINFER_TEST_MODEL / PDINFER_TEST_IO not set (run through tests/python/test_native_apis.py)")
	}
	return
}

func numel(shape []int32) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}

func makeSlice(dtype string, n int) interface{} {
	switch dtype {
	case "float32":
		return make([]float32, n)
	case "int64":
		return make([]int64, n)
	case "int32":
		return make([]int32, n)
	case "uint8":
		return make([]uint8, n)
	case "int8":
		return make([]int8, n)
	case "float64":
		return make([]float64, n)
	case "bool":
		return make([]bool, n)
	}
	return nil
}

// bytesOf views a flat slice's memory.
func bytesOf(v interface{}) []byte {
	rv := reflect.ValueOf(v)
	n := rv.Len() * int(rv.Type().Elem().Size())
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(rv.Pointer())), n)
}

func readInputs(t *testing.T, dir string) []blob {
	f, err := os.Open(filepath.Join(dir, "inputs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []blob
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		var b blob
		b.name, b.dtype = fields[0], fields[1]
		for _, s := range fields[3:] {
			var d int32
			fmt.Sscan(s, &d)
			b.shape = append(b.shape, d)
		}
		raw, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("in_%d.bin", len(out))))
		if err != nil {
			t.Fatal(err)
		}
		b.data = makeSlice(b.dtype, numel(b.shape))
		copy(bytesOf(b.data), raw)
		out = append(out, b)
	}
	return out
}

func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantErr checks err is a *paddle.Error of the given code whose message contains needle.
func wantErr(t *testing.T, what string, err error, code paddle.ErrorCode, needle string) {
	t.Helper()
	var pe *paddle.Error
	if !errors.As(err, &pe) {
		t.Errorf("%s: want a *paddle.Error (%v), got %v", what, code, err)
		return
	}
	if pe.Code != code || !strings.Contains(pe.Msg, needle) {
		t.Errorf("%s: got [%v] %q, want [%v] containing %q", what, pe.Code, pe.Msg, code, needle)
		return
	}
	t.Logf("%s: %v", what, err)
}

func feedAll(t *testing.T, p *paddle.Predictor, inputs []blob) {
	t.Helper()
	for _, b := range inputs {
		h := p.GetInputHandle(b.name)
		mustOK(t, "GetInputHandle", p.Err())
		h.Reshape(b.shape)
		mustOK(t, "Reshape", h.Err())
		h.CopyFromCpu(b.data)
		mustOK(t, "CopyFromCpu "+b.name, h.Err())
		h.Close()
	}
}

func fetchAll(t *testing.T, p *paddle.Predictor) []blob {
	t.Helper()
	var out []blob
	for _, name := range p.GetOutputNames() {
		h := p.GetOutputHandle(name)
		mustOK(t, "GetOutputHandle", p.Err())
		b := blob{name: name, dtype: h.Type().String(), shape: h.Shape()}
		b.data = makeSlice(b.dtype, numel(b.shape))
		if b.data == nil {
			t.Fatalf("output %s: unsupported type %v", name, h.Type())
		}
		h.CopyToCpu(b.data)
		mustOK(t, "CopyToCpu "+name, h.Err())
		h.Close()
		out = append(out, b)
	}
	return out
}

func sameOutputs(a, b []blob) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].dtype != b[i].dtype || !reflect.DeepEqual(a[i].shape, b[i].shape) ||
			string(bytesOf(a[i].data)) != string(bytesOf(b[i].data)) {
			return false
		}
	}
	return true
}

// closeOutputs: same metadata, float32 values within 1e-5 of the output's magnitude.
// Weights loaded from memory sit at other addresses than mmapped ones, and oneDNN's GEMM
// may pick another (equally exact) summation order for other alignments.
func closeOutputs(a, b []blob) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].dtype != b[i].dtype || !reflect.DeepEqual(a[i].shape, b[i].shape) {
			return false
		}
		x, okx := a[i].data.([]float32)
		y, oky := b[i].data.([]float32)
		if !okx || !oky {
			if string(bytesOf(a[i].data)) != string(bytesOf(b[i].data)) {
				return false
			}
			continue
		}
		if len(x) != len(y) {
			return false
		}
		scale := 1.0
		for _, v := range x {
			if f := float64(v); f > scale {
				scale = f
			} else if -f > scale {
				scale = -f
			}
		}
		for j := range x {
			d := float64(x[j]) - float64(y[j])
			if d > 1e-5*scale || -d > 1e-5*scale {
				return false
			}
		}
	}
	return true
}

func writeOutputs(t *testing.T, dir string, outs []blob) {
	var list strings.Builder
	for i, b := range outs {
		fmt.Fprintf(&list, "%s %s %d", b.name, b.dtype, len(b.shape))
		for _, d := range b.shape {
			fmt.Fprintf(&list, " %d", d)
		}
		list.WriteString("\n")
		mustOK(t, "write", os.WriteFile(filepath.Join(dir, fmt.Sprintf("out_%d.bin", i)), bytesOf(b.data), 0o644))
	}
	mustOK(t, "write", os.WriteFile(filepath.Join(dir, "outputs.txt"), []byte(list.String()), 0o644))
}

// Written the way Paddle's Go API is used; only the import path differs.
func TestPaddleStyle(t *testing.T) {
	model, params, ioDir, outDir := env(t)
	inputs := readInputs(t, ioDir)
	t.Logf("Version:\n%+v", paddle.Version())

	config := paddle.NewConfig()
	config.SetModel(model, params)
	config.SetCpuMathLibraryNumThreads(2)
	config.EnableMKLDNN()
	config.SwitchIrOptim(true)
	config.EnableMemoryOptim(true)
	config.DisableGlogInfo()
	config.DeletePass("conv_bn_fuse_pass")
	config.EnableUseGpu(100, 0) // ignored on the CPU build, as with a CPU build of Paddle
	predictor := paddle.NewPredictor(config)

	inNames := predictor.GetInputNames()
	outNames := predictor.GetOutputNames()
	t.Logf("InputNames:%+v OutputNames:%+v", inNames, outNames)
	if len(inNames) != len(inputs) || predictor.GetInputNum() != len(inputs) {
		t.Fatalf("inputs %v, want %d", inNames, len(inputs))
	}
	for i, b := range inputs {
		inHandle := predictor.GetInputHandle(inNames[i])
		inHandle.Reshape(b.shape)
		t.Logf("inHandle name:%+v, shape:%+v", inHandle.Name(), inHandle.Shape())
		inHandle.CopyFromCpu(b.data)
		t.Logf("inHandle Type:%+v", inHandle.Type())
	}
	predictor.Run()

	var outs []blob
	for _, name := range outNames {
		outHandle := predictor.GetOutputHandle(name)
		outShape := outHandle.Shape()
		t.Logf("outHandle %v Shape:%+v", outHandle.Name(), outShape)
		b := blob{name: name, dtype: outHandle.Type().String(), shape: outShape}
		b.data = makeSlice(b.dtype, numel(outShape))
		outHandle.CopyToCpu(b.data)
		outs = append(outs, b)
	}
	mustOK(t, "Run", predictor.Err())
	if outDir != "" {
		writeOutputs(t, outDir, outs)
	}

	cloned := predictor.Clone()
	t.Logf("InputNum:%+v OutputNum:%+v", cloned.GetInputNum(), cloned.GetOutputNum())
	cloned.ClearIntermediateTensor()
	cloned.TryShrinkMemory()

	// the same model from memory (Paddle's TestFromBuffer)
	prog, err := os.ReadFile(model)
	mustOK(t, "read", err)
	par, err := os.ReadFile(params)
	mustOK(t, "read", err)
	config2 := paddle.NewConfig()
	config2.SetModelBuffer(string(prog), string(par))
	// the same threads and passes as `config`, so the same graph runs
	config2.SetCpuMathLibraryNumThreads(2)
	config2.DeletePass("conv_bn_fuse_pass")
	if !config2.ModelFromMemory() {
		t.Error("ModelFromMemory")
	}
	mem := paddle.NewPredictor(config2)
	feedAll(t, mem, inputs)
	mem.Run()
	mustOK(t, "Run from memory", mem.Err())
	if !closeOutputs(fetchAll(t, mem), outs) {
		t.Error("the memory-loaded model gives different outputs")
	}
}

func TestErrors(t *testing.T) {
	model, params, ioDir, _ := env(t)
	inputs := readInputs(t, ioDir)

	// missing file: CreatePredictor returns the reason; NewPredictor a placeholder
	bad := paddle.NewConfig()
	defer bad.Close()
	bad.SetModel("/nonexistent/missing_model.pdmodel", "/nonexistent/missing.pdiparams")
	p, err := paddle.CreatePredictor(bad)
	if p != nil {
		t.Error("CreatePredictor succeeded on a missing file")
	}
	wantErr(t, "missing model", err, paddle.ErrNotFound, "missing_model.pdmodel")
	ph := paddle.NewPredictor(bad)
	wantErr(t, "NewPredictor missing model", ph.Err(), paddle.ErrNotFound, "missing_model.pdmodel")
	if names := ph.GetInputNames(); names != nil {
		t.Errorf("placeholder inputs %v", names)
	}
	wantErr(t, "placeholder call", ph.Err(), paddle.ErrClosed, "missing_model.pdmodel")
	ph.Run() // does nothing, no crash
	ph.Close()
	ph.Close()

	// GPU requested: ignored, reported
	cfg := paddle.NewConfig()
	cfg.SetModel(model, params)
	cfg.EnableUseGpu(100, 0)
	wantErr(t, "EnableUseGpu", cfg.Err(), paddle.ErrUnsupported, "CUDA")
	if cfg.UseGpu() || cfg.Err() != nil {
		t.Error("UseGpu")
	}
	cfg.SetCpuMathLibraryNumThreads(0)
	_, err = paddle.CreatePredictor(cfg)
	wantErr(t, "0 threads", err, paddle.ErrInvalidArgument, "thread")
	cfg.SetCpuMathLibraryNumThreads(1)

	p, err = paddle.CreatePredictor(cfg)
	mustOK(t, "CreatePredictor", err)
	defer p.Close()
	if cfg.ProgFile() != model {
		t.Errorf("config not usable after CreatePredictor: %q (%v)", cfg.ProgFile(), cfg.Err())
	}
	cfg.Close()
	cfg.Close()
	if cfg.ProgFile(); cfg.Err() == nil {
		t.Error("closed config still works")
	}

	p.Run()
	wantErr(t, "run before input", p.Err(), paddle.ErrInvalidArgument, "has not been set")

	h := p.GetInputHandle("no_such_input")
	wantErr(t, "bad input name", p.Err(), paddle.ErrNotFound, "no_such_input")
	h.Reshape([]int32{1})
	wantErr(t, "placeholder handle", h.Err(), paddle.ErrClosed, "no_such_input")

	in := p.GetInputHandle(inputs[0].name)
	defer in.Close()
	in.Reshape(inputs[0].shape)
	mustOK(t, "Reshape", in.Err())
	in.CopyFromCpu(makeSlice(inputs[0].dtype, numel(inputs[0].shape)+1))
	wantErr(t, "slice too long", in.Err(), paddle.ErrInvalidArgument, "elements")
	in.CopyFromCpu([]string{"a"})
	wantErr(t, "unsupported slice", in.Err(), paddle.ErrInvalidArgument, "[]string")
	in.CopyFromCpu(42)
	wantErr(t, "not a slice", in.Err(), paddle.ErrInvalidArgument, "int")
	// wrong input size at Run: one more dim than the declared rank (same data)
	in.Reshape(append([]int32{1}, inputs[0].shape...))
	in.CopyFromCpu(makeSlice(inputs[0].dtype, numel(inputs[0].shape)))
	mustOK(t, "CopyFromCpu", in.Err())
	feedAll(t, p, inputs[1:])
	p.Run()
	wantErr(t, "wrong input size", p.Err(), paddle.ErrInvalidArgument, inputs[0].name)
	if p.Err() != nil {
		fmt.Println("wrong input size:", p.Err())
	}

	feedAll(t, p, inputs)
	p.Run()
	mustOK(t, "Run", p.Err())
	out := p.GetOutputHandle(p.GetOutputNames()[0])
	defer out.Close()
	shape := out.Shape()
	if out.Type() == paddle.Float32 {
		out.CopyToCpu(make([]int64, numel(shape)))
		wantErr(t, "wrong element type", out.Err(), paddle.ErrInvalidArgument, "float32")
		out.CopyToCpu(make([]float32, numel(shape)-1))
		wantErr(t, "slice too short", out.Err(), paddle.ErrInvalidArgument, "holds only")
		if d, ok := out.OneDimData().([]float32); !ok || len(d) != numel(shape) {
			t.Errorf("OneDimData: %T %v", out.OneDimData(), out.Err())
		}
		if out.Data() == nil {
			t.Errorf("Data: %v", out.Err())
		}
	}
	out.Reshape([]int32{1})
	wantErr(t, "reshape an output", out.Err(), paddle.ErrInvalidArgument, "output")

	// handles outlive their predictor; closed objects report ErrClosed
	p.Close()
	p.Close()
	if got := out.Shape(); !reflect.DeepEqual(got, shape) {
		t.Errorf("shape after predictor Close: %v (%v)", got, out.Err())
	}
	p.Run()
	wantErr(t, "closed predictor", p.Err(), paddle.ErrClosed, "closed")

	// LoD round trip
	in.SetLod([][]uint{{0, 1, uint(inputs[0].shape[0])}})
	mustOK(t, "SetLod", in.Err())
	if lod := in.Lod(); len(lod) != 1 || len(lod[0]) != 3 {
		t.Errorf("Lod %v", lod)
	}
}

func TestClonesConcurrently(t *testing.T) {
	model, params, ioDir, _ := env(t)
	inputs := readInputs(t, ioDir)
	cfg := paddle.NewConfig()
	defer cfg.Close()
	cfg.SetModel(model, params)
	main, err := paddle.CreatePredictor(cfg)
	mustOK(t, "CreatePredictor", err)
	defer main.Close()
	feedAll(t, main, inputs)
	main.Run()
	mustOK(t, "Run", main.Err())
	want := fetchAll(t, main)

	var wg sync.WaitGroup
	results := make([][]blob, 4)
	for i := range results {
		clone := main.Clone()
		mustOK(t, "Clone", main.Err())
		wg.Add(1)
		go func(i int, p *paddle.Predictor) {
			defer wg.Done()
			defer p.Close()
			for k := 0; k < 2; k++ {
				feedAll(t, p, inputs)
				p.Run()
				if p.Err() != nil {
					t.Errorf("clone %d: %v", i, p.Err())
					return
				}
				results[i] = fetchAll(t, p)
			}
		}(i, clone)
	}
	wg.Wait()
	for i, r := range results {
		if !sameOutputs(r, want) {
			t.Errorf("clone %d gives different outputs", i)
		}
	}
}

// Objects left to the finalizers are freed without crashing, in any order.
func TestFinalizers(t *testing.T) {
	model, params, ioDir, _ := env(t)
	inputs := readInputs(t, ioDir)
	for i := 0; i < 3; i++ {
		cfg := paddle.NewConfig()
		cfg.SetModel(model, params)
		p := paddle.NewPredictor(cfg)
		feedAll(t, p, inputs)
		p.Run()
		_ = p.GetOutputHandle(p.GetOutputNames()[0]).Shape()
	}
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
}
