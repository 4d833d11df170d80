# SPDX-License-Identifier: BSD-2-Clause
# add_unit_test(NAME <name> SOURCES <files...> [LIBS <targets...>] [LABELS <labels...>]
#               [ENV <VAR=value...>])
# One Criterion test program, registered with ctest. Every test program gets the paths it
# may need through the environment, so none depends on the developer's home or cwd.
function(add_unit_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS;ENV" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE PkgConfig::CRITERION ${T_LIBS})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} --jobs=2 --full-stats)
  set(env
      "HSMLAB_CORPUS_DIR=${HSMLAB_CORPUS_DIR}"
      "HSMLAB_SOFTHSM2_MODULE=${HSMLAB_SOFTHSM2_MODULE}"
      "HSMLAB_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
      "HSMLAB_BUILD_DIR=${PROJECT_BINARY_DIR}"
      ${T_ENV})
  set_tests_properties(${T_NAME} PROPERTIES ENVIRONMENT "${env}" LABELS "unit;${T_LABELS}"
                                            TIMEOUT 600)
endfunction()

# add_script_test(NAME <name> COMMAND <cmd...> [LABELS <labels...>] [ENV <VAR=value...>])
# A test driven by a shell script (real clients: pkcs11-tool, p11tool, ldns tools, openssl).
function(add_script_test)
  cmake_parse_arguments(T "" "NAME" "COMMAND;LABELS;ENV" ${ARGN})
  add_test(NAME ${T_NAME} COMMAND ${T_COMMAND})
  set(env
      "HSMLAB_CORPUS_DIR=${HSMLAB_CORPUS_DIR}"
      "HSMLAB_SOFTHSM2_MODULE=${HSMLAB_SOFTHSM2_MODULE}"
      "HSMLAB_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
      "HSMLAB_BUILD_DIR=${PROJECT_BINARY_DIR}"
      ${T_ENV})
  set_tests_properties(${T_NAME} PROPERTIES ENVIRONMENT "${env}" LABELS "script;${T_LABELS}"
                                            TIMEOUT 600)
endfunction()
