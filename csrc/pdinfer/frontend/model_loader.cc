// Finds the program and parameters of a model (directory, file pair, or buffers),
// detects the program format by content and dispatches to that format's frontend.
#include "pdinfer/frontend/model_loader.h"

#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "pdinfer/core/error.h"
#include "pdinfer/frontend/frontend.h"

namespace pdinfer {

namespace {

// Checked in order; the first whose detect accepts the program bytes builds the graph.
// Legacy first: its check is the stricter one (see DetectLegacyProgram).
const Frontend kFrontends[] = {
    {"legacy", DetectLegacyProgram, BuildLegacyGraph},
    {"pir", DetectPirProgram, BuildPirGraph},
};

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> ListRegularFiles(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (!d) return names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    if (IsRegularFile(JoinPath(dir, n))) names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// A JSON file that looks like a PIR program (a model dir may hold other JSON files).
bool LooksLikePirJson(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char buf[4096];
  size_t n = std::fread(buf, 1, sizeof(buf), f);
  std::fclose(f);
  return std::string(buf, n).find("\"base_code\"") != std::string::npos;
}

// Where the bytes are.
struct Located {
  std::string prog_path;
  std::string params_path;  // combined params file; empty when none
  std::string params_dir;   // one file per parameter; used when params_path is empty
  bool params_implicit = false;  // params_dir is a guess (no params were named)
};

std::string Stem(const std::string& file) {
  for (const char* ext : {".pdmodel", ".json"})
    if (EndsWith(file, ext)) return file.substr(0, file.size() - std::strlen(ext));
  return file;
}

Located FindInDirectory(const std::string& dir) {
  if (!PathExists(dir)) ThrowError(ErrorCode::kNotFound, "model directory not found: ", dir);
  if (!IsDirectory(dir))
    ThrowError(ErrorCode::kInvalidArgument, dir,
               " is not a directory; pass a model directory or a program file and a params file");
  std::vector<std::string> files = ListRegularFiles(dir);
  auto has = [&](const std::string& n) {
    return std::find(files.begin(), files.end(), n) != files.end();
  };
  auto only_one = [&](const std::string& ext, bool (*accept)(const std::string&),
                      const char* what) -> std::string {
    std::vector<std::string> hits;
    for (const std::string& f : files)
      if (EndsWith(f, ext) && (!accept || accept(JoinPath(dir, f)))) hits.push_back(f);
    if (hits.size() > 1) {
      std::string list;
      for (const std::string& h : hits) list += (list.empty() ? "" : ", ") + h;
      ThrowError(ErrorCode::kInvalidArgument, "model directory ", dir, " holds several ", what,
                 " files (", list, "); pass the program and params files explicitly");
    }
    return hits.empty() ? std::string() : hits[0];
  };

  std::string prog;
  for (const char* n : {"inference.pdmodel", "__model__", "model"})
    if (prog.empty() && has(n)) prog = n;
  if (prog.empty()) prog = only_one(".pdmodel", nullptr, ".pdmodel");
  for (const char* n : {"inference.json", "__model__.json", "model.json"})
    if (prog.empty() && has(n)) prog = n;
  if (prog.empty()) prog = only_one(".json", LooksLikePirJson, "PIR program (.json)");
  if (prog.empty())
    ThrowError(ErrorCode::kNotFound, "no model program found in ", dir,
               " (looked for inference.pdmodel, __model__, model, *.pdmodel, inference.json, "
               "__model__.json, *.json)");

  Located loc;
  loc.prog_path = JoinPath(dir, prog);
  std::string params;
  for (const std::string& n : {Stem(prog) + ".pdiparams", std::string("inference.pdiparams"),
                               std::string("__params__"), std::string("params")})
    if (params.empty() && has(n)) params = n;
  if (params.empty()) params = only_one(".pdiparams", nullptr, ".pdiparams");
  if (params.empty())
    loc.params_dir = dir;  // one file per parameter
  else
    loc.params_path = JoinPath(dir, params);
  return loc;
}

Located Locate(const ModelSource& src) {
  if (!src.model_dir.empty()) return FindInDirectory(src.model_dir);
  PDI_ENFORCE_ARG(!src.prog_file.empty(),
                  "no model given: set a model directory, a program file, or memory buffers");
  // Paddle >= 2.6 also accepts (model_dir, model_prefix).
  if (IsDirectory(src.prog_file) && !src.params_file.empty() &&
      src.params_file.find('/') == std::string::npos) {
    const std::string& dir = src.prog_file;
    const std::string& prefix = src.params_file;
    Located loc;
    for (const char* ext : {".pdmodel", ".json"})
      if (loc.prog_path.empty() && IsRegularFile(JoinPath(dir, prefix + ext)))
        loc.prog_path = JoinPath(dir, prefix + ext);
    if (loc.prog_path.empty())
      ThrowError(ErrorCode::kNotFound, "model file not found: ", JoinPath(dir, prefix),
                 ".pdmodel (or .json)");
    loc.params_path = JoinPath(dir, prefix + ".pdiparams");
    if (!PathExists(loc.params_path)) {
      loc.params_path.clear();
      loc.params_dir = dir;
    }
    return loc;
  }
  Located loc;
  loc.prog_path = src.prog_file;
  if (!src.params_file.empty()) {
    loc.params_path = src.params_file;
  } else {
    loc.params_dir = DirName(src.prog_file);
    loc.params_implicit = true;
  }
  return loc;
}

ParamLoader MakeFileParamLoader(const Located& loc) {
  if (!loc.params_path.empty()) {
    std::string path = loc.params_path;
    return [path](const std::vector<ParamSpec>& specs) {
      return ReadCombinedParams(ReadFileBytes(path), specs);
    };
  }
  Located l = loc;
  return [l](const std::vector<ParamSpec>& specs) {
    if (l.params_implicit && !specs.empty() &&
        !PathExists(JoinPath(l.params_dir, specs.front().name)))
      ThrowError(ErrorCode::kNotFound, "the program ", l.prog_path, " declares ", specs.size(),
                 " parameters but no params file was given (and ",
                 JoinPath(l.params_dir, specs.front().name), " does not exist)");
    return ReadSeparateParams(l.params_dir, specs);
  };
}

const Frontend& PickFrontend(const ByteView& program) {
  for (const Frontend& f : kFrontends)
    if (f.detect(program)) return f;
  ThrowError(ErrorCode::kInvalidModel, program.origin,
             ": not a Paddle program (neither a ProgramDesc protobuf nor a PIR JSON file)");
}

// Names quoted in messages come from the file and may be any bytes; keep the message
// valid UTF-8 (bindings decode it) by escaping invalid sequences and control bytes.
std::string SanitizeMessage(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  auto escape = [&](unsigned char c) {
    static const char* hex = "0123456789abcdef";
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 15];
  };
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\n' && c != '\t') escape(c); else out += static_cast<char>(c);
      ++i;
      continue;
    }
    size_t len = (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3
                 : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok && len == 3) {  // no overlongs or surrogates
      unsigned char d = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xe0 && d < 0xa0) && !(c == 0xed && d >= 0xa0);
    }
    if (ok && len == 4) {
      unsigned char d = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xf0 && d < 0x90) && !(c == 0xf4 && d >= 0x90);
    }
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      escape(c);
      ++i;
    }
  }
  return out;
}

