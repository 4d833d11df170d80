# SPDX-License-Identifier: BSD-2-Clause
# What `cmake --install` lays down besides the targets (each installs itself), split into
# components that are also the Debian packages (cmake/package.cmake):
#   modules  libhsmlab*.so and their p11-kit module files
#   tools    the command line tools and their man pages
#   data     <datadir>/hsmlab (profiles, conformance targets, scenarios, ceremonies, signer
#            configs, the corpus) and the docs the bench reports link to
#   dev      hsmlab-ext.h and its pkg-config file
# Included from the top-level CMakeLists.txt after every target exists.

# The build tree announces itself to hsmlab/paths.h: tools and modules run from it find
# their data and siblings here. Never installed, so no installed file names these paths.
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/hsmlab-tree.conf CONTENT
"source=${PROJECT_SOURCE_DIR}
build=${PROJECT_BINARY_DIR}
data=${PROJECT_SOURCE_DIR}/fixtures
docs=${PROJECT_SOURCE_DIR}
modules=$<TARGET_FILE_DIR:hsmlab>
admin=$<TARGET_FILE_DIR:hsmlab-admin>
audit=$<TARGET_FILE_DIR:hsmlab-audit-verify>
signer=$<TARGET_FILE_DIR:ksr-signer>
")

set(hl_data ${CMAKE_INSTALL_DATADIR}/hsmlab)
foreach(dir profiles conformance scenarios ceremonies signer corpus traces)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/fixtures/${dir} DESTINATION ${hl_data}
          COMPONENT data)
endforeach()
# The docs keep their repository paths: the reports' ref links are <docdir>/<repo path>.
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR}
        COMPONENT data)
foreach(dir emulator/doc signer/doc)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/${dir}
          COMPONENT data)
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/bench/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR}/bench
        COMPONENT data)

install(FILES ${PROJECT_SOURCE_DIR}/emulator/include/hsmlab/hsmlab-ext.h
              ${PROJECT_SOURCE_DIR}/common/include/hsmlab/pkcs11.h # hsmlab-ext.h includes it
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hsmlab COMPONENT dev)
# Header only, so arch-independent (<datadir>/pkgconfig); ${pcfiledir} keeps it relocatable.
file(RELATIVE_PATH hl_pc_up /p/${CMAKE_INSTALL_DATADIR}/pkgconfig /p)
file(RELATIVE_PATH hl_pc_inc /p /p/${CMAKE_INSTALL_INCLUDEDIR})
file(WRITE ${PROJECT_BINARY_DIR}/hsmlab-ext.pc
"prefix=\${pcfiledir}/${hl_pc_up}
includedir=\${prefix}/${hl_pc_inc}

Name: hsmlab-ext
Description: hsmlab's PKCS#11 extension interfaces (hsmlab admin, hsmlab family)
Version: ${PROJECT_VERSION}
Requires: p11-kit-1
Cflags: -I\${includedir}
")
install(FILES ${PROJECT_BINARY_DIR}/hsmlab-ext.pc DESTINATION ${CMAKE_INSTALL_DATADIR}/pkgconfig
        COMPONENT dev)

# p11-kit module files, written at install time so `module:` names the module where it is
# actually installed (the --prefix given to cmake --install, or the package's /usr). An
# empty enable-in: keeps the emulator out of every p11-kit consumer until the user enables
# it (README "Install").
foreach(m hsmlab hsmlab-keyper hsmlab-luna)
  install(CODE "
    set(hl_libdir \"${CMAKE_INSTALL_LIBDIR}\")
    if(NOT IS_ABSOLUTE \"\${hl_libdir}\")
      set(hl_libdir \"\${CMAKE_INSTALL_PREFIX}/\${hl_libdir}\")
    endif()
    file(WRITE \"${PROJECT_BINARY_DIR}/p11-kit/${m}.module\"
\"# hsmlab PKCS#11 emulator module (${m}). Disabled by default: an emulator should not
# appear in every p11-kit consumer. To enable, copy this file to /etc/pkcs11/modules/
# (or ~/.config/pkcs11/modules/) and delete the enable-in line.
module: \${hl_libdir}/lib${m}.so
enable-in:
\")
    file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/p11-kit/modules\"
         TYPE FILE FILES \"${PROJECT_BINARY_DIR}/p11-kit/${m}.module\")
  " COMPONENT modules)
endforeach()
