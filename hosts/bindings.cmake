# CTest entries for the language bindings (hosts/rust, hosts/go, hosts/python) and for the
# installed SDK (cmake/SdkInstallTest.cmake). Each binding test links the build tree's
# libplinth.so, which finds the plugins beside it (lib/plinth/plugins) by itself.
#
# A binding whose toolchain is missing is skipped with a message (exit 77 = SKIP_RETURN_CODE);
# tools/install-deps.sh installs Go and Python, and cargo is expected on CI machines.
if(NOT PLINTH_BUILD_TESTS)
  return()
endif()
# hosts/ is added before the top level enables testing; without this, no CTestTestfile
# would be written for this directory.
enable_testing()

set(_bind_lib ${PROJECT_BINARY_DIR}/lib)
set(_bind_env
  PLINTH_DEMO_MODEL_DIR=${PROJECT_SOURCE_DIR}/models/license-mistral
  PLINTH_GOLDEN_DIR=${PROJECT_SOURCE_DIR}/tests/data/golden
  --unset=PLINTH_PLUGIN_PATH --unset=PLINTH_CONFIG)

# plinth_binding_test(<name> <program> <command...>): runs the command with the test data
# environment, or reports a skip when <program> was not found.
function(plinth_binding_test name program)
  if(program)
    add_test(NAME ${name} COMMAND ${CMAKE_COMMAND} -E env ${_bind_env} ${ARGN})
  else()
    add_test(NAME ${name}
      COMMAND sh -c "echo '${name}: toolchain not found (see tools/install-deps.sh); skipped'; exit 77")
  endif()
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
endfunction()

# Rust: plinth-sys's build.rs reads PLINTH_LIB_DIR (link path + rpath); build output stays in
# the build directory.
find_program(PLINTH_CARGO cargo HINTS $ENV{HOME}/.cargo/bin)
plinth_binding_test(rust_bindings "${PLINTH_CARGO}"
  PLINTH_LIB_DIR=${_bind_lib} CARGO_TARGET_DIR=${PROJECT_BINARY_DIR}/hosts/rust-target
  ${PLINTH_CARGO} test --offline --manifest-path ${CMAKE_CURRENT_SOURCE_DIR}/rust/Cargo.toml)

# Go: cgo finds the headers and library through the build tree's pkgconfig/plinth.pc; the
# rpath lets the test binary load libplinth.so without LD_LIBRARY_PATH. No module downloads.
find_program(PLINTH_GO go)
plinth_binding_test(go_bindings "${PLINTH_GO}"
  PKG_CONFIG_PATH=${PROJECT_BINARY_DIR}/pkgconfig CGO_ENABLED=1
  CGO_LDFLAGS=-Wl,-rpath,${_bind_lib} GOPROXY=off GOFLAGS= GOTOOLCHAIN=local
  GOCACHE=${PROJECT_BINARY_DIR}/hosts/go-cache GOPATH=${PROJECT_BINARY_DIR}/hosts/go-path
  ${CMAKE_COMMAND} -E chdir ${CMAKE_CURRENT_SOURCE_DIR}/go ${PLINTH_GO} test -count=1 ./...)

# Python: ctypes loads $PLINTH_LIB_DIR/libplinth.so; bytecode caches go to the build dir.
find_program(PLINTH_PYTHON3 python3)
plinth_binding_test(python_bindings "${PLINTH_PYTHON3}"
  PLINTH_LIB_DIR=${_bind_lib} PYTHONPYCACHEPREFIX=${PROJECT_BINARY_DIR}/hosts/pycache
  ${CMAKE_COMMAND} -E chdir ${CMAKE_CURRENT_SOURCE_DIR}/python
  ${PLINTH_PYTHON3} -m unittest discover -s tests -v)

# The install tree as a user gets it: install, move it elsewhere, build the out-of-tree plugin
# example against it, and run the installed `plinth` on the example's model and the demo.
if(TARGET plinth_cli AND TARGET plinth_mistral AND TARGET plinth_cpu)
  add_test(NAME sdk_install_out_of_tree_plugin
    COMMAND ${CMAKE_COMMAND}
      -DBUILD_DIR=${PROJECT_BINARY_DIR} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
      -DWORK_DIR=${PROJECT_BINARY_DIR}/sdk-install-test -DLIBDIR=${CMAKE_INSTALL_LIBDIR}
      -DGENERATOR=${CMAKE_GENERATOR} -DC_COMPILER=${CMAKE_C_COMPILER}
      -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
      -P ${PROJECT_SOURCE_DIR}/cmake/SdkInstallTest.cmake)
  set_tests_properties(sdk_install_out_of_tree_plugin PROPERTIES TIMEOUT 600)
endif()
