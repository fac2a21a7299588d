# The plugins' tokenizers (ESM, BioGPT, LUKE) compiled into a test target from their sources and
# reached through their tokenizer tables (tests/unit/plugin_tokenizers.hpp), without dlopen: the
# unit tests and the tokenizer_input fuzz target both use it.
function(plinth_add_plugin_tokenizers target)
  set(p ${PROJECT_SOURCE_DIR}/plugins)
  target_sources(${target} PRIVATE ${p}/esm/esm_tokenizer.cpp ${p}/biogpt/biogpt_tokenizer.cpp
    ${p}/biogpt/moses.cpp ${p}/biogpt/moses_charsets.cpp ${p}/luke/luke_tokenizer.cpp)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit ${p}/esm
    ${p}/biogpt ${p}/luke)
endfunction()
