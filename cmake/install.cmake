# SPDX-License-Identifier: BSD-3-Clause
# Installation: the programs, and each library layer with its headers, its
# CMake export and its pkg-config file (docs/library.md).
#
#   layer    target           library             CMake target     pkg-config
#   core     mmusim           libmmusim.a         mmusim::core     mmusim
#   io       mmusim_io        libmmusim-io.a      mmusim::io       mmusim-io
#   systemc  mmusim_systemc   libmmusim-systemc.a mmusim::systemc  mmusim-systemc
#
# The CMake package (lib/cmake/mmusim) and the pkg-config files are
# relocatable: every path in them is relative to where they are installed.
include(CMakePackageConfigHelpers)

set(MMUSIM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mmusim)
set(MMUSIM_PRESET_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/mmusim/presets)

set(MMUSIM_COMPONENTS core io)
install(TARGETS mmusim EXPORT mmusim-core-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS mmusim_io EXPORT mmusim-io-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT mmusim-core-targets NAMESPACE mmusim:: DESTINATION ${MMUSIM_CMAKE_DIR})
install(EXPORT mmusim-io-targets NAMESPACE mmusim:: DESTINATION ${MMUSIM_CMAKE_DIR})
if(MMUSIM_SYSTEMC)
  list(APPEND MMUSIM_COMPONENTS systemc)
  install(TARGETS mmusim_systemc EXPORT mmusim-systemc-targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT mmusim-systemc-targets NAMESPACE mmusim:: DESTINATION ${MMUSIM_CMAKE_DIR})
endif()

install(TARGETS mmusim_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(BUILD_SHARED_LIBS)
  # the installed program finds the installed libraries wherever the prefix is moved
  file(RELATIVE_PATH _mmusim_bin_to_lib ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBDIR})
  set_target_properties(mmusim_cli PROPERTIES INSTALL_RPATH "$ORIGIN/${_mmusim_bin_to_lib}")
endif()
if(MMUSIM_SYSTEMC)
  install(DIRECTORY include/mmusim DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
else()
  install(DIRECTORY include/mmusim DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h"
    PATTERN systemc EXCLUDE)
endif()
install(DIRECTORY presets/ DESTINATION ${MMUSIM_PRESET_INSTALL_DIR} FILES_MATCHING PATTERN "*.ini")
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/mmusim)

# ---- CMake package: find_package(mmusim [COMPONENTS core io systemc]) ----
configure_package_config_file(cmake/mmusimConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mmusimConfig.cmake
  INSTALL_DESTINATION ${MMUSIM_CMAKE_DIR}
  PATH_VARS MMUSIM_PRESET_INSTALL_DIR CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mmusimConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mmusimConfig.cmake ${PROJECT_BINARY_DIR}/mmusimConfigVersion.cmake
  DESTINATION ${MMUSIM_CMAKE_DIR})

# ---- pkg-config: mmusim, mmusim-io, mmusim-systemc ----
# A static library's dependencies must be on its consumer's link line, so
# they are Requires (and Libs) when the libraries are static, and
# Requires.private (Libs.private) when they are shared.
# a sanitized library needs its runtime wherever it is linked
string(REPLACE ";" " " MMUSIM_PC_EXTRA_LIBS "${MMUSIM_SAN_FLAGS}")
file(RELATIVE_PATH MMUSIM_PC_UP /x/${CMAKE_INSTALL_LIBDIR}/pkgconfig /x)
string(REGEX REPLACE "/$" "" MMUSIM_PC_UP "${MMUSIM_PC_UP}")
set(MMUSIM_IO_PC_DEPS "inih libzstd liblzma zlib")
set(MMUSIM_IO_PC_LIBS "-lpthread -lm")
if(BUILD_SHARED_LIBS)
  set(MMUSIM_IO_PC_REQUIRES "mmusim jansson")
  set(MMUSIM_IO_PC_REQUIRES_PRIVATE "${MMUSIM_IO_PC_DEPS}")
  set(MMUSIM_IO_PC_LIBS_PUBLIC "")
  set(MMUSIM_IO_PC_LIBS_PRIVATE "${MMUSIM_IO_PC_LIBS}")
else()
  set(MMUSIM_IO_PC_REQUIRES "mmusim jansson ${MMUSIM_IO_PC_DEPS}")
  set(MMUSIM_IO_PC_REQUIRES_PRIVATE "")
  set(MMUSIM_IO_PC_LIBS_PUBLIC "${MMUSIM_IO_PC_LIBS}")
  set(MMUSIM_IO_PC_LIBS_PRIVATE "")
endif()
set(MMUSIM_PC_FILES mmusim mmusim-io)
if(MMUSIM_SYSTEMC)
  list(APPEND MMUSIM_PC_FILES mmusim-systemc)
endif()
foreach(pc ${MMUSIM_PC_FILES})
  configure_file(cmake/${pc}.pc.in ${PROJECT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
