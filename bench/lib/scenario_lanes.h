/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: who signed each quarter, for the timeline (scenario_lanes.c). */
#pragma once

#include <stddef.h>

#include "hsmlab/bench/scenario.h"

typedef struct {
	const char *device, *vendor, *backend; /* borrowed from the scenario */
} hl_scn_lane_t;

/* The device (and its vendor, and the backend the profile maps it to) whose sign step signed
 * quarter q; 0, or -1 when the scenario has no such step. */
int hl_scn_signed_by(const hl_scenario_t *s, const char *profile, const hl_scn_quarter_t *q,
		     hl_scn_lane_t *out);
/* A fixed colour per backend (keyper, luna, strict, softhsm), grey for others. */
const char *hl_scn_backend_colour(const char *backend);
/* The quarters a ceremony signs ("2025Q1", "2025Q1+2025Q2", "") into buf. */
void hl_scn_ceremony_quarters(const hl_scn_quarter_t *q, size_t n, const char *ceremony, char *buf,
			      size_t len);
