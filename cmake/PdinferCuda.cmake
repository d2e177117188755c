# The CUDA backend module libpdinfer_cuda.so (included from CMakeLists.txt when nvcc
# was found, see PdinferOptional.cmake).
#
# The module is separate from libpdinfer so that `import pdinfer` and every CPU path
# never load CUDA: libpdinfer dlopen()s it the first time a predictor asks for the GPU.
# The CUDA runtime is linked statically (it reaches the driver, libcuda.so.1, through
# dlopen itself), so the module loads on a machine without a driver and reports the
# CUDA error when asked for a device.
#
# cuBLAS/cuBLASLt and cuDNN come from the PyPI wheels `nvidia-cublas` and
# `nvidia-cudnn-cu13` when they are installed in the build's Python; they carry headers
# and libraries. Without them the module is still built, minus the kernels that need
# them (conv, matmul/fc, attention): those ops then report UnsupportedError on the GPU.
# The wheels install next to pdinfer in site-packages (site-packages/nvidia/...), which
# the module's RPATH names relative to its own location: no LD_LIBRARY_PATH needed.
find_package(CUDAToolkit REQUIRED)

set(_pdinfer_find_cuda_wheels [=[
import importlib.metadata as md, os
def find(dist, suffix):
    try:
        d = md.distribution(dist)
    except md.PackageNotFoundError:
        return ""
    for f in d.files or []:
        if str(f).replace(os.sep, "/").endswith(suffix):
            return os.path.realpath(d.locate_file(f))
    return ""
out = [find("nvidia-cublas", "include/cublasLt.h"), find("nvidia-cublas", "lib/libcublasLt.so.13"),
       find("nvidia-cublas", "lib/libcublas.so.13"), find("nvidia-cudnn-cu13", "include/cudnn.h"),
       find("nvidia-cudnn-cu13", "lib/libcudnn.so.9")]
print(";".join(x or "-" for x in out), end="")
]=])
execute_process(COMMAND "${Python_EXECUTABLE}" -c "${_pdinfer_find_cuda_wheels}"
                OUTPUT_VARIABLE _cuda_wheels RESULT_VARIABLE _cuda_wheels_rc)
if(NOT _cuda_wheels_rc EQUAL 0 OR NOT _cuda_wheels)
  set(_cuda_wheels "-;-;-;-;-")
endif()
list(GET _cuda_wheels 0 _cublas_hdr)
list(GET _cuda_wheels 1 _cublaslt_lib)
list(GET _cuda_wheels 2 _cublas_lib)
list(GET _cuda_wheels 3 _cudnn_hdr)
list(GET _cuda_wheels 4 _cudnn_lib)

file(GLOB PDINFER_CUDA_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_SOURCE_DIR}/csrc/pdinfer/backends/cuda/*.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/csrc/pdinfer/backends/cuda/*.cu)
add_library(pdinfer_cuda MODULE ${PDINFER_CUDA_SOURCES})
target_link_libraries(pdinfer_cuda PRIVATE pdinfer CUDA::cudart_static)
target_compile_options(pdinfer_cuda PRIVATE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter -O3>
  $<$<COMPILE_LANGUAGE:CUDA>:-O3 --expt-relaxed-constexpr>)
# Default visibility on purpose: pdinfer::Error and the interfaces of device_backend.h are
# inline/header classes whose type_info must match libpdinfer's for exceptions thrown in
# the module to be caught there. The module is loaded RTLD_LOCAL, so nothing leaks.
set_target_properties(pdinfer_cuda PROPERTIES
  CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON
  CUDA_RUNTIME_LIBRARY Static)
if(CMAKE_CXX_COMPILER_LAUNCHER AND NOT CMAKE_CUDA_COMPILER_LAUNCHER)
  set_target_properties(pdinfer_cuda PROPERTIES CUDA_COMPILER_LAUNCHER "${CMAKE_CXX_COMPILER_LAUNCHER}")
endif()

set(_cuda_rpath "\$ORIGIN")
set(_cuda_build_rpath "\$ORIGIN")
if(NOT _cublas_hdr STREQUAL "-" AND NOT _cublaslt_lib STREQUAL "-" AND NOT _cublas_lib STREQUAL "-")
  get_filename_component(_dir ${_cublas_hdr} DIRECTORY)
  target_include_directories(pdinfer_cuda SYSTEM PRIVATE ${_dir})
  target_link_libraries(pdinfer_cuda PRIVATE ${_cublaslt_lib} ${_cublas_lib})
  target_compile_definitions(pdinfer_cuda PRIVATE PDINFER_CUDA_HAVE_CUBLAS=1)
  get_filename_component(_libdir ${_cublaslt_lib} DIRECTORY)
  list(APPEND _cuda_rpath "\$ORIGIN/../nvidia/cu13/lib")
  list(APPEND _cuda_build_rpath "${_libdir}")
  message(STATUS "CUDA backend: cuBLASLt from ${_libdir}")
else()
  message(STATUS "CUDA backend: nvidia-cublas wheel not found: matmul/fc/attention kernels off")
endif()
if(NOT _cudnn_hdr STREQUAL "-" AND NOT _cudnn_lib STREQUAL "-")
  get_filename_component(_dir ${_cudnn_hdr} DIRECTORY)
  target_include_directories(pdinfer_cuda SYSTEM PRIVATE ${_dir})
  target_link_libraries(pdinfer_cuda PRIVATE ${_cudnn_lib})
  target_compile_definitions(pdinfer_cuda PRIVATE PDINFER_CUDA_HAVE_CUDNN=1)
  get_filename_component(_libdir ${_cudnn_lib} DIRECTORY)
  list(APPEND _cuda_rpath "\$ORIGIN/../nvidia/cudnn/lib")
  list(APPEND _cuda_build_rpath "${_libdir}")
  message(STATUS "CUDA backend: cuDNN from ${_libdir}")
else()
  message(STATUS "CUDA backend: nvidia-cudnn-cu13 wheel not found: convolution kernels off")
endif()
set_target_properties(pdinfer_cuda PROPERTIES
  BUILD_RPATH "${_cuda_build_rpath}" INSTALL_RPATH "${_cuda_rpath}")
install(TARGETS pdinfer_cuda LIBRARY DESTINATION pdinfer)
