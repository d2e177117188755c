#!/usr/bin/env bash
# Development build without pip: configures/builds into BUILD_DIR (default build-dev)
# and assembles an importable package at BUILD_DIR/devpkg/pdinfer.
#   tools/dev_build.sh build-mine && PYTHONPATH=build-mine/devpkg python -c "import pdinfer"
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bdir=${1:-build-dev}
case "$bdir" in /*) ;; *) bdir="$root/$bdir" ;; esac
py=${PYTHON:-python3}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f "$bdir/build.ninja" ]; then
  cmake -S "$root" -B "$bdir" -G Ninja -DPython_EXECUTABLE="$(command -v "$py")" \
    -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
fi
ninja -C "$bdir" ${NINJA_FLAGS:--j2}
pkg="$bdir/devpkg/pdinfer"
mkdir -p "$pkg"
for f in "$root"/python/pdinfer/*; do ln -sfn "$f" "$pkg/$(basename "$f")"; done
cp -f "$bdir"/_core*.so "$pkg/" 2>/dev/null || true
rm -f "$pkg"/libpdinfer*.so*
cp -fP "$bdir"/libpdinfer.so* "$pkg/"
# C API library and the SDK files (headers, pkg-config, CMake package) for C/C++/Go users.
cp -fP "$bdir"/libpdinfer_c.so* "$pkg/" 2>/dev/null || true
# The CUDA backend module, where nvcc was found (loaded only when a predictor uses the GPU).
cp -f "$bdir"/libpdinfer_cuda.so "$pkg/" 2>/dev/null || true
[ -d "$bdir/sdk" ] && cp -rf "$bdir/sdk/." "$pkg/"
ln -sfn "$root/go" "$pkg/go"
lib=$("$py" -c 'import importlib.metadata as m,os;d=m.distribution("onednn-cpu-gomp");print(next(os.path.realpath(d.locate_file(f)) for f in d.files if str(f).endswith("libdnnl.so.3")))')
cp -f "$lib" "$pkg/libdnnl.so.3"
echo "devpkg ready: PYTHONPATH=$bdir/devpkg"
