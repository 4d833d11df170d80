/* SPDX-License-Identifier: BSD-2-Clause
 * Reading an audit export (emulator/doc/formats.md §1.3) for people: decoded rows, and the
 * device-time check the chain cannot make (a clock set back, or libfaketime mixed with
 * `clock set`, gives records whose times run backwards while every hash and HMAC holds).
 * Shared by hsmlab-admin (audit show, audit verify) and hsmlab-audit-verify. */
#pragma once

#include <stdio.h>

/* Prints the export at path as aligned rows (sequence, device time, event, subject, the
 * decoded details, key); 0, or -1 with a one-line reason in err. */
int hl_audit_text_show(const char *path, FILE *out, char *err, size_t errlen);

/* Prints "warning: PATH:LINE: device time runs backwards: seq N at T, after seq M at U" for
 * each record older than the one before it; returns how many (-1: unreadable). */
int hl_audit_text_backwards(const char *path, const char *prog, FILE *out);
