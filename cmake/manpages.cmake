# SPDX-License-Identifier: BSD-2-Clause
# Man pages, one per tool, made by help2man from the tool's own --help and --version: the
# help text stays the one source (README and docs point at `TOOL --help` and TOOL(1)).
# Included from the top-level CMakeLists.txt after every tool's directory.
find_program(HSMLAB_HELP2MAN help2man)
set(hl_man_tools
  "hsmlab-admin|the hsmlab lab console: devices, tokens, cards, keys, audit logs"
  "hsmlab-audit-verify|verify an hsmlab device audit export offline"
  "hsmlab-rehearse|rehearse a DNSSEC root KSK ceremony from a script"
  "ksr-signer|sign a Key Signing Request into a Signed Key Response"
  "ksr-gen|generate a Key Signing Request for tests"
  "skr-verify|verify a Signed Key Response"
  "ksk-inventory|list the KSKs of every configured module and export trust anchors"
  "hsmlab-bench|conformance, performance and ceremony scenarios for PKCS#11 modules")
if(NOT HSMLAB_HELP2MAN)
  message(FATAL_ERROR "help2man not found: the man pages need it (ci/install-deps.sh installs it)")
endif()
set(hl_man_pages)
foreach(entry IN LISTS hl_man_tools)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 tool)
  list(GET parts 1 what)
  set(page ${CMAKE_BINARY_DIR}/man/${tool}.1)
  # HSMLAB_MODULE unset and no lab: --help and --version need neither.
  add_custom_command(OUTPUT ${page}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
            ${HSMLAB_HELP2MAN} --no-info --no-discard-stderr --section=1
            --name=${what} --output=${page} $<TARGET_FILE:${tool}>
    DEPENDS ${tool}
    COMMENT "man page ${tool}(1)"
    VERBATIM)
  list(APPEND hl_man_pages ${page})
endforeach()
add_custom_target(man ALL DEPENDS ${hl_man_pages})
install(FILES ${hl_man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT tools)
