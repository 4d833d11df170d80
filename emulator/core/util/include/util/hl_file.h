/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the one atomic file writer, for every file the lab hands to people or
 * other tools (audit exports, backup blobs, card files). A reader, or whoever looks after a
 * crash, sees the old file or the new one, never half of either. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "util/hl_status.h"

/* Writes len bytes of data to path: a fresh temporary file in the same directory (so the
 * rename cannot cross file systems), written, given exactly `mode` (the umask does not
 * apply), fsync'ed, renamed over path, then the directory fsync'ed so the rename itself
 * survives a crash. On failure the temporary file is removed and an existing file at path is
 * left as it was (unless only the directory fsync failed: the new file is then in place but
 * its name may not be durable). err (errlen bytes, may be NULL) gets a one-line message
 * naming the path. HL_ERR_ARGS for a NULL path or data, HL_ERR_IO otherwise. */
hl_status_t hl_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
				 char *err, size_t errlen);
