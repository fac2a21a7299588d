# plinth_add_plugin(<name> KIND architecture|backend SERVES <model types or device kinds...>
#                   SOURCES <files...> [LIBS <libs...>])
# Builds a MODULE library named plinth_<name> into the plugin directory and writes its
# manifest (<name>.toml), which the core reads before it opens any library.
function(plinth_add_plugin name)
  cmake_parse_arguments(P "" "KIND" "SERVES;SOURCES;LIBS" ${ARGN})
  set(target plinth_${name})
  add_library(${target} MODULE ${P_SOURCES})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/abi)
  target_link_libraries(${target} PRIVATE ${P_LIBS})
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    LIBRARY_OUTPUT_DIRECTORY ${PLINTH_PLUGIN_OUTPUT_DIR}
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
  string(APPEND manifest "name = \"${name}\"\nkind = \"${P_KIND}\"\nabi_version = 1\n")
  string(APPEND manifest "library = \"libplinth_${name}.so\"\n${serves_key} = [${serves}]\n")
  file(WRITE ${PLINTH_PLUGIN_OUTPUT_DIR}/${name}.toml "${manifest}")
  install(TARGETS ${target} LIBRARY DESTINATION ${PLINTH_PLUGIN_SUBDIR})
  install(FILES ${PLINTH_PLUGIN_OUTPUT_DIR}/${name}.toml DESTINATION ${PLINTH_PLUGIN_SUBDIR})
endfunction()
