/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: the PGP word list, for reading a KSR's SHA-256 aloud at the ceremony. */
#pragma once

#include <stddef.h>

/* The word for a byte at a position (even: two-syllable list, odd: three-syllable). */
const char *hl_pgpword(unsigned char byte, size_t position);
/* Words separated by single spaces into out; 0, or -1 when outlen is too small. */
int hl_pgpwords(const unsigned char *data, size_t len, char *out, size_t outlen);
