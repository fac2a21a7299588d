// Graph capture and replay (plinth_backend_ops.graph_*): the context's stream is captured
// into a CUDA / HIP graph between graph_begin and graph_end, and graph_launch replays it with
// one launch. Everything a recording allocates comes from its GraphPool (backend.hpp), which
// keeps the blocks reserved while the graph or any tensor made during the recording lives, so
// the addresses baked into the graph stay valid on every replay.
#include "backend.hpp"

#include <memory>
#include <new>

// The opaque handle of abi/plinth_plugin.h, as this backend defines it.
struct plinth_graph {
  void *exec = nullptr; // the instantiated graph (gpuGraphExec_t)
  std::shared_ptr<plinth::gpu::GraphPool> pool;
};

namespace plinth::gpu::ops {

plinth_status graph_begin(plinth_backend_ctx *ctx) {
  return guarded("graph_begin", ctx, [&] {
    Context &c = *context_of(ctx);
    if (!c.graphs_enabled)
      fail("graphs are turned off (PLINTH_GPU_GRAPHS=0): run the ops eagerly",
           PLINTH_ERR_UNSUPPORTED);
    if (c.recording) fail("a recording is already in progress on this context");
    auto pool = std::make_shared<GraphPool>(c.alloc);
    stream_begin_capture(c.stream);
    c.recording = std::move(pool);
  });
}

plinth_status graph_end(plinth_backend_ctx *ctx, plinth_graph **out) {
  return guarded("graph_end", ctx, [&] {
    if (out) *out = nullptr;
    Context &c = *context_of(ctx);
    if (!c.recording) fail("no recording in progress (graph_begin was not called)");
    // Out of recording whatever happens below; the pool lives on in the tensors made while
    // recording and in the graph.
    std::shared_ptr<GraphPool> pool = std::move(c.recording);
    c.recording.reset();
    pool->close();
    void *exec = stream_end_capture(c.stream); // throws when a recorded call failed
    if (!out) {
      graph_exec_destroy(exec);
      fail("out is NULL");
    }
    plinth_graph *g = nullptr;
    try {
      g = new plinth_graph{exec, std::move(pool)};
    } catch (...) {
      graph_exec_destroy(exec);
      throw;
    }
    *out = g;
  });
}

plinth_status graph_launch(plinth_backend_ctx *ctx, plinth_graph *graph) {
  return guarded("graph_launch", ctx, [&] {
    if (!graph || !graph->exec) fail("graph is NULL");
    check_not_recording(ctx, "graph_launch");
    graph_exec_launch(graph->exec, stream_of(ctx));
  });
}

void graph_free(plinth_backend_ctx *ctx, plinth_graph *graph) {
  if (!graph) return;
  if (ctx) {
    try {
      use_device(context_of(ctx)->device);
    } catch (...) { // a failed device: the frees below report nothing either
    }
  }
  // A replay still in flight completes first (the runtime defers the destruction), and the
  // pool's blocks go back to the context's cache, whose next users are ordered after it.
  graph_exec_destroy(graph->exec);
  delete graph;
}

} // namespace plinth::gpu::ops
