# plinth_add_plugin(<name> KIND architecture|backend SERVES <model types or device kinds...>
#                   SOURCES <files...> [LIBS <libs...>] [DESCRIPTION <text>]
#                   [TOKENIZERS <tokenizer_config.json tokenizer_class values...>])
# Builds a MODULE library named plinth_<name> into the plugin directory and writes its
# manifest (<name>.toml), which the core reads before it opens any library.
#
# The same file serves the source tree (plugins/, backends/) and out-of-tree plugin projects:
# the installed SDK ships it and find_package(plinth) includes it, so a plugin built elsewhere
# gets exactly the layout and manifest the core expects. The caller may set
#   PLINTH_PLUGIN_OUTPUT_DIR  where the built plugin and manifest go
#                             (default: <build>/plinth/plugins)
#   PLINTH_PLUGIN_SUBDIR      install destination, relative to the install prefix
#                             (default: <libdir>/plinth/plugins, where libplinth.so looks)
include_guard(GLOBAL)
include(GNUInstallDirs)

# The headers the plugin compiles against: the source tree's abi/ here, the installed
# include/plinth when plinthConfig.cmake sets PLINTH_ABI_INCLUDE_DIR first.
if(NOT DEFINED PLINTH_ABI_INCLUDE_DIR)
  set(PLINTH_ABI_INCLUDE_DIR ${CMAKE_CURRENT_LIST_DIR}/../abi)
endif()
# The manifest's abi_version must equal what the descriptor reports, so both come from the
# header rather than from a number repeated here.
file(STRINGS ${PLINTH_ABI_INCLUDE_DIR}/plinth_types.h _plinth_abi_line
     REGEX "^#define PLINTH_ABI_VERSION [0-9]+u?")
string(REGEX REPLACE "^#define PLINTH_ABI_VERSION ([0-9]+).*" "\\1" PLINTH_ABI_VERSION
       "${_plinth_abi_line}")
if(NOT PLINTH_ABI_VERSION MATCHES "^[0-9]+$")
  message(FATAL_ERROR "cannot read PLINTH_ABI_VERSION from ${PLINTH_ABI_INCLUDE_DIR}/plinth_types.h")
endif()

# In the source tree the SDK target is made here; an installed SDK imports it (plinthTargets).
if(NOT TARGET plinth::sdk)
  add_library(plinth_sdk INTERFACE)
  target_include_directories(plinth_sdk INTERFACE
    $<BUILD_INTERFACE:${PLINTH_ABI_INCLUDE_DIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/plinth>)
  set_target_properties(plinth_sdk PROPERTIES EXPORT_NAME sdk)
  add_library(plinth::sdk ALIAS plinth_sdk)
endif()

function(plinth_add_plugin name)
  cmake_parse_arguments(P "" "KIND;DESCRIPTION" "SERVES;SOURCES;LIBS;TOKENIZERS" ${ARGN})
  if(NOT P_KIND MATCHES "^(architecture|backend)$")
    message(FATAL_ERROR "plinth_add_plugin(${name}): KIND must be architecture or backend")
  endif()
  set(out_dir ${PLINTH_PLUGIN_OUTPUT_DIR})
  if(NOT out_dir)
    set(out_dir ${CMAKE_BINARY_DIR}/plinth/plugins)
  endif()
  set(install_dir ${PLINTH_PLUGIN_SUBDIR})
  if(NOT install_dir)
    set(install_dir ${CMAKE_INSTALL_LIBDIR}/plinth/plugins)
  endif()
  set(target plinth_${name})
  add_library(${target} MODULE ${P_SOURCES})
  # The plugin exports its entry point and nothing else (no libstdc++ template instances or
  # typeinfo that would otherwise leak with default visibility and bind across plugins).
  set(exports ${CMAKE_BINARY_DIR}/plinth_plugin_exports.map)
  if(NOT EXISTS ${exports})
    file(WRITE ${exports} "{\n  global: plinth_plugin_entry;\n  local: *;\n};\n")
  endif()
  target_link_options(${target} PRIVATE "LINKER:--version-script=${exports}")
  target_link_libraries(${target} PRIVATE plinth::sdk ${P_LIBS})
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    LIBRARY_OUTPUT_DIRECTORY ${out_dir}
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(P_KIND STREQUAL "architecture")
    set(serves_key "model_types")
  else()
    set(serves_key "device_kinds")
  endif()
  list(TRANSFORM P_SERVES PREPEND "\"")
  list(TRANSFORM P_SERVES APPEND "\"")
  list(JOIN P_SERVES ", " serves)
  set(manifest "# plinth plugin manifest: read before the library is opened\n")
  string(APPEND manifest "name = \"${name}\"\nkind = \"${P_KIND}\"\n")
  string(APPEND manifest "abi_version = ${PLINTH_ABI_VERSION}\n")
  string(APPEND manifest "library = \"libplinth_${name}.so\"\n${serves_key} = [${serves}]\n")
  if(P_TOKENIZERS)
    list(TRANSFORM P_TOKENIZERS PREPEND "\"")
    list(TRANSFORM P_TOKENIZERS APPEND "\"")
    list(JOIN P_TOKENIZERS ", " tokenizers)
    string(APPEND manifest "tokenizer_classes = [${tokenizers}]\n")
  endif()
  if(P_DESCRIPTION)
    string(REPLACE "\\" "\\\\" description "${P_DESCRIPTION}")
    string(REPLACE "\"" "\\\"" description "${description}")
    string(APPEND manifest "description = \"${description}\"\n")
  endif()
  file(WRITE ${out_dir}/${name}.toml "${manifest}")
  install(TARGETS ${target} LIBRARY DESTINATION ${install_dir})
  install(FILES ${out_dir}/${name}.toml DESTINATION ${install_dir})
endfunction()
