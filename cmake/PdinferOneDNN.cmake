# oneDNN 3.2 from the PyPI wheels onednn-devel-cpu-gomp (headers) and
# onednn-cpu-gomp (libdnnl.so.3). The wheels install into the Python prefix, not
# into site-packages, so their files are located through importlib.metadata.
set(_pdinfer_find_dnnl [=[
import importlib.metadata as md, os, sys
def find(dist, suffix):
    d = md.distribution(dist)
    for f in d.files or []:
        if str(f).replace(os.sep, "/").endswith(suffix):
            return os.path.realpath(d.locate_file(f))
    sys.exit(f"{dist}: no file ending in {suffix}")
hdr = find("onednn-devel-cpu-gomp", "include/dnnl.hpp")
lib = find("onednn-cpu-gomp", "libdnnl.so.3")
print(os.path.dirname(hdr) + ";" + lib, end="")
]=])
execute_process(COMMAND "${Python_EXECUTABLE}" -c "${_pdinfer_find_dnnl}"
                OUTPUT_VARIABLE _dnnl_paths ERROR_VARIABLE _dnnl_err RESULT_VARIABLE _dnnl_rc)
if(NOT _dnnl_rc EQUAL 0)
  message(FATAL_ERROR "oneDNN wheels not found (pip install onednn-devel-cpu-gomp==2023.2.0): ${_dnnl_err}")
endif()
list(GET _dnnl_paths 0 PDINFER_DNNL_INCLUDE_DIR)
list(GET _dnnl_paths 1 PDINFER_DNNL_LIBRARY_FILE)
message(STATUS "oneDNN headers: ${PDINFER_DNNL_INCLUDE_DIR}")
message(STATUS "oneDNN library: ${PDINFER_DNNL_LIBRARY_FILE}")
add_library(pdinfer::dnnl SHARED IMPORTED)
set_target_properties(pdinfer::dnnl PROPERTIES
  IMPORTED_LOCATION "${PDINFER_DNNL_LIBRARY_FILE}"
  IMPORTED_SONAME "libdnnl.so.3"
  INTERFACE_INCLUDE_DIRECTORIES "${PDINFER_DNNL_INCLUDE_DIR}")
