// pdinfer C++ API: export macro shared by the public headers.
//
// The C++ API lives in libpdinfer.so. Its classes keep their state behind an opaque
// pointer, so their size and layout never change between releases of the library.
#pragma once

#if defined(_WIN32)
#if defined(PADDLE_DLL_INFERENCE) || defined(PDINFER_BUILDING_LIBRARY)
#define PD_INFER_DECL __declspec(dllexport)
#else
#define PD_INFER_DECL __declspec(dllimport)
#endif
#else
#define PD_INFER_DECL __attribute__((visibility("default")))
#endif
