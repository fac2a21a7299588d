#include "checkpoint.hpp"

#include "dtype.hpp"
#include "error.hpp"
#include "torch_checkpoint.hpp"

namespace fs = std::filesystem;

namespace plinth {

Checkpoint::Checkpoint(const fs::path &dir) : dir_(dir) {
  if (!fs::is_directory(dir))
    throw Error(PLINTH_ERR_NOT_FOUND, "model directory not found: " + dir.string());
  const fs::path cfg = dir / "config.json";
  if (!fs::exists(cfg))
    throw Error(PLINTH_ERR_NOT_FOUND, "no config.json in model directory " + dir.string());
  auto j = read_json_file(cfg);
  if (!j.is_object()) throw Error(PLINTH_ERR_FORMAT, cfg.string() + ": expected a JSON object");
  normalize_model_config(j);
  config_ = JsonConfig(std::move(j));
  if (!config_.get_str("model_type"))
    throw Error(PLINTH_ERR_FORMAT, cfg.string() + ": missing \"model_type\"");
  const fs::path gen = dir / "generation_config.json";
  if (fs::exists(gen)) generation_config_ = JsonConfig::from_file(gen);
  load_weights();
}

std::unique_ptr<TensorFile> Checkpoint::open_file(const fs::path &path, bool torch) const {
  if (torch) return std::make_unique<TorchCheckpointFile>(path);
  return std::make_unique<SafetensorsFile>(path);
}

void Checkpoint::load_index(const fs::path &index, bool torch) {
  auto j = read_json_file(index);
  if (!j.contains("weight_map") || !j["weight_map"].is_object())
    throw Error(PLINTH_ERR_FORMAT, index.string() + ": missing \"weight_map\"");
  std::map<std::string, TensorFile *> opened;
  for (auto &[name, file] : j["weight_map"].items()) {
    if (!file.is_string())
      throw Error(PLINTH_ERR_FORMAT,
                  index.string() + ": weight_map entry for " + name + " is not a file name");
    const std::string fname = file.get<std::string>();
    if (fname.find('/') != std::string::npos || fname.find("..") != std::string::npos)
      throw Error(PLINTH_ERR_FORMAT,
                  index.string() + ": shard name '" + fname + "' must be a plain file name");
    auto it = opened.find(fname);
    if (it == opened.end()) {
      shards_.push_back(open_file(dir_ / fname, torch));
      it = opened.emplace(fname, shards_.back().get()).first;
    }
    const TensorRecord *rec = it->second->find(name);
    if (!rec)
      throw Error(PLINTH_ERR_FORMAT, index.string() + " maps " + name + " to " + fname +
                                         ", which does not contain it");
    index_[name] = rec;
  }
}

void Checkpoint::load_weights() {
  // safetensors first: it is what current checkpoints ship and needs no pickle at all.
  if (fs::exists(dir_ / "model.safetensors.index.json")) {
    load_index(dir_ / "model.safetensors.index.json", false);
  } else if (fs::exists(dir_ / "model.safetensors")) {
    shards_.push_back(open_file(dir_ / "model.safetensors", false));
  } else if (fs::exists(dir_ / "pytorch_model.bin.index.json")) {
    load_index(dir_ / "pytorch_model.bin.index.json", true);
  } else if (fs::exists(dir_ / "pytorch_model.bin")) {
    shards_.push_back(open_file(dir_ / "pytorch_model.bin", true));
  } else {
    throw Error(PLINTH_ERR_NOT_FOUND, "no weights in " + dir_.string() +
                                          " (looked for model.safetensors[.index.json] and "
                                          "pytorch_model.bin[.index.json])");
  }
  if (index_.empty())
    for (auto &f : shards_)
      for (auto &[name, rec] : f->tensors())
        index_[name] = &rec;
  for (auto &[name, rec] : index_)
    ordered_.push_back(rec);
}

std::string Checkpoint::model_type() const { return config_.get_str("model_type").value_or(""); }

std::string Checkpoint::architecture() const {
  return config_.get_str("architectures.0").value_or("");
}

const TensorRecord *Checkpoint::find(const std::string &name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

MappedFile *Checkpoint::mapping_of(const TensorRecord &r) const {
  if (!r.in_mapping) return nullptr;
  for (const auto &f : shards_)
    if (MappedFile *m = f->mapping(); m && m->contains(r.data)) return m;
  return nullptr;
}

int64_t Checkpoint::n_parameters() const {
  int64_t n = 0;
  for (const auto *t : ordered_)
    n += t->numel();
  return n;
}

int32_t Checkpoint::dominant_dtype() const {
  std::map<int32_t, int64_t> count;
  for (const auto *t : ordered_)
    count[t->dtype] += t->numel();
  int32_t best = PLINTH_DTYPE_F32;
  int64_t most = -1;
  for (auto [dt, n] : count)
    if (n > most && (dt == PLINTH_DTYPE_F32 || dt == PLINTH_DTYPE_F16 || dt == PLINTH_DTYPE_BF16))
      best = dt, most = n;
  return best;
}

namespace {
std::vector<int32_t> ids_at(const JsonConfig &c, const std::string &key) {
  std::vector<int32_t> out;
  const auto *v = c.find(key);
  if (!v) return out;
  if (v->is_number_integer()) out.push_back(static_cast<int32_t>(json_integer(*v, key, 0)));
  if (v->is_array())
    for (const auto &e : *v)
      if (e.is_number_integer()) out.push_back(static_cast<int32_t>(json_integer(e, key, 0)));
  return out;
}
} // namespace

std::vector<int32_t> Checkpoint::eos_token_ids() const {
  if (generation_config_) {
    auto ids = ids_at(*generation_config_, "eos_token_id");
    if (!ids.empty()) return ids;
  }
  return ids_at(config_, "eos_token_id");
}

std::optional<int32_t> Checkpoint::pad_token_id() const {
  if (generation_config_)
    if (auto v = generation_config_->get_i64("pad_token_id")) return static_cast<int32_t>(*v);
  if (auto v = config_.get_i64("pad_token_id")) return static_cast<int32_t>(*v);
  return std::nullopt;
}

} // namespace plinth
