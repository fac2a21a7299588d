# The one set of GPU sources both plugins build: host-side op code (ordinary C++, no GPU
# headers) and the kernels (*.cu; nvcc compiles them as CUDA, hipcc as HIP through
# gpu_port.hpp). Included by backends/cuda and backends/hip.
set(PLINTH_GPU_COMMON_DIR ${CMAKE_CURRENT_LIST_DIR})
set(PLINTH_GPU_HOST_SOURCES
  ${PLINTH_GPU_COMMON_DIR}/backend.cpp
  ${PLINTH_GPU_COMMON_DIR}/entry.cpp
  ${PLINTH_GPU_COMMON_DIR}/ops_dense.cpp
  ${PLINTH_GPU_COMMON_DIR}/ops_elementwise.cpp
  ${PLINTH_GPU_COMMON_DIR}/ops_graph.cpp
  ${PLINTH_GPU_COMMON_DIR}/ops_memory.cpp
  ${PLINTH_GPU_COMMON_DIR}/ops_movement.cpp
  ${PLINTH_GPU_COMMON_DIR}/ops_rows.cpp
  ${PLINTH_GPU_COMMON_DIR}/ops_sequence.cpp)
set(PLINTH_GPU_KERNEL_SOURCES
  ${PLINTH_GPU_COMMON_DIR}/device_api.cu
  ${PLINTH_GPU_COMMON_DIR}/kernels_attention.cu
  ${PLINTH_GPU_COMMON_DIR}/kernels_conv.cu
  ${PLINTH_GPU_COMMON_DIR}/kernels_convert.cu
  ${PLINTH_GPU_COMMON_DIR}/kernels_elementwise.cu
  ${PLINTH_GPU_COMMON_DIR}/kernels_gemm.cu
  ${PLINTH_GPU_COMMON_DIR}/kernels_gemv.cu
  ${PLINTH_GPU_COMMON_DIR}/kernels_moe.cu
  ${PLINTH_GPU_COMMON_DIR}/kernels_movement.cu
  ${PLINTH_GPU_COMMON_DIR}/kernels_norm.cu
  ${PLINTH_GPU_COMMON_DIR}/kernels_reduce.cu
  ${PLINTH_GPU_COMMON_DIR}/kernels_rope.cu)
file(GLOB PLINTH_GPU_HEADERS ${PLINTH_GPU_COMMON_DIR}/*.hpp ${PLINTH_GPU_COMMON_DIR}/*.cuh)
# The kernels include backends/common's headers too (common.hpp -> op_checks.hpp); hipcc's
# custom commands see no target usage requirements, so they name the directory themselves.
set(PLINTH_BACKEND_COMMON_DIR ${CMAKE_CURRENT_LIST_DIR}/../common)
file(GLOB PLINTH_BACKEND_COMMON_HEADERS ${PLINTH_BACKEND_COMMON_DIR}/*.hpp)

# The GPU unit tests (tests/unit/backend_gpu_*.cpp) dlopen the built plugins; make the test
# binary depend on them. Deferred to the end of the top-level directory, where the test
# target exists.
function(plinth_gpu_test_dependency plugin_target)
  cmake_language(EVAL CODE "
    cmake_language(DEFER DIRECTORY [[${PROJECT_SOURCE_DIR}]] CALL
      _plinth_gpu_add_test_dependency [[${plugin_target}]])")
endfunction()
function(_plinth_gpu_add_test_dependency plugin_target)
  if(TARGET plinth_unit_tests)
    add_dependencies(plinth_unit_tests ${plugin_target})
  endif()
endfunction()
