// plinth-make-model: writes a random-weight model directory at a real architecture's shape.
//   plinth-make-model --arch mistral --preset 7b --dtype f16 --out /tmp/mistral-7b
//   plinth-make-model --arch mistral --hidden 2048 --layers 16 --heads 16 --kv-heads 4
//                     --intermediate 5632 --vocab 32000 --out DIR
//   plinth-make-model --arch mistral --preset 0.85b --out DIR --gguf DIR.gguf
// --gguf also (or, without --out, instead) writes the model as a GGUF file for llama.cpp, only for
// peer benchmarks (tools/bench-peer-llamacpp.sh); its tensors hold the same values.
// Values are drawn uniformly in +-scale (norm weights are 1) from a fixed seed: speed does not
// depend on them, and the same command writes the same bytes.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <unistd.h>

#include "llama_gguf.hpp"
#include "model_specs.hpp"
#include "safetensors_writer.hpp"

namespace {

uint16_t to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}
uint16_t to_f16(float f) { // values here are small and normal: a simple rounding suffices
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const int exp = static_cast<int>((u >> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign;
  uint32_t m = (u >> 13) & 0x3ffu;
  if (u & 0x1000u) ++m;
  return static_cast<uint16_t>(sign | (std::min(exp, 30) << 10)) + static_cast<uint16_t>(m);
}

uint64_t mix(uint64_t x) { // splitmix64: an element's value depends only on (tensor, index)
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

void usage() {
  std::cout << "usage: plinth-make-model --arch mistral|esm [--preset NAME] [--hidden N] [--layers N]\n"
               "         [--heads N] [--kv-heads N] [--intermediate N] [--vocab N]\n"
               "         [--dtype f16|bf16|f32] [--scale S] [--out DIR] [--gguf FILE]\n"
               "--gguf FILE also writes a llama.cpp GGUF of a mistral model (peer benchmarks)\n"
               "presets: mistral: tiny, 0.85b, 7b; esm: 8m, 650m\n";
}

} // namespace

int main(int argc, char **argv) {
  make_model::Shape s;
  std::string preset, out, gguf, dtype = "f16";
  float scale = 0.02f;
  bool shape_given = false;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw std::runtime_error("missing value after " + a);
        return argv[++i];
      };
      auto num = [&]() { shape_given = true; return std::stoll(next()); };
      if (a == "-h" || a == "--help") return usage(), 0;
      else if (a == "--arch") s.arch = next();
      else if (a == "--preset") preset = next();
      else if (a == "--out") out = next();
      else if (a == "--gguf") gguf = next();
      else if (a == "--dtype") dtype = next();
      else if (a == "--scale") scale = std::stof(next());
      else if (a == "--hidden") s.hidden = num();
      else if (a == "--layers") s.layers = num();
      else if (a == "--heads") s.heads = num();
      else if (a == "--kv-heads") s.kv_heads = num();
      else if (a == "--intermediate") s.intermediate = num();
      else if (a == "--vocab") s.vocab = num();
      else throw std::runtime_error("unknown option " + a);
    }
    if (out.empty() && gguf.empty())
      throw std::runtime_error("--out DIR or --gguf FILE is required");
    if (s.arch != "mistral" && s.arch != "esm") throw std::runtime_error("--arch must be mistral or esm");
    if (!preset.empty() && !make_model::apply_preset(preset, s))
      throw std::runtime_error("unknown preset '" + preset + "' for " + s.arch);
    (void)shape_given;
    if (s.heads <= 0 || s.hidden % s.heads || s.kv_heads <= 0 || s.heads % s.kv_heads)
      throw std::runtime_error("hidden must divide by heads, and heads by kv-heads");
    using make_model::GgmlType;
    std::string st_dtype;
    size_t es = 0;
    GgmlType type{};
    if (dtype == "f16") st_dtype = "F16", es = 2, type = GgmlType::F16;
    else if (dtype == "bf16") st_dtype = "BF16", es = 2, type = GgmlType::BF16;
    else if (dtype == "f32") st_dtype = "F32", es = 4, type = GgmlType::F32;
    else throw std::runtime_error("--dtype must be f16, bf16 or f32");

    const auto specs = make_model::tensors_for(s);
    // An element's value depends only on (tensor index, element index), so both formats hold the
    // same weights.
    auto value = [&](size_t ti, int64_t k) {
      if (specs[ti].ones) return 1.0f;
      const uint64_t r = mix((static_cast<uint64_t>(ti) << 40) ^ static_cast<uint64_t>(k));
      return scale * (static_cast<float>(r >> 40) / static_cast<float>(1 << 24) * 2.0f - 1.0f);
    };
    auto encode = [](GgmlType t, float v, uint8_t *dst) {
      if (t == GgmlType::F32) return std::memcpy(dst, &v, 4), void();
      const uint16_t h = t == GgmlType::BF16 ? to_bf16(v) : to_f16(v);
      std::memcpy(dst, &h, 2);
    };
    const bool tty = isatty(2);
    auto progress_for = [tty](const std::string &what) {
      return [tty, what, last_pct = -1](uint64_t done, uint64_t total) mutable {
        const int pct = static_cast<int>(100.0 * static_cast<double>(done) / total);
        if (tty && pct != last_pct) {
          std::fprintf(stderr, "\rwriting %s: %3d%% of %.2f GB", what.c_str(), pct, total / 1e9);
          last_pct = pct;
        }
      };
    };

    // Built before anything is written, so an unsupported --gguf fails early.
    const auto gguf_writer =
        gguf.empty() ? make_model::GgufWriter{} : make_model::llama_gguf_for(s, specs, type);
    if (!out.empty()) {
      std::filesystem::create_directories(out);
      std::vector<make_model::WriteTensor> wt;
      for (const auto &t : specs) wt.push_back({t.name, t.shape});
      std::ofstream(std::filesystem::path(out) / "config.json")
          << make_model::config_for(s, dtype == "f32" ? "float32" : dtype == "f16" ? "float16" : "bfloat16").dump(2)
          << "\n";
      make_model::write_safetensors(
          (std::filesystem::path(out) / "model.safetensors").string(), wt, st_dtype, es,
          [&](size_t ti, int64_t first, int64_t n, uint8_t *dst) {
            for (int64_t k = 0; k < n; ++k) encode(type, value(ti, first + k), dst + es * k);
          },
          progress_for(out));
      if (tty) std::fprintf(stderr, "\n");
      std::cout << "wrote " << out << " (" << s.arch << ", hidden " << s.hidden << ", " << s.layers
                << " layers, " << dtype << ")\n";
    }
    if (!gguf.empty()) {
      gguf_writer.write(
          gguf,
          [&](size_t ti, int64_t first, int64_t n, uint8_t *dst) {
            const bool norm = specs[ti].shape.size() == 1; // stored as f32 in GGUF
            const size_t tes = norm ? 4 : es;
            const GgmlType t = norm ? GgmlType::F32 : type;
            for (int64_t k = 0; k < n; ++k) encode(t, value(ti, first + k), dst + tes * k);
          },
          progress_for(gguf));
      if (tty) std::fprintf(stderr, "\n");
      std::cout << "wrote " << gguf << " (GGUF, llama architecture, " << dtype << " matrices)\n";
    }
    return 0;
  } catch (const std::exception &e) {
    std::cerr << "plinth-make-model: error: " << e.what() << "\n";
    usage();
    return 2;
  }
}
