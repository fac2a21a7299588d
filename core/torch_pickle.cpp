#include "torch_pickle.hpp"

#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <variant>

#include "error.hpp"

namespace plinth {

namespace {

struct Value;
// Values live in the reader's arena and point at each other with plain pointers: a pickle
// may nest 300,000 levels deep (releasing a shared_ptr tree of that depth recursed until the
// stack overflowed) or make a list contain itself (a shared_ptr cycle that leaked).
using ValuePtr = Value *;

// Callables the reader knows. Anything else in a GLOBAL opcode is refused.
enum class Global { OrderedDict, RebuildTensorV2, RebuildTensor, RebuildParameter, Storage };

struct StorageRef {
  std::string key;
  int32_t dtype = 0;
  int64_t numel = 0;
};

struct Value {
  enum Kind { None, Bool, Int, Float, Str, Tuple, List, Dict, Callable, StorageV, TensorV, Mark };
  Kind kind = None;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<ValuePtr> items;                        // Tuple, List
  std::vector<std::pair<ValuePtr, ValuePtr>> entries; // Dict (ordered)
  Global global{};
  int32_t storage_dtype = 0; // Callable Storage
  StorageRef storage;        // StorageV
  PickledTensor tensor;      // TensorV
};

struct StorageType {
  const char *name;
  int32_t dtype;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", PLINTH_DTYPE_F32},     {"HalfStorage", PLINTH_DTYPE_F16},
    {"BFloat16Storage", PLINTH_DTYPE_BF16}, {"DoubleStorage", PLINTH_DTYPE_F64},
    {"LongStorage", PLINTH_DTYPE_I64},      {"IntStorage", PLINTH_DTYPE_I32},
    {"ShortStorage", PLINTH_DTYPE_I16},     {"CharStorage", PLINTH_DTYPE_I8},
    {"ByteStorage", PLINTH_DTYPE_U8},       {"BoolStorage", PLINTH_DTYPE_BOOL},
};

class Reader {
public:
  Reader(const uint8_t *d, size_t n, const std::string &label)
      : p_(d), end_(d + n), label_(label) {}

