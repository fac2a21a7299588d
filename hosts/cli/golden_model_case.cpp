#include "golden_model_case.hpp"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "cli_common.hpp"
#include "compare.hpp"
#include "json_file.hpp"
#include "safetensors_reader.hpp"

namespace plinth_cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool starts_with(const std::string &s, const std::string &prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Keys of the generation checks ("generate.*", "generate_batch.*") are not forward inputs or
// outputs.
bool is_generation_key(const std::string &name) { return starts_with(name, "generate"); }

std::vector<int32_t> to_int32(const StTensor &t) {
  std::vector<int32_t> out;
  out.reserve(static_cast<size_t>(t.numel()));
  for (int64_t v : t.to_int64s()) {
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
      throw std::runtime_error("input '" + t.name + "' has a value outside int32");
    out.push_back(static_cast<int32_t>(v));
  }
  return out;
}

struct CaseData {
  json spec;
  SafetensorsFile inputs;
  SafetensorsFile expected;
  Tolerance tol;
};

// The forward inputs as int32 host tensors (the names and data stay owned here).
struct ForwardInputs {
  std::vector<std::string> names;
  std::vector<std::vector<int32_t>> data;
  std::vector<plinth_host_tensor> tensors;

  void add(const std::string &name, std::vector<int32_t> values, std::vector<int64_t> shape) {
    if (shape.size() > PLINTH_MAX_DIMS)
      throw std::runtime_error("input '" + name + "' has more than PLINTH_MAX_DIMS dims");
    names.push_back(name);
    data.push_back(std::move(values));
    plinth_host_tensor t{};
    t.dtype = PLINTH_DTYPE_I32;
    t.ndim = static_cast<int32_t>(shape.size());
    for (size_t d = 0; d < shape.size(); ++d)
      t.shape[d] = shape[d];
    tensors.push_back(t);
  }
  // Pointers are taken only once every vector is complete, so none dangle.
  const plinth_host_tensor *finish() {
    for (size_t i = 0; i < tensors.size(); ++i) {
      tensors[i].name = names[i].c_str();
      tensors[i].data = data[i].data();
    }
    return tensors.data();
  }
};

OutputsPtr run_forward(plinth_model *model, ForwardInputs &inputs, bool hidden_states,
                       const std::vector<std::string> &wanted) {
  std::vector<const char *> wanted_ptrs;
  for (const std::string &name : wanted)
    wanted_ptrs.push_back(name.c_str());
  wanted_ptrs.push_back(nullptr);
  plinth_forward_options fopts;
  plinth_forward_options_init(&fopts, sizeof fopts);
  fopts.output_hidden_states = hidden_states ? 1 : 0;
  fopts.wanted = wanted.empty() ? nullptr : wanted_ptrs.data();
  const plinth_host_tensor *tensors = inputs.finish();
  plinth_outputs *out = nullptr;
  check_status(plinth_model_forward(model, tensors, static_cast<int32_t>(inputs.tensors.size()),
                                    &fopts, &out));
  return OutputsPtr(out);
}

void record(CaseOutcome &outcome, const CompareResult &r) {
  outcome.details.push_back(r.message);
  if (!r.ok) outcome.fail(r.message);
}

// Compares one library output with its golden tensor (floats within tolerance, integers
// exactly).
void compare_output(const plinth_host_tensor &got, const StTensor &want, const Tolerance &tol,
                    CaseOutcome &outcome) {
  const std::vector<int64_t> got_shape = host_tensor_shape(got);
  const std::vector<double> got_values = host_tensor_values(got);
  if (want.is_float()) {
    record(outcome,
           compare_close(want.name, got_shape, got_values, want.shape, want.to_doubles(), tol));
  } else {
    std::vector<int64_t> got_ints(got_values.begin(), got_values.end());
    record(outcome, compare_exact(want.name, got_shape, got_ints, want.shape, want.to_int64s()));
  }
}

void check_forward(plinth_model *model, const CaseData &data, CaseOutcome &outcome) {
  std::vector<std::string> expected_names;
  std::vector<std::string> wanted;
  bool hidden_states = false;
  for (const std::string &name : data.expected.names()) {
    if (is_generation_key(name)) continue;
    expected_names.push_back(name);
    if (starts_with(name, "hidden_states."))
      hidden_states = true;
    else
      wanted.push_back(name); // optional outputs (router_logits.<i>, ...) must be asked for
  }
  if (expected_names.empty()) return;

  ForwardInputs inputs;
  for (const std::string &name : data.inputs.names()) {
    if (is_generation_key(name)) continue;
    const StTensor &t = *data.inputs.find(name);
    inputs.add(name, to_int32(t), t.shape);
  }
  OutputsPtr outputs = run_forward(model, inputs, hidden_states, wanted);
  for (const std::string &name : expected_names) {
    plinth_host_tensor got{};
    if (plinth_outputs_find(outputs.get(), name.c_str(), &got) != PLINTH_OK) {
      outcome.fail(name + ": not among the outputs");
      continue;
    }
    compare_output(got, *data.expected.find(name), data.tol, outcome);
  }
}

std::set<int64_t> parse_token_ids(const json &value) {
  std::set<int64_t> ids;
  if (value.is_number_integer())
    ids.insert(value.get<int64_t>());
  else if (value.is_array())
    for (const json &v : value)
      if (v.is_number_integer()) ids.insert(v.get<int64_t>());
  return ids;
}

// The eos ids that end a row, as transformers would use them: the case's own setting when it
// has one (null = never stop), else the checkpoint's generation_config.json.
std::set<int64_t> eos_ids(const json &gen_spec, const json &generation_config) {
  if (gen_spec.is_object() && gen_spec.contains("eos_token_id"))
    return parse_token_ids(gen_spec["eos_token_id"]);
  if (generation_config.is_object() && generation_config.contains("eos_token_id"))
    return parse_token_ids(generation_config["eos_token_id"]);
  return {};
}

// Produces the next-token logits [batch, vocab] for the tokens so far: either one KV-cache step
// on a session, or (for models without sessions) a full forward pass over the whole sequence.
class StepRunner {
public:
  StepRunner(plinth_model *model, int32_t batch, int32_t max_tokens, int64_t vocab)
      : model_(model), batch_(batch), vocab_(vocab) {
    plinth_session *session = nullptr;
    const auto sopts = session_options(batch, max_tokens);
    plinth_status st = plinth_session_create(model, &sopts, &session);
    if (st == PLINTH_ERR_UNSUPPORTED) return; // full recompute
    check_status(st);
    session_.reset(session);
  }
  bool uses_session() const { return session_ != nullptr; }

  // ids/mask: the full sequences so far [batch, len]; n_new: how many trailing tokens are new.
  std::vector<float> step(const std::vector<std::vector<int32_t>> &ids,
                          const std::vector<std::vector<int32_t>> &mask, int32_t n_new) {
    std::vector<float> logits(static_cast<size_t>(batch_ * vocab_));
    const size_t len = ids[0].size();
    if (session_) {
      std::vector<int32_t> new_ids;
      std::vector<int32_t> flat_mask;
      for (int32_t b = 0; b < batch_; ++b) {
        new_ids.insert(new_ids.end(), ids[b].end() - n_new, ids[b].end());
        flat_mask.insert(flat_mask.end(), mask[b].begin(), mask[b].end());
      }
      check_status(plinth_session_step(session_.get(), new_ids.data(), n_new, flat_mask.data(),
                                       logits.data()));
      return logits;
    }
    ForwardInputs inputs;
    std::vector<int32_t> flat_ids;
    std::vector<int32_t> flat_mask;
    for (int32_t b = 0; b < batch_; ++b) {
      flat_ids.insert(flat_ids.end(), ids[b].begin(), ids[b].end());
      flat_mask.insert(flat_mask.end(), mask[b].begin(), mask[b].end());
    }
    const std::vector<int64_t> shape = {batch_, static_cast<int64_t>(len)};
    inputs.add("input_ids", std::move(flat_ids), shape);
    inputs.add("attention_mask", std::move(flat_mask), shape);
    OutputsPtr outputs = run_forward(model_, inputs, false, {});
    plinth_host_tensor t{};
    check_status(plinth_outputs_find(outputs.get(), "logits", &t));
    const std::vector<int64_t> want_shape = {batch_, static_cast<int64_t>(len), vocab_};
    if (host_tensor_shape(t) != want_shape || t.dtype != PLINTH_DTYPE_F32)
      throw std::runtime_error("forward logits have shape " + shape_string(host_tensor_shape(t)) +
                               ", expected f32 " + shape_string(want_shape));
    const float *all = static_cast<const float *>(t.data);
    for (int32_t b = 0; b < batch_; ++b) {
      const float *last = all + (static_cast<size_t>(b) * len + (len - 1)) * vocab_;
      std::copy(last, last + vocab_, logits.begin() + static_cast<long>(b * vocab_));
    }
    return logits;
  }

private:
  plinth_model *model_;
  int32_t batch_;
  int64_t vocab_;
  SessionPtr session_;
};

// Replays transformers' greedy generate() for the "<prefix>.*" tensors: argmax on the host,
// each step's logits kept for comparison with "<prefix>.step_logits".
void check_generation(plinth_model *model, const fs::path &dir, const CaseData &data,
                      const std::string &prefix, CaseOutcome &outcome) {
  const StTensor *want_seq = data.expected.find(prefix + ".sequences");
  if (want_seq == nullptr) return;
  const StTensor *want_logits = data.expected.find(prefix + ".step_logits");
  const StTensor *prompt = data.inputs.find(prefix + ".input_ids");
  if (prompt == nullptr || prompt->shape.size() != 2) {
    outcome.fail(prefix + ": inputs lack a 2-d " + prefix + ".input_ids");
    return;
  }
  const int32_t batch = static_cast<int32_t>(prompt->shape[0]);
  const int32_t n_prompt = static_cast<int32_t>(prompt->shape[1]);
  const json gen_spec = data.spec.value(prefix, json());
  int32_t max_new = 0;
  if (gen_spec.is_object() && gen_spec.contains("max_new_tokens"))
    max_new = gen_spec["max_new_tokens"].get<int32_t>();
  else if (want_seq->shape.size() == 2)
    max_new = static_cast<int32_t>(want_seq->shape[1]) - n_prompt;
  if (batch <= 0 || n_prompt <= 0 || max_new <= 0) {
    outcome.fail(prefix + ": nothing to generate (batch " + std::to_string(batch) + ", prompt " +
                 std::to_string(n_prompt) + ", max_new_tokens " + std::to_string(max_new) + ")");
    return;
  }
  json generation_config;
  if (fs::exists(dir / "generation_config.json"))
    generation_config = read_json_file(dir / "generation_config.json");
  const std::set<int64_t> eos = eos_ids(gen_spec, generation_config);
  // transformers fills finished rows with pad_token_id (falling back to the first eos id).
  int64_t pad_id = 0;
  if (generation_config.is_object() &&
      generation_config.value("pad_token_id", json()).is_number_integer())
    pad_id = generation_config["pad_token_id"].get<int64_t>();
  else if (!eos.empty())
    pad_id = *eos.begin();

  plinth_model_info info{};
  info.struct_size = sizeof info;
  check_status(plinth_model_get_info(model, &info));
  const int64_t vocab = info.vocab_size;
  if (vocab <= 0) {
    outcome.fail(prefix + ": model reports vocab size " + std::to_string(vocab));
    return;
  }

  std::vector<std::vector<int32_t>> ids(static_cast<size_t>(batch));
  std::vector<std::vector<int32_t>> mask(static_cast<size_t>(batch));
  const std::vector<int32_t> prompt_ids = to_int32(*prompt);
  const StTensor *prompt_mask = data.inputs.find(prefix + ".attention_mask");
  std::vector<int32_t> mask_values =
      prompt_mask != nullptr ? to_int32(*prompt_mask) : std::vector<int32_t>(prompt_ids.size(), 1);
  if (mask_values.size() != prompt_ids.size()) {
    outcome.fail(prefix + ": attention_mask and input_ids differ in shape");
    return;
  }
  for (int32_t b = 0; b < batch; ++b) {
    auto row = static_cast<long>(b) * n_prompt;
    ids[b].assign(prompt_ids.begin() + row, prompt_ids.begin() + row + n_prompt);
    mask[b].assign(mask_values.begin() + row, mask_values.begin() + row + n_prompt);
  }

  StepRunner runner(model, batch, n_prompt + max_new, vocab);
  outcome.details.push_back(prefix + ": " +
                            (runner.uses_session() ? "KV-cache session" : "full recompute"));
  std::vector<double> got_logits; // [batch, steps, vocab] once reordered below
  std::vector<std::vector<float>> per_step;
  std::vector<bool> finished(static_cast<size_t>(batch), false);
  int32_t steps = 0;
  for (; steps < max_new; ++steps) {
    std::vector<float> logits = runner.step(ids, mask, steps == 0 ? n_prompt : 1);
    for (int32_t b = 0; b < batch; ++b) {
      const float *row = logits.data() + static_cast<size_t>(b) * vocab;
      int32_t best = 0;
      for (int32_t v = 1; v < vocab; ++v) // first maximum, as torch.argmax
        if (row[v] > row[best]) best = v;
      int32_t token = finished[b] ? static_cast<int32_t>(pad_id) : best;
      if (eos.count(token) != 0) finished[b] = true;
      ids[b].push_back(token);
      mask[b].push_back(1);
    }
    per_step.push_back(std::move(logits));
    if (std::all_of(finished.begin(), finished.end(), [](bool f) { return f; })) {
      ++steps;
      break;
    }
  }

  if (want_logits != nullptr) {
    got_logits.resize(static_cast<size_t>(batch) * steps * vocab);
    for (int32_t s = 0; s < steps; ++s)
      for (int32_t b = 0; b < batch; ++b)
        std::copy(per_step[s].begin() + static_cast<long>(b * vocab),
                  per_step[s].begin() + static_cast<long>((b + 1) * vocab),
                  got_logits.begin() +
                      static_cast<long>((static_cast<int64_t>(b) * steps + s) * vocab));
    record(outcome, compare_close(want_logits->name, {batch, steps, vocab}, got_logits,
                                  want_logits->shape, want_logits->to_doubles(), data.tol));
  }
  std::vector<int64_t> got_seq;
  for (const auto &row : ids)
    got_seq.insert(got_seq.end(), row.begin(), row.end());
  record(outcome, compare_exact(want_seq->name, {batch, n_prompt + steps}, got_seq, want_seq->shape,
                                want_seq->to_int64s()));
}

Tolerance read_tolerance(const json &spec) {
  Tolerance tol;
  if (spec.contains("tolerance") && spec["tolerance"].is_object()) {
    tol.rtol = spec["tolerance"].value("rtol", tol.rtol);
    tol.atol = spec["tolerance"].value("atol", tol.atol);
  }
  return tol;
}

} // namespace

CaseOutcome run_model_case(plinth_runtime *rt, const fs::path &dir, const CheckOptions &opts) {
  CaseOutcome outcome;
  outcome.label = dir.string();
  try {
    CaseData data{read_json_file(dir / "case.json"), {}, {}, {}};
    if (!data.spec.is_object()) throw std::runtime_error("case.json is not a JSON object");
    data.tol = read_tolerance(data.spec);
    // "head" names the task head; "kind" is the fixture generator's own label for it (for
    // example "causal_lm_manual"), so it is only the fallback.
    std::string head = data.spec.value("head", json()).is_string()
                           ? data.spec["head"].get<std::string>()
                           : data.spec.value("kind", std::string());
    data.inputs = SafetensorsFile::read((dir / "inputs.safetensors").string());
    data.expected = SafetensorsFile::read((dir / "expected.safetensors").string());

    ModelPtr model = load_model(rt, dir.string(), opts.backend, opts.dtype, head, 0);
    check_forward(model.get(), data, outcome);
    check_generation(model.get(), dir, data, "generate", outcome);
    check_generation(model.get(), dir, data, "generate_batch", outcome);
  } catch (const std::exception &e) {
    outcome.fail(e.what());
  }
  return outcome;
}

} // namespace plinth_cli
