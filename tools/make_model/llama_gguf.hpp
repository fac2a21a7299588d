// The benchmark model as llama.cpp's "llama" architecture, for peer benchmarks only
// (tools/bench-peer-llamacpp.sh): the weights are random and the outputs meaningless; only the
// shapes, and so the bytes a token reads, match the safetensors model plinth loads.
#pragma once

#include "gguf_writer.hpp"
#include "model_specs.hpp"

namespace make_model {

// Metadata and tensor list for a mistral-shaped `s`; tensor i of the result is specs[i]
// (tensors_for(s)) under its GGUF name, so one fill callback serves both formats. Matrices are
// stored as `matrix_type`, norm weights as f32 (what llama.cpp's converter writes).
GgufWriter llama_gguf_for(const Shape &s, const std::vector<TensorSpec> &specs,
                          GgmlType matrix_type);

} // namespace make_model