  std::vector<PickledTensor> run() {
    for (;;) {
      const uint8_t op = u8();
      switch (op) {
      case 0x80: u8(); break;    // PROTO
      case 0x95: take(8); break; // FRAME (protocol 4): just a length prefix
      case '.': return finish(); // STOP
      case '(': push(make(Value::Mark)); break;
      case ')': push(make(Value::Tuple)); break;
      case ']': push(make(Value::List)); break;
      case '}': push(make(Value::Dict)); break;
      case 'N': push(make(Value::None)); break;
      case 0x88: push_bool(true); break;                      // NEWTRUE
      case 0x89: push_bool(false); break;                     // NEWFALSE
      case 'J': push_int(static_cast<int32_t>(u32())); break; // BININT
      case 'K': push_int(u8()); break;                        // BININT1
      case 'M': push_int(u16()); break;                       // BININT2
      case 0x8a: push_int(long1()); break;                    // LONG1
      case 'G': push_float(); break;                          // BINFLOAT
      case 'X': push_str(u32()); break;                       // BINUNICODE
      case 0x8c: push_str(u8()); break;                       // SHORT_BINUNICODE
      case 0x8d: push_str(static_cast<size_t>(u64())); break; // BINUNICODE8
      case 'T': push_str(u32()); break;                       // BINSTRING (py2 pickles)
      case 'U': push_str(u8()); break;                        // SHORT_BINSTRING
      case 'q': memo_[u8()] = top(); break;                   // BINPUT
      case 'r': memo_[u32()] = top(); break;                  // LONG_BINPUT
      case 0x94: memo_[memo_.size()] = top(); break;          // MEMOIZE
      case 'h': push(memo_get(u8())); break;                  // BINGET
      case 'j': push(memo_get(u32())); break;                 // LONG_BINGET
      case 'c': global_op(); break;                           // GLOBAL
      case 0x93: stack_global(); break;                       // STACK_GLOBAL
      case 't': tuple_from_mark(); break;                     // TUPLE
      case 0x85: tuple_n(1); break;                           // TUPLE1
      case 0x86: tuple_n(2); break;                           // TUPLE2
      case 0x87: tuple_n(3); break;                           // TUPLE3
      case 'l': list_from_mark(); break;                      // LIST
      case 'd': dict_from_mark(); break;                      // DICT
      case 'a': append(); break;                              // APPEND
      case 'e': appends(); break;                             // APPENDS
      case 's': setitem(); break;                             // SETITEM
      case 'u': setitems(); break;                            // SETITEMS
      case 'R': reduce(); break;                              // REDUCE
      case 'b': pop(); break;                                 // BUILD: state ignored
      case 'Q': persistent_load(); break;                     // BINPERSID
      case '0': pop(); break;                                 // POP
      default: fail("unsupported pickle opcode 0x" + hex(op));
      }
    }
  }

private:
  ValuePtr make(Value::Kind k) {
    arena_.emplace_back();
    arena_.back().kind = k;
    return &arena_.back();
  }
  [[noreturn]] void fail(const std::string &why) const {
    throw Error(PLINTH_ERR_FORMAT, label_ + ": " + why);
  }
  static std::string hex(uint8_t v) {
    const char *d = "0123456789abcdef";
    return {d[v >> 4], d[v & 15]};
  }
  const uint8_t *take(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) fail("pickle ends unexpectedly (truncated?)");
    const uint8_t *r = p_;
    p_ += n;
    return r;
  }
  uint8_t u8() { return *take(1); }
  uint16_t u16() {
    auto b = take(2);
    return static_cast<uint16_t>(b[0] | (b[1] << 8));
  }
  uint32_t u32() {
    auto b = take(4);
    return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  }
  uint64_t u64() {
    const uint64_t lo = u32();
    return lo | (static_cast<uint64_t>(u32()) << 32);
  }
  int64_t long1() {
    const uint8_t n = u8();
    if (n > 8) fail("integer too large");
    auto b = take(n);
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
      v = (v << 8) | b[i];
    if (n > 0 && n < 8 && (b[n - 1] & 0x80)) v |= ~uint64_t(0) << (8 * n); // sign-extend
    return static_cast<int64_t>(v);
  }
  void push(ValuePtr v) {
    if (stack_.size() > 1'000'000) fail("pickle stack too deep");
    stack_.push_back(std::move(v));
  }
  ValuePtr pop() {
    if (stack_.empty()) fail("pickle stack underflow");
    auto v = stack_.back();
    stack_.pop_back();
    return v;
  }
  ValuePtr top() {
    if (stack_.empty()) fail("pickle stack underflow");
    return stack_.back();
  }
  ValuePtr memo_get(uint64_t k) {
    auto it = memo_.find(k);
    if (it == memo_.end()) fail("pickle refers to an unknown memo entry");
    return it->second;
  }
  void push_bool(bool b) {
    auto v = make(Value::Bool);
    v->i = b;
    push(v);
  }
  void push_int(int64_t i) {
    auto v = make(Value::Int);
    v->i = i;
    push(v);
  }
  void push_float() {
    auto b = take(8);
    uint64_t u = 0;
    for (int i = 0; i < 8; ++i)
      u = (u << 8) | b[i]; // big-endian
    auto v = make(Value::Float);
    std::memcpy(&v->f, &u, 8);
    push(v);
  }
  void push_str(size_t n) {
    auto b = take(n);
    auto v = make(Value::Str);
    v->s.assign(reinterpret_cast<const char *>(b), n);
    push(v);
  }
  std::string line() {
    const uint8_t *nl = static_cast<const uint8_t *>(std::memchr(p_, '\n', end_ - p_));
    if (!nl) fail("pickle ends unexpectedly (truncated?)");
    std::string s(reinterpret_cast<const char *>(p_), nl - p_);
    p_ = nl + 1;
    return s;
  }
  void resolve(const std::string &module, const std::string &name) {
    auto v = make(Value::Callable);
    if (module == "collections" && name == "OrderedDict")
      v->global = Global::OrderedDict;
    else if (module == "torch._utils" && name == "_rebuild_tensor_v2")
      v->global = Global::RebuildTensorV2;
    else if (module == "torch._utils" && name == "_rebuild_tensor")
      v->global = Global::RebuildTensor;
    else if (module == "torch._utils" && name == "_rebuild_parameter")
      v->global = Global::RebuildParameter;
    else if (module == "torch") {
      bool found = false;
      for (const auto &st : kStorageTypes)
        if (name == st.name) {
          v->global = Global::Storage;
          v->storage_dtype = st.dtype;
          found = true;
        }
      if (!found) fail("refusing pickle global torch." + name + " (not a state-dict type)");
    } else {
      fail("refusing pickle global " + module + "." + name +
           " (only tensors and dicts are read; nothing in the file is executed)");
    }
    push(v);
  }
  void global_op() {
    std::string module = line();
    std::string name = line();
    resolve(module, name);
  }
  void stack_global() {
    auto name = pop(), module = pop();
    if (name->kind != Value::Str || module->kind != Value::Str) fail("malformed STACK_GLOBAL");
    resolve(module->s, name->s);
  }
  std::vector<ValuePtr> pop_to_mark() {
    std::vector<ValuePtr> items;
    for (;;) {
      auto v = pop();
      if (v->kind == Value::Mark) break;
      items.push_back(v);
    }
    return {items.rbegin(), items.rend()};
  }
  void tuple_from_mark() {
    auto t = make(Value::Tuple);
    t->items = pop_to_mark();
    push(t);
  }
  void tuple_n(int n) {
    auto t = make(Value::Tuple);
    t->items.resize(static_cast<size_t>(n));
    for (int i = n - 1; i >= 0; --i)
      t->items[static_cast<size_t>(i)] = pop();
    push(t);
  }
  void list_from_mark() {
    auto l = make(Value::List);
    l->items = pop_to_mark();
    push(l);
  }
  void dict_from_mark() {
    auto items = pop_to_mark();
    if (items.size() % 2) fail("odd number of dict items");
    auto d = make(Value::Dict);
    for (size_t i = 0; i < items.size(); i += 2)
      d->entries.emplace_back(items[i], items[i + 1]);
    push(d);
  }
  void append() {
    auto v = pop();
    auto l = top();
    if (l->kind != Value::List) fail("APPEND to a non-list");
    l->items.push_back(v);
  }
  void appends() {
    auto items = pop_to_mark();
    auto l = top();
    if (l->kind != Value::List) fail("APPENDS to a non-list");
    l->items.insert(l->items.end(), items.begin(), items.end());
  }
  void setitem() {
    auto v = pop(), k = pop();
    auto d = top();
    if (d->kind != Value::Dict) fail("SETITEM on a non-dict");
    d->entries.emplace_back(k, v);
  }
  void setitems() {
    auto items = pop_to_mark();
    if (items.size() % 2) fail("odd number of dict items");
    auto d = top();
    if (d->kind != Value::Dict) fail("SETITEMS on a non-dict");
    for (size_t i = 0; i < items.size(); i += 2)
      d->entries.emplace_back(items[i], items[i + 1]);
  }
  static std::vector<int64_t> ints(const ValuePtr &t, Reader &r) {
    if (t->kind != Value::Tuple && t->kind != Value::List) r.fail("expected a tuple of integers");
    std::vector<int64_t> out;
    for (auto &e : t->items) {
      if (e->kind != Value::Int) r.fail("expected a tuple of integers");
      out.push_back(e->i);
    }
    return out;
  }
  void reduce() {
    auto args = pop(), fn = pop();
    if (fn->kind != Value::Callable || args->kind != Value::Tuple) fail("REDUCE of a non-callable");
    switch (fn->global) {
    case Global::OrderedDict: push(make(Value::Dict)); return;
    case Global::RebuildTensorV2:
    case Global::RebuildTensor: {
      if (args->items.size() < 4 || args->items[0]->kind != Value::StorageV ||
          args->items[1]->kind != Value::Int)
        fail("malformed tensor record");
      auto t = make(Value::TensorV);
      const auto &st = args->items[0]->storage;
      t->tensor.storage_key = st.key;
      t->tensor.storage_dtype = st.dtype;
      t->tensor.storage_numel = st.numel;
      t->tensor.offset = args->items[1]->i;
      t->tensor.shape = ints(args->items[2], *this);
      t->tensor.stride = ints(args->items[3], *this);
      if (t->tensor.shape.size() != t->tensor.stride.size())
        fail("tensor shape and stride differ in rank");
      push(t);
      return;
    }
    case Global::RebuildParameter:
      if (args->items.empty() || args->items[0]->kind != Value::TensorV)
        fail("malformed parameter record");
      push(args->items[0]);
      return;
    case Global::Storage: fail("storage types cannot be called");
    }
  }
  void persistent_load() {
    auto pid = pop();
    if (pid->kind != Value::Tuple || pid->items.size() < 5 || pid->items[0]->kind != Value::Str ||
        pid->items[0]->s != "storage" || pid->items[1]->kind != Value::Callable ||
        pid->items[1]->global != Global::Storage || pid->items[2]->kind != Value::Str ||
        pid->items[4]->kind != Value::Int)
      fail("unsupported persistent id (expected a torch storage reference)");
    auto v = make(Value::StorageV);
    v->storage.key = pid->items[2]->s;
    v->storage.dtype = pid->items[1]->storage_dtype;
    v->storage.numel = pid->items[4]->i;
    if (v->storage.numel < 0) fail("negative storage size");
    push(v);
  }
  std::vector<PickledTensor> finish() {
    auto root = pop();
    if (root->kind != Value::Dict) fail("the pickle's top object is not a dict (not a state dict)");
    std::vector<PickledTensor> out;
    for (auto &[k, v] : root->entries) {
      if (k->kind != Value::Str) fail("state dict key is not a string");
      if (v->kind != Value::TensorV) continue; // e.g. nested metadata: not a tensor
      PickledTensor t = v->tensor;
      t.name = k->s;
      out.push_back(std::move(t));
    }
    return out;
  }

  const uint8_t *p_, *end_;
  std::string label_;
  std::deque<Value> arena_; // every value of the pickle; stable addresses, freed flat
  std::vector<ValuePtr> stack_;
  std::map<uint64_t, ValuePtr> memo_;
};

} // namespace

std::vector<PickledTensor> read_torch_state_dict(const uint8_t *data, size_t size,
                                                 const std::string &label) {
  return Reader(data, size, label).run();
}

} // namespace plinth
