/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Luna's key backup blob format, the core/backup container under the
 * Luna's own magic and format byte (domain: its cloning domain; formats.md §3). Byte for byte the
 * format blobs were written in when it was the core's, so every existing blob still opens.
 * Its own file so that what only reads blobs (a test, a tool) links it alone. */
#include "luna/hl_luna.h"

const hl_backup_format_t hl_luna_backup_format = { .magic = "HLLUNA", .id = 2, .version = 1 };
