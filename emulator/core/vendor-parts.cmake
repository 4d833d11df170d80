# SPDX-License-Identifier: BSD-2-Clause
# The vendor families' building blocks: device clock, audit log, credential cards and
# backup blobs. Each is its own static library over util and crypto only, so the device
# layer and the vendor families link exactly what they use.
foreach(part clock audit cards backup)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/${part} ${CMAKE_CURRENT_BINARY_DIR}/${part})
endforeach()
# The offline audit verifier CLI lives with the other emulator tools.
get_filename_component(hl_tools_dir ${CMAKE_CURRENT_LIST_DIR}/../tools ABSOLUTE)
add_subdirectory(${hl_tools_dir}/audit-verify ${CMAKE_BINARY_DIR}/emulator/tools/audit-verify)
