// pdinfer C++ API: the pass list of a Config (Config::pass_builder()).
//
// pdinfer runs its own graph optimizations; a name deleted here disables the pdinfer
// pass of that name (unknown names are accepted and ignored). The list itself is
// informational: AppendPass/InsertPass record names but cannot add new optimizations.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "paddle_infer_declare.h"  // NOLINT

namespace paddle {

class PD_INFER_DECL PaddlePassBuilder {
 public:
  PaddlePassBuilder();
  explicit PaddlePassBuilder(const std::vector<std::string>& passes);
  PaddlePassBuilder(const PaddlePassBuilder& other);
  PaddlePassBuilder& operator=(const PaddlePassBuilder& other);
  virtual ~PaddlePassBuilder();

  void SetPasses(std::initializer_list<std::string> passes);
  void AppendPass(const std::string& pass_type);
  void InsertPass(size_t idx, const std::string& pass_type);
  void DeletePass(size_t idx);
  void DeletePass(const std::string& pass_type);
  void ClearPasses();
  size_t GetPassIndex(const std::string& pass_type);
  void AppendAnalysisPass(const std::string& pass);
  void TurnOnDebug();
  std::string DebugString();
  const std::vector<std::string>& AllPasses() const;
  std::vector<std::string> AnalysisPasses() const;
  // pdinfer accessor: every name given to DeletePass(name); these reach the optimizer.
  const std::vector<std::string>& DeletedPasses() const;

 private:
  struct Data;
  std::unique_ptr<Data> d_;
};

class PD_INFER_DECL PassStrategy : public PaddlePassBuilder {
 public:
  PassStrategy();
  explicit PassStrategy(const std::vector<std::string>& passes);
  ~PassStrategy() override;
  virtual void EnableCUDNN();
  virtual void EnableMKLDNN();
  virtual void EnableONEDNN();
  virtual void DisableONEDNN();
  virtual void DisableOnednnFcPasses();
  virtual void EnableMkldnnBfloat16();
  virtual void EnableMkldnnInt8();
  virtual void DisableMkldnnFcPasses();
  bool use_gpu() const;
  bool use_mkldnn() const;
};

class PD_INFER_DECL CpuPassStrategy : public PassStrategy {
 public:
  CpuPassStrategy();
  ~CpuPassStrategy() override;
};

}  // namespace paddle
