/* SPDX-License-Identifier: BSD-2-Clause
 * Internal: the generated name tables behind hl_ck_name(). */
#pragma once

#include "hsmlab/pkcs11.h"

typedef struct {
	CK_ULONG value;
	const char *name;
} hl_ck_name_t;

extern const hl_ck_name_t hl_ckr_names[], hl_ckm_names[], hl_cka_names[], hl_ckk_names[],
    hl_cko_names[];
