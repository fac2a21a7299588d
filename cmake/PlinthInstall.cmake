# The installable SDK: a CMake package (find_package(plinth) -> plinth::plinth, plinth::sdk,
# plinth_add_plugin) and a pkg-config file, next to the library, CLI, plugins and headers that
# the targets' own install() rules put in the prefix.
#
# Everything written here is relocatable: the CMake files find the prefix from their own
# location (configure_package_config_file / install(EXPORT)) and plinth.pc from ${pcfiledir},
# so an install tree copied to another prefix keeps working.
include(CMakePackageConfigHelpers)

set(PLINTH_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/plinth)

install(TARGETS plinth_sdk EXPORT plinthTargets)
install(EXPORT plinthTargets NAMESPACE plinth:: DESTINATION ${PLINTH_CMAKE_INSTALL_DIR})

set(PLINTH_INSTALL_INCLUDE_DIR ${CMAKE_INSTALL_INCLUDEDIR}/plinth)
set(PLINTH_INSTALL_BIN_DIR ${CMAKE_INSTALL_BINDIR})
set(PLINTH_INSTALL_DEMO_MODEL_DIR ${CMAKE_INSTALL_DATADIR}/plinth/models/license-mistral)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/plinthConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/plinthConfig.cmake
  INSTALL_DESTINATION ${PLINTH_CMAKE_INSTALL_DIR}
  PATH_VARS PLINTH_INSTALL_INCLUDE_DIR PLINTH_PLUGIN_SUBDIR PLINTH_INSTALL_BIN_DIR
            PLINTH_INSTALL_DEMO_MODEL_DIR)
# The C ABI, not the project version, is what a host or plugin depends on; within one major
# version every release keeps the same ABI.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/plinthConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/cmake/plinthConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/plinthConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/PlinthPlugin.cmake
  DESTINATION ${PLINTH_CMAKE_INSTALL_DIR})

# pkg-config: the prefix is found relative to the .pc file, so the path from the pkgconfig
# directory back up to the prefix is computed here ("../.." for lib/pkgconfig).
set(PLINTH_PC_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH PLINTH_PC_TO_PREFIX /prefix/${PLINTH_PC_INSTALL_DIR} /prefix)
string(REGEX REPLACE "/$" "" PLINTH_PC_TO_PREFIX "${PLINTH_PC_TO_PREFIX}")
set(PLINTH_PC_PREFIX "\${pcfiledir}/${PLINTH_PC_TO_PREFIX}")
set(PLINTH_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
set(PLINTH_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}/plinth")
configure_file(${CMAKE_CURRENT_LIST_DIR}/plinth.pc.in ${PROJECT_BINARY_DIR}/cmake/plinth.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cmake/plinth.pc DESTINATION ${PLINTH_PC_INSTALL_DIR})

# A second plinth.pc for the build tree (<build>/pkgconfig), so hosts such as the Go binding
# can be built and tested against an uninstalled build with PKG_CONFIG_PATH alone.
set(PLINTH_PC_PREFIX ${PROJECT_BINARY_DIR})
set(PLINTH_PC_LIBDIR ${PROJECT_BINARY_DIR}/lib)
set(PLINTH_PC_INCLUDEDIR ${PROJECT_SOURCE_DIR}/abi)
configure_file(${CMAKE_CURRENT_LIST_DIR}/plinth.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/plinth.pc @ONLY)
