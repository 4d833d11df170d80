/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: what the filter layers of p11_quirks*.c share (the p11 layer only): the
 * general layers' per-device state, and template lookup. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "p11/hl_p11.h"
#include "p11/hl_p11_quirks.h"

/* The general filters' state of one device; reset by C_Initialize and C_Finalize. */
typedef struct {
	const hl_device_t *dev;
	CK_ULONG ops;     /* G3: signatures since the login */
	int64_t login_at; /* G3: device time of the login */
	unsigned opens;   /* G4: C_OpenSession and C_Login calls so far */
	bool horizon_set; /* G12: objects with higher ids came from another process */
	uint64_t horizon; /* ... unless this process made them (own) */
	uint64_t *own;
	size_t n_own;
	int64_t window;     /* G13: the monotonic second being counted */
	CK_ULONG in_window; /* G13: signatures in it */
} dev_state_t;

/* Guards every dev_state_t (and the general layer's search list). */
extern pthread_mutex_t hl_p11_qg_lock;
/* The state of dev (hl_p11_qg_lock held), made on first use; NULL without memory. */
dev_state_t *hl_p11_qg_dev_state(const hl_device_t *dev);
/* The general switches of session h's device and the device, or NULL when no switch is on
 * (or h is no session: the layer below then reports that). */
const hl_profile_general_t *hl_p11_qg_general_of(CK_SESSION_HANDLE h, hl_device_t **dev);

static inline const CK_ATTRIBUTE *find_attr(const CK_ATTRIBUTE *t, CK_ULONG n,
					    CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; t && i < n; i++)
		if (t[i].type == type)
			return &t[i];
	return NULL;
}
