/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Keyper's key backup blob format, the core/backup container under the
 * Keyper's own magic and format byte (domain: its storage master key (SMK); formats.md §3). Byte
 * for byte the format blobs were written in when it was the core's, so every existing blob still
 * opens. Its own file so that what only reads blobs (a test, a tool) links it alone. */
#include "keyper/hl_keyper.h"

const hl_backup_format_t hl_keyper_backup_format = { .magic = "HLKYPR", .id = 1, .version = 1 };
