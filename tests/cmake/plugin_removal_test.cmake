# Removing one plugin's library leaves the others working, and that family's cases fail with
# "no plugin serves model_type ...". Runs on a copy of the build tree's bin/ and lib/.
# Inputs: BUILD_DIR, GOLDEN, WORK.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/bin ${WORK}/lib/plinth/plugins)
file(COPY ${BUILD_DIR}/bin/plinth DESTINATION ${WORK}/bin)
file(GLOB libs ${BUILD_DIR}/lib/libplinth.so*)
file(COPY ${libs} DESTINATION ${WORK}/lib)
file(GLOB plugins ${BUILD_DIR}/lib/plinth/plugins/*)
list(FILTER plugins EXCLUDE REGEX "libplinth_gpt2\\.so$")
file(COPY ${plugins} DESTINATION ${WORK}/lib/plinth/plugins)

set(ENV{PLINTH_PLUGIN_PATH} "")
execute_process(COMMAND ${WORK}/bin/plinth check ${GOLDEN}/models/gpt2/base ${GOLDEN}/models/mistral/base
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "check passed although the gpt2 plugin's library was removed")
endif()
if(NOT out MATCHES "FAIL [^\n]*gpt2/base[^\n]*no plugin serves model_type 'gpt2'")
  message(FATAL_ERROR "gpt2 case did not fail with \"no plugin serves model_type 'gpt2'\"")
endif()
if(NOT out MATCHES "PASS [^\n]*mistral/base")
  message(FATAL_ERROR "the other plugins stopped working")
endif()
if(NOT out MATCHES "1 passed, 1 failed")
  message(FATAL_ERROR "unexpected totals")
endif()
