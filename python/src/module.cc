// pdinfer._core: the thin binding over the C++ predictor. The paddle.inference-style
// classes live in Python (pdinfer/inference.py) on top of this module.
#include <algorithm>
#include <map>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>

#include "pdinfer/core/error.h"
#include "pdinfer/runtime/predictor.h"

namespace py = pybind11;
using pdinfer::DataType;
using pdinfer::ErrorCode;

namespace {

DataType ParseDType(const std::string& name) {
  DataType t = pdinfer::DataTypeFromName(name);
  if (t == DataType::kUndefined)
    pdinfer::ThrowError(ErrorCode::kInvalidArgument, "unsupported dtype '", name, "'");
  return t;
}

py::array ToNumpy(const pdinfer::Tensor& t) {
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
  if (t.dtype() == DataType::kBFloat16) {
    // numpy has no bfloat16: hand back the raw 16-bit patterns.
    py::array out(py::dtype("uint16"), shape);
    if (t.nbytes()) std::memcpy(out.mutable_data(), t.raw_data(), t.nbytes());
    return out;
  }
  py::array out(py::dtype(pdinfer::DataTypeName(t.dtype())), shape);
  if (t.nbytes()) std::memcpy(out.mutable_data(), t.raw_data(), t.nbytes());
  return out;
}

py::list LoDToList(const pdinfer::LoD& lod) {
  py::list out;
  for (const auto& level : lod) out.append(py::cast(level));
  return out;
}

pdinfer::LoD ListToLoD(const std::vector<std::vector<uint64_t>>& lod) { return lod; }

std::string GetBytes(const py::object& o) {
  if (py::isinstance<py::bytes>(o)) return std::string(o.cast<py::bytes>());
  if (py::isinstance<py::str>(o)) return o.cast<std::string>();
  py::buffer_info info = o.cast<py::buffer>().request();
  return std::string(static_cast<const char*>(info.ptr),
                     static_cast<size_t>(info.size * info.itemsize));
}

void TranslateError(const pdinfer::Error& e) {
  static const char* names[] = {"", "InvalidModelError", "InvalidArgumentError",
                                "UnsupportedError", "OutOfMemoryError", "InternalError",
                                "NotFoundError"};
  int code = static_cast<int>(e.code());
  const char* cls = (code >= 1 && code <= 6) ? names[code] : "PdinferError";
  py::object type = py::module_::import("pdinfer.errors").attr(cls);
  // Messages quote names from model files, which need not be valid UTF-8.
  const std::string& m = e.message();
  PyObject* msg = PyUnicode_DecodeUTF8(m.data(), static_cast<Py_ssize_t>(m.size()),
                                       "backslashreplace");
  if (!msg) {
    PyErr_Clear();
    msg = PyUnicode_FromString("pdinfer error (message could not be decoded)");
  }
  PyErr_SetObject(type.ptr(), msg);
  Py_XDECREF(msg);
}

// An output bound to a device buffer (GPU zero-copy output) holds a device pointer:
// copy it down instead of reading it on the host.
py::array OutputArray(const pdinfer::Predictor& p, const std::string& name) {
  const pdinfer::Tensor& t = p.output(name);
  pdinfer::DeviceExecutor* d = p.device_executor();
  if (d) {
    const auto& names = p.output_names();
    auto it = std::find(names.begin(), names.end(), name);
    void* bound = it == names.end() ? nullptr : d->BoundOutput(static_cast<size_t>(it - names.begin()));
    if (bound) {
      std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
      py::array out(py::dtype(pdinfer::DataTypeName(t.dtype())), shape);
      if (t.nbytes())
        pdinfer::GetDeviceBackend("cuda").Copy(p.options().gpu_device_id, out.mutable_data(), bound,
                                               t.nbytes(),
                                               pdinfer::DeviceBackend::CopyKind::kDeviceToHost);
      return out;
    }
  }
  return ToNumpy(t);
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "pdinfer native core";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const pdinfer::Error& e) {
      TranslateError(e);
    }
  });

  m.def("version", &pdinfer::Version);
  m.def("supported_ops", &pdinfer::SupportedOps);
  m.def("buffer_allocation_count", &pdinfer::BufferAllocationCount,
        "Number of tensor buffers allocated so far by this process (for tests).");
  m.def("dnnl_version", &pdinfer::DnnlVersion);
  m.def("default_passes", [](const std::string& device) {
    return device == "gpu" ? pdinfer::DefaultGpuPasses() : pdinfer::DefaultCpuPasses();
  }, py::arg("device") = "cpu");
  m.def("registered_passes", [] { return pdinfer::PassRegistry::Global().Names(); });
  m.def("canonical_pass_name", &pdinfer::CanonicalPassName);
  // ---- CUDA backend module (loaded on first use; see runtime/device_backend.h)
  m.def("cuda_module_path", [] { return pdinfer::DeviceModulePath("cuda"); });
  m.def("cuda_module_built", [] { return pdinfer::DeviceModuleBuilt("cuda"); });
  m.def("cuda_module_loaded", [] { return pdinfer::DeviceModuleLoaded("cuda"); });
  m.def("cuda_unavailable_reason", [] { return pdinfer::DeviceUnavailableReason("cuda"); });
  m.def("cuda_is_device_pointer", [](uintptr_t ptr) {
    return pdinfer::GetDeviceBackend("cuda").IsDevicePointer(reinterpret_cast<const void*>(ptr));
  });
  m.def("cuda_copy_to_host", [](uintptr_t src, py::array dst) {
    // dst: a C-contiguous, writable NumPy array of the right size.
    py::buffer_info info = dst.request(true);
    pdinfer::DeviceBackend& b = pdinfer::GetDeviceBackend("cuda");
    b.Copy(0, info.ptr, reinterpret_cast<const void*>(src),
           static_cast<size_t>(info.size * info.itemsize),
           pdinfer::DeviceBackend::CopyKind::kDeviceToHost);
  });
  m.def("cuda_version", [] { return pdinfer::GetDeviceBackend("cuda").version(); });
  m.def("cuda_ops", [] { return pdinfer::GetDeviceBackend("cuda").Ops(); });

  py::class_<pdinfer::Predictor>(m, "Predictor")
      .def(py::init([](const std::string& model_dir, const std::string& prog_file,
                       const std::string& params_file, py::object prog_buffer,
                       py::object params_buffer, int num_threads, bool ir_optim,
                       bool memory_optim, size_t plan_cache_capacity,
                       std::vector<std::string> deleted_passes, py::object passes,
                       bool ir_debug, const std::string& ir_debug_dir, bool use_onednn,
                       bool onednn_bf16, int onednn_cache_capacity, bool use_gpu,
                       int gpu_device_id, size_t gpu_memory_pool_mb, int gpu_precision) {
             pdinfer::PredictorOptions o;
             o.model.model_dir = model_dir;
             o.model.prog_file = prog_file;
             o.model.params_file = params_file;
             if (!prog_buffer.is_none()) {
               o.model.from_memory = true;
               o.model.prog_buffer = GetBytes(prog_buffer);
               if (!params_buffer.is_none()) o.model.params_buffer = GetBytes(params_buffer);
             }
             o.num_threads = num_threads;
             o.ir_optim = ir_optim;
             o.memory_optim = memory_optim;
             o.plan_cache_capacity = plan_cache_capacity;
             o.deleted_passes = std::move(deleted_passes);
             if (!passes.is_none()) {
               o.use_default_passes = false;
               o.passes = passes.cast<std::vector<std::string>>();
             }
             o.ir_debug = ir_debug;
             o.ir_debug_dir = ir_debug_dir;
             o.use_onednn = use_onednn;
             o.onednn_bf16 = onednn_bf16;
             o.onednn_cache_capacity = onednn_cache_capacity;
             o.use_gpu = use_gpu;  // GPU options (Config.enable_use_gpu)
             o.gpu_device_id = gpu_device_id;
             o.gpu_memory_pool_mb = gpu_memory_pool_mb;
             o.gpu_precision = gpu_precision;
             py::gil_scoped_release release;
             return std::make_unique<pdinfer::Predictor>(o);
           }),
           py::arg("model_dir") = "", py::arg("prog_file") = "", py::arg("params_file") = "",
           py::arg("prog_buffer") = py::none(), py::arg("params_buffer") = py::none(),
           py::arg("num_threads") = 1, py::arg("ir_optim") = true,
           py::arg("memory_optim") = true, py::arg("plan_cache_capacity") = 16,
           py::arg("deleted_passes") = std::vector<std::string>{},
           py::arg("passes") = py::none(), py::arg("ir_debug") = false,
           py::arg("ir_debug_dir") = "", py::arg("use_onednn") = true,
           py::arg("onednn_bf16") = false, py::arg("onednn_cache_capacity") = 0,
           py::arg("use_gpu") = false, py::arg("gpu_device_id") = 0,
           py::arg("gpu_memory_pool_mb") = 0, py::arg("gpu_precision") = 0)
      // ---- GPU (device_backend.h): zero-copy device I/O and device info
      .def("use_gpu", [](const pdinfer::Predictor& p) { return p.device_executor() != nullptr; })
      .def("device_describe",
           [](const pdinfer::Predictor& p) {
             return p.device_executor() ? p.device_executor()->Describe() : std::string("cpu");
           })
      .def("share_input",
           [](pdinfer::Predictor& p, const std::string& name, const std::string& dtype,
              std::vector<int64_t> shape, uintptr_t ptr) {
             p.ShareInput(name, ParseDType(dtype), shape, reinterpret_cast<void*>(ptr));
           })
      .def("bind_output_device",
           [](pdinfer::Predictor& p, const std::string& name, uintptr_t ptr, size_t capacity) {
             pdinfer::DeviceExecutor* d = p.device_executor();
             if (!d)
               pdinfer::ThrowError(ErrorCode::kUnsupported, "output '", name,
                                   "': device output buffers need a GPU predictor (enable_use_gpu())");
             const auto& names = p.output_names();
             auto it = std::find(names.begin(), names.end(), name);
             if (it == names.end())
               pdinfer::ThrowError(ErrorCode::kNotFound, "no output named '", name, "'");
             d->BindOutput(static_cast<size_t>(it - names.begin()), reinterpret_cast<void*>(ptr),
                           capacity);
           })
      .def("output_device_ptr",
           [](const pdinfer::Predictor& p, const std::string& name) -> uintptr_t {
             pdinfer::DeviceExecutor* d = p.device_executor();
             if (!d) return 0;
             const auto& names = p.output_names();
             auto it = std::find(names.begin(), names.end(), name);
             if (it == names.end()) return 0;
             return reinterpret_cast<uintptr_t>(d->BoundOutput(static_cast<size_t>(it - names.begin())));
           })
      .def("device_memory_stats",
           [](const pdinfer::Predictor& p) {
             py::dict d;
             if (!p.device_executor()) return d;
             pdinfer::DeviceMemoryStats m = p.device_executor()->memory_stats();
             d["arena_bytes"] = m.arena_bytes;
             d["weights_bytes"] = m.weights_bytes;
             d["cached_plans"] = m.cached_plans;
             d["plans_built"] = m.plans_built;
             d["graph_replays"] = m.graph_replays;
             d["device_kernels"] = m.device_kernels;
             d["host_fallbacks"] = m.host_fallbacks;
             return d;
           })
      .def("pass_stats",
           [](const pdinfer::Predictor& p) {
             py::list out;
             for (const auto& s : p.pass_stats()) {
               py::dict d;
               d["name"] = s.name;
               d["fired"] = s.fired;
               d["nodes_before"] = s.nodes_before;
               d["nodes_after"] = s.nodes_after;
               d["ms"] = s.ms;
               out.append(d);
             }
             return out;
           })
      .def("op_counts",
           [](const pdinfer::Predictor& p) {
             std::map<std::string, int> counts;
             for (const auto& n : p.graph().nodes()) ++counts[n.op];
             return counts;
           })
      .def("node_count", [](const pdinfer::Predictor& p) { return p.graph().nodes().size(); })
      .def("loaded_node_count", &pdinfer::Predictor::loaded_node_count)
      .def("get_input_names", &pdinfer::Predictor::input_names)
      .def("get_output_names", &pdinfer::Predictor::output_names)
      .def("input_meta",
           [](const pdinfer::Predictor& p, const std::string& name) {
             auto meta = p.InputMeta(name);
             return py::make_tuple(pdinfer::DataTypeName(meta.dtype), meta.shape);
           })
      .def("output_meta",
           [](const pdinfer::Predictor& p, const std::string& name) {
             auto meta = p.OutputMeta(name);
             return py::make_tuple(pdinfer::DataTypeName(meta.dtype), meta.shape);
           })
      .def("set_input",
           [](pdinfer::Predictor& p, const std::string& name, const std::string& dtype,
              std::vector<int64_t> shape, py::buffer data) {
             py::buffer_info info = data.request();
             DataType t = ParseDType(dtype);
             p.SetInput(name, t, shape, info.ptr);
           })
      .def("input_set",
           [](const pdinfer::Predictor& p, const std::string& name) {
             return p.input(name).defined();
           })
      .def("input_array",
           [](const pdinfer::Predictor& p, const std::string& name) { return ToNumpy(p.input(name)); })
      .def("input_shape",
           [](const pdinfer::Predictor& p, const std::string& name) { return p.input(name).shape(); })
      .def("input_dtype",
           [](const pdinfer::Predictor& p, const std::string& name) {
             return std::string(pdinfer::DataTypeName(p.input(name).dtype()));
           })
      .def("set_input_lod",
           [](pdinfer::Predictor& p, const std::string& name,
              std::vector<std::vector<uint64_t>> lod) { p.SetInputLoD(name, ListToLoD(lod)); })
      .def("input_lod",
           [](const pdinfer::Predictor& p, const std::string& name) { return LoDToList(p.input(name).lod()); })
      .def("run", &pdinfer::Predictor::Run, py::call_guard<py::gil_scoped_release>())
      .def("has_run", &pdinfer::Predictor::has_run)
      .def("output_array", &OutputArray)
      .def("output_shape",
           [](const pdinfer::Predictor& p, const std::string& name) { return p.output(name).shape(); })
      .def("output_dtype",
           [](const pdinfer::Predictor& p, const std::string& name) {
             return std::string(pdinfer::DataTypeName(p.output(name).dtype()));
           })
      .def("output_lod",
           [](const pdinfer::Predictor& p, const std::string& name) { return LoDToList(p.output(name).lod()); })
      .def("clone", &pdinfer::Predictor::Clone, py::call_guard<py::gil_scoped_release>())
      .def("clear_intermediate_tensor", &pdinfer::Predictor::ClearIntermediateTensor)
      .def("try_shrink_memory", &pdinfer::Predictor::TryShrinkMemory)
      .def("num_threads", &pdinfer::Predictor::num_threads)
      .def("model_format", &pdinfer::Predictor::model_format)
      .def("workspace_bytes", &pdinfer::Predictor::WorkspaceBytes)
      .def("memory_stats",
           [](const pdinfer::Predictor& p) {
             pdinfer::MemoryStats m = p.memory_stats();
             py::dict d;
             d["arena_bytes"] = m.arena_bytes;
             d["plan_arena_bytes"] = m.plan_arena_bytes;
             d["intermediate_bytes_no_reuse"] = m.unshared_bytes;
             d["own_buffer_bytes"] = m.own_buffer_bytes;
             d["weights_bytes"] = p.graph().ConstantBytes();
             // Plain weights given back because kernels run from their packed copies.
             size_t released = 0;
             const pdinfer::Graph& g = p.graph();
             for (size_t v = 0; v < g.num_values(); ++v) {
               const auto& c = g.value(static_cast<pdinfer::ValueId>(v)).constant;
               if (c && c->buffer() && c->buffer()->evicted()) released += c->nbytes();
             }
             d["weights_released_bytes"] = released;
             d["cached_plans"] = m.cached_plans;
             d["plans_built"] = m.plans_built;
             d["inplace_ops"] = m.inplace_ops;
             d["backend_kernels"] = m.backend_kernels;
             d["kernel_cache_entries"] = m.kernel_cache_entries;
             d["kernel_scratch_bytes"] = m.kernel_scratch_bytes;
             d["memory_optim"] = p.options().memory_optim;
             return d;
           })
      .def("weights_bytes", [](const pdinfer::Predictor& p) { return p.graph().ConstantBytes(); })
      .def("num_nodes", [](const pdinfer::Predictor& p) { return p.graph().nodes().size(); })
      .def("graph_string", [](const pdinfer::Predictor& p) { return p.graph().ToString(); })
      .def("op_counts", [](const pdinfer::Predictor& p) {
        std::map<std::string, int> counts;
        for (const auto& n : p.graph().nodes()) counts[n.op]++;
        return counts;
      });
}
