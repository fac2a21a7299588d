// What the host target's runtime (emu_runtime.cpp: memory, streams, graphs) and its executor
// (emu_exec.cpp: blocks, fibers, shared memory checks, faults) share.
#pragma once

#include "emu_device.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace plinth::emu {

// Limits of the emulated device (an H100's: the kernels' launch plans are made for it).
constexpr size_t kStaticSharedLimit = 48 * 1024;
constexpr size_t kSharedOptinLimit = 227 * 1024;
constexpr unsigned kMaxThreadsPerBlock = 1024;

struct LaunchDesc {
  const char *name = "";
  dim3 grid, block;
  size_t dynamic_smem = 0;
  std::function<void()> body;
};

// Runs every block of a launch (blocks spread over the worker threads, each block's threads
// as fibers). Returns "" or the first fault, naming the kernel, block and thread.
std::string execute_launch(const LaunchDesc &launch);

// Worker threads the blocks of a launch are spread over (PLINTH_GPU_EMU_THREADS, default
// the CPU count).
int worker_count();

// Reports faults (invalid addresses) inside kernels with the kernel, block and thread, then
// lets the process die; installed once, on first use of the device.
void install_fault_handler();
// Gives the calling thread an alternate signal stack, so that a fault report can still be
// printed when a kernel overflows its fiber's stack. Called by every thread that runs blocks.
void enable_fault_reports_on_this_thread();

// For fault messages: where `addr` lies relative to the device allocations (no allocation
// and no lock taken: callable from a signal handler, best effort).
void describe_address(uintptr_t addr, char *out, size_t size);

} // namespace plinth::emu
