/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: status messages and the status → CK_RV mapping. */
#include "util/hl_status.h"

static const struct {
	const char *name;
	CK_RV rv;
	const char *msg;
} table[] = {
#define HL_STATUS_ROW(name, rv, msg) { #name, rv, msg },
	HL_STATUS_LIST(HL_STATUS_ROW)
#undef HL_STATUS_ROW
};

const char *hl_strerror(hl_status_t st)
{
	return (unsigned)st < HL_STATUS_COUNT ? table[st].msg : "unknown status";
}

const char *hl_status_name(hl_status_t st)
{
	return (unsigned)st < HL_STATUS_COUNT ? table[st].name : "HL_ERR_UNKNOWN";
}

CK_RV hl_status_to_ckr(hl_status_t st)
{
	return (unsigned)st < HL_STATUS_COUNT ? table[st].rv : CKR_GENERAL_ERROR;
}
