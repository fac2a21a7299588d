# The install tree as a user gets it (run by CTest: hosts/bindings.cmake):
#  1. cmake --install into a staging prefix, then move the prefix elsewhere: everything below
#     must keep working, so nothing may refer to the build tree or the first prefix;
#  2. configure, build and install examples/sdk-plugin against the moved prefix with
#     find_package(plinth) only (the plugin lands in the prefix's plugin directory);
#  3. run the installed `plinth` with no PLINTH_* variables: `plugins` lists the new plugin,
#     `check` passes the example's model, `generate` runs the demo model; the example's own
#     host (plinth::plinth) and a host built with pkg-config flags generate from the toy model.
# Inputs (-D): BUILD_DIR SOURCE_DIR WORK_DIR LIBDIR GENERATOR C_COMPILER CXX_COMPILER
cmake_minimum_required(VERSION 3.20)

function(run what)
  cmake_parse_arguments(R "" "EXPECT;OUTPUT_VAR" "COMMAND" ${ARGN})
  execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=PLINTH_PLUGIN_PATH
                          --unset=PLINTH_CONFIG --unset=LD_LIBRARY_PATH ${R_COMMAND}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${R_COMMAND}\n${out}\n${err}")
  endif()
  if(R_EXPECT AND NOT out MATCHES "${R_EXPECT}")
    message(FATAL_ERROR "${what}: output does not match '${R_EXPECT}':\n${out}\n${err}")
  endif()
  message(STATUS "ok: ${what}")
  if(R_OUTPUT_VAR)
    set(${R_OUTPUT_VAR} "${out}" PARENT_SCOPE)
  endif()
endfunction()

set(stage ${WORK_DIR}/stage)
set(prefix ${WORK_DIR}/moved/plinth)
set(example ${SOURCE_DIR}/examples/sdk-plugin)
file(REMOVE_RECURSE ${WORK_DIR})

run("install" COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${stage})
file(MAKE_DIRECTORY ${WORK_DIR}/moved)
file(RENAME ${stage} ${prefix})

# Relocatability: no installed file may name the build tree or the staging prefix (RPATHs in
# the binaries, paths in the CMake and pkg-config files).
string(REGEX REPLACE "([][+.*?()^$|\\])" "\\\\\\1" build_re "${BUILD_DIR}")
string(REGEX REPLACE "([][+.*?()^$|\\])" "\\\\\\1" stage_re "${stage}")
file(GLOB_RECURSE installed LIST_DIRECTORIES false ${prefix}/bin/* ${prefix}/${LIBDIR}/*)
foreach(f IN LISTS installed)
  file(STRINGS ${f} hits REGEX "${build_re}|${stage_re}")
  if(hits)
    message(FATAL_ERROR "${f} refers to the build tree or the staging prefix: ${hits}")
  endif()
endforeach()
message(STATUS "ok: no installed file names ${BUILD_DIR} or ${stage}")

set(ex_build ${WORK_DIR}/example-build)
run("configure examples/sdk-plugin against the moved prefix"
  COMMAND ${CMAKE_COMMAND} -S ${example} -B ${ex_build} -G ${GENERATOR}
          -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix}
          -DCMAKE_INSTALL_PREFIX=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
          -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  EXPECT "plinth [0-9.]+ \\(ABI [0-9]+\\) from ${prefix}/")
run("build the example" COMMAND ${CMAKE_COMMAND} --build ${ex_build})
run("install the plugin into the prefix" COMMAND ${CMAKE_COMMAND} --install ${ex_build})

set(plinth ${prefix}/bin/plinth)
run("installed plinth lists the new plugin" COMMAND ${plinth} plugins
  EXPECT "toy_bigram[^\n]*loaded")
run("installed plinth check on the example's model" COMMAND ${plinth} check ${example}/model
  EXPECT "1 passed, 0 failed")
run("installed plinth generate on the demo model"
  COMMAND ${plinth} generate -n 16 -p "Licensed under the Apache License" EXPECT "Version 2.0")

file(READ ${example}/model/expected_generate.txt want)
string(STRIP "${want}" want)
run("example host through plinth::plinth" COMMAND ${ex_build}/toy_generate ${example}/model
  EXPECT "${want}")

# pkg-config: flags from the moved prefix build the same host.
find_program(PKG_CONFIG pkg-config)
if(PKG_CONFIG)
  set(pcenv ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig ${PKG_CONFIG})
  run("pkg-config" COMMAND ${pcenv} --cflags --libs plinth OUTPUT_VAR flags)
  run("pkg-config plugindir" COMMAND ${pcenv} --variable=plugindir plinth OUTPUT_VAR plugindir)
  string(STRIP "${plugindir}" plugindir)
  file(REAL_PATH "${plugindir}" plugindir)
  if(NOT plugindir STREQUAL "${prefix}/${LIBDIR}/plinth/plugins")
    message(FATAL_ERROR "plinth.pc plugindir is ${plugindir}, not in ${prefix}")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run("host built with pkg-config flags"
    COMMAND ${C_COMPILER} ${example}/toy_generate.c ${flags} -Wl,-rpath,${prefix}/${LIBDIR}
            -o ${WORK_DIR}/toy_generate_pc)
  run("host built with pkg-config flags runs" COMMAND ${WORK_DIR}/toy_generate_pc ${example}/model
    EXPECT "${want}")
endif()
