# SPDX-License-Identifier: BSD-2-Clause
# The core layers above crypto, bottom up: store → object → device → p11 (the ABI layer).
# Each layer is a static library that links only the layers below it.
set(HL_CORE ${CMAKE_CURRENT_LIST_DIR})
# Where installed profiles live; the module falls back to it when neither HSMLAB_PROFILE_DIR
# nor the lab config names a profile directory.
set(HSMLAB_PROFILE_INSTALL_DIR "${CMAKE_INSTALL_FULL_DATADIR}/hsmlab/profiles"
    CACHE PATH "Installed profile directory")

add_library(hsmlab-emu-store STATIC ${HL_CORE}/store/store.c ${HL_CORE}/store/store_audit.c)
target_include_directories(hsmlab-emu-store PUBLIC ${HL_CORE}/store/include)
target_link_libraries(hsmlab-emu-store PUBLIC hsmlab-emu-util PRIVATE PkgConfig::SQLITE3)

add_library(hsmlab-emu-object STATIC ${HL_CORE}/object/attr.c ${HL_CORE}/object/policy.c
                                     ${HL_CORE}/object/tmpl.c
                                     ${HL_CORE}/object/object.c)
target_include_directories(hsmlab-emu-object PUBLIC ${HL_CORE}/object/include)
target_link_libraries(hsmlab-emu-object PUBLIC hsmlab-emu-crypto hsmlab-emu-util
                                               Threads::Threads)

add_library(hsmlab-emu-device STATIC
  ${HL_CORE}/device/profile.c ${HL_CORE}/device/profile_quirks.c
  ${HL_CORE}/device/quirk_registry.c ${HL_CORE}/device/family.c ${HL_CORE}/device/lab.c
  ${HL_CORE}/device/profile_sources.c
  ${HL_CORE}/device/device.c ${HL_CORE}/device/device_objects.c)
target_include_directories(hsmlab-emu-device PUBLIC ${HL_CORE}/device/include)
target_link_libraries(hsmlab-emu-device PUBLIC hsmlab-emu-object hsmlab-emu-store
                      PRIVATE PkgConfig::LIBCONFIG hsmlab-p11client)

add_library(hsmlab-emu-p11 STATIC
  ${HL_CORE}/p11/p11_general.c ${HL_CORE}/p11/p11_session.c ${HL_CORE}/p11/p11_object.c
  ${HL_CORE}/p11/p11_crypto.c ${HL_CORE}/p11/p11_keygen.c ${HL_CORE}/p11/p11_wrap.c
  ${HL_CORE}/p11/p11_message.c ${HL_CORE}/p11/p11_ext.c
  ${HL_CORE}/p11/p11_table.c ${HL_CORE}/p11/p11_quirks.c ${HL_CORE}/p11/p11_entry.c)
target_include_directories(hsmlab-emu-p11 PUBLIC ${HL_CORE}/p11/include ${HL_CORE}/../include)
# The core's implementations are named hl_p11_C_*; the exported C_* (p11_entry.c) forward to
# the function list, filters included.
target_compile_definitions(hsmlab-emu-p11 PRIVATE
  HSMLAB_PROFILE_INSTALL_DIR="${HSMLAB_PROFILE_INSTALL_DIR}"
  HSMLAB_VERSION="${PROJECT_VERSION}")
target_link_libraries(hsmlab-emu-p11 PUBLIC hsmlab-emu-device Threads::Threads
                      PRIVATE hsmlab-paths ${CMAKE_DL_LIBS})
# The general G-row quirk filters (emulator/doc/quirks.md G1-G17, any profile can switch them on).
target_sources(hsmlab-emu-p11 PRIVATE ${HL_CORE}/p11/p11_quirks_general.c
                                     ${HL_CORE}/p11/p11_quirks_objects.c)