LoadedModel LoadModelImpl(const ModelSource& source);

}  // namespace

LoadedModel LoadModel(const ModelSource& source) {
  try {
    return LoadModelImpl(source);
  } catch (const Error& e) {
    throw Error(e.code(), SanitizeMessage(e.message()));
  }
}

namespace {

LoadedModel LoadModelImpl(const ModelSource& source) {
  ByteView program;
  ParamLoader load_params;
  std::string description;
  if (source.from_memory) {
    program = BytesOfString(source.prog_buffer, "<program buffer>");
    auto params = std::make_shared<ByteView>(BytesOfString(source.params_buffer, "<params buffer>"));
    load_params = [params](const std::vector<ParamSpec>& specs) {
      return ReadCombinedParams(*params, specs);
    };
    description = StrCat("memory buffers (program ", source.prog_buffer.size(), " bytes, params ",
                         source.params_buffer.size(), " bytes)");
    PDI_ENFORCE_MODEL(program.size > 0, "the program buffer is empty");
  } else {
    Located loc = Locate(source);
    if (!PathExists(loc.prog_path))
      ThrowError(ErrorCode::kNotFound, "model file not found: ", loc.prog_path);
    if (!loc.params_path.empty() && !PathExists(loc.params_path))
      ThrowError(ErrorCode::kNotFound, "params file not found: ", loc.params_path);
    program = ReadFileBytes(loc.prog_path);
    PDI_ENFORCE_MODEL(program.size > 0, loc.prog_path, ": the program file is empty");
    load_params = MakeFileParamLoader(loc);
    description = loc.prog_path + (loc.params_path.empty()
                                       ? StrCat(" (parameters: one file each in ", loc.params_dir, ")")
                                       : " + " + loc.params_path);
  }

  const Frontend& fe = PickFrontend(program);
  FrontendOutput out = fe.build(program, load_params);
  LoadedModel model;
  model.graph = std::move(out.graph);
  model.format = fe.format;
  model.description = StrCat(description, ", ", out.num_params, " parameters");
  model.warnings = std::move(out.warnings);
  if (const char* v = std::getenv("PDINFER_VERBOSE"); v && *v && std::strcmp(v, "0") != 0)
    for (const std::string& w : model.warnings) std::fprintf(stderr, "[pdinfer] warning: %s\n", w.c_str());
  return model;
}

}  // namespace

}  // namespace pdinfer
