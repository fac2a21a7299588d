// The restricted unpickler behind pytorch_model.bin on hostile structure: values nested far
// deeper than any state dict, and containers that contain themselves, are handled without
// recursion (and so without a stack overflow) and freed without leaking.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "error.hpp"
#include "torch_pickle.hpp"

namespace {

std::string error_of(const std::vector<uint8_t> &pkl) {
  try {
    plinth::read_torch_state_dict(pkl.data(), pkl.size(), "data.pkl");
  } catch (const plinth::Error &e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(TorchPickle, NestingThreeHundredThousandDeepIsNoStackOverflow) {
  const size_t n = 300000;
  std::vector<uint8_t> p = {0x80, 2};
  p.insert(p.end(), n, ']');     // n empty lists on the stack
  p.insert(p.end(), n - 1, 'a'); // each appended into the one below: nested n deep
  p.push_back('.');
  // Not a state dict: refused with a message (this used to crash releasing the tree).
  EXPECT_NE(error_of(p), "(accepted)");
}

TEST(TorchPickle, AListContainingItselfIsRefusedCleanly) {
  // [] BINPUT 0, BINGET 0, APPEND: l.append(l); STOP.
  const std::vector<uint8_t> p = {0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'};
  EXPECT_NE(error_of(p), "(accepted)");
}

} // namespace
