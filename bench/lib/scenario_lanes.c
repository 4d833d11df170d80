/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: who signed what, for the timeline. A quarter's bundles are signed at one
 * ceremony by one device; the profile decides which backend stands in for that device's
 * vendor. The timeline draws that as a lane under the slots, coloured by backend, so a
 * reader sees at once which vendor signed each quarter in this profile. */
#include <string.h>

#include "scenario_lanes.h"

static const struct {
	const char *backend, *colour;
} backend_colours[] = {
	{ "keyper", "#6a3d9a" },  { "luna", "#b15928" }, { "strict", "#4d4d4d" },
	{ "softhsm", "#33a02c" }, { "zsk", "#a6761d" },
};

const char *hl_scn_backend_colour(const char *backend)
{
	for (size_t i = 0; backend && i < sizeof backend_colours / sizeof backend_colours[0]; i++)
		if (strcmp(backend_colours[i].backend, backend) == 0)
			return backend_colours[i].colour;
	return "#999";
}

static const hl_scn_device_t *find_device(const hl_scenario_t *s, const char *name)
{
	for (size_t i = 0; i < s->ndevices; i++)
		if (strcmp(s->devices[i].name, name) == 0)
			return &s->devices[i];
	return NULL;
}

/* The backend a profile maps a vendor to; the vendor itself when the profile leaves it. */
static const char *backend_of(const hl_scenario_t *s, const char *profile, const char *vendor)
{
	for (size_t p = 0; p < s->nprofiles; p++) {
		if (strcmp(s->profiles[p].name, profile) != 0)
			continue;
		for (size_t k = 0; k < s->profiles[p].nmap; k++)
			if (strcmp(s->profiles[p].vendors[k], vendor) == 0)
				return s->profiles[p].backends[k];
	}
	return vendor;
}

/* Whether `dev` holds `key` just before step `upto` of ceremony `cer`, by the plan: keygen,
 * import and restore steps put a key on their devices (as the runner records them when
 * they succeed); a format wipes a device. */
static int plan_holds(const hl_scenario_t *s, size_t cer, size_t upto, const char *key,
		      const char *dev)
{
	int holds = 0;

	for (size_t c = 0; c <= cer; c++)
		for (size_t i = 0; i < s->ceremonies[c].nsteps && (c < cer || i < upto); i++) {
			const hl_step_t *st = &s->ceremonies[c].steps[i];
			int names_dev = 0;

			for (size_t d = 0; d < st->ndevices; d++)
				names_dev |= strcmp(st->devices[d], dev) == 0;
			if (!names_dev)
				continue;
			if (st->type == HL_STEP_FORMAT)
				holds = 0;
			else if ((st->type == HL_STEP_KEYGEN || st->type == HL_STEP_IMPORT ||
				  st->type == HL_STEP_RESTORE) &&
				 st->key && strcmp(st->key, key) == 0)
				holds = 1;
		}
	return holds;
}

/* The device the runner picks for the sign step's current key (scenario_sign.c,
 * pick_device): one the step names, else one at the ceremony's site holding it, else any. */
static const hl_scn_device_t *plan_device(const hl_scenario_t *s, size_t cer, size_t step)
{
	const hl_step_t *st = &s->ceremonies[cer].steps[step];
	const char *site = s->ceremonies[cer].site;
	const hl_scn_device_t *any = NULL;

	if (st->ndevices > 0)
		return find_device(s, st->devices[0]);
	for (size_t d = 0; st->current && d < s->ndevices; d++) {
		if (!plan_holds(s, cer, step, st->current, s->devices[d].name))
			continue;
		if (site && s->devices[d].site && strcmp(site, s->devices[d].site) == 0)
			return &s->devices[d];
		if (any == NULL)
			any = &s->devices[d];
	}
	return any;
}

int hl_scn_signed_by(const hl_scenario_t *s, const char *profile, const hl_scn_quarter_t *q,
		     hl_scn_lane_t *out)
{
	memset(out, 0, sizeof *out);
	for (size_t c = 0; c < s->nceremonies; c++) {
		if (strcmp(s->ceremonies[c].id, q->ceremony) != 0)
			continue;
		for (size_t i = 0; i < s->ceremonies[c].nsteps; i++) {
			const hl_step_t *st = &s->ceremonies[c].steps[i];
			const hl_scn_device_t *d;

			if (st->type != HL_STEP_SIGN || st->quarter == NULL ||
			    strcmp(st->quarter, q->quarter) != 0 ||
			    (d = plan_device(s, c, i)) == NULL)
				continue;
			out->device = d->name;
			out->vendor = d->vendor;
			out->backend = backend_of(s, profile, d->vendor);
			return 0;
		}
	}
	return -1;
}

/* The quarters a ceremony signs, "2025Q1" or "2025Q1+2025Q2", into buf ("" for none). */
void hl_scn_ceremony_quarters(const hl_scn_quarter_t *q, size_t n, const char *ceremony, char *buf,
			      size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++)
		if (strcmp(q[i].ceremony, ceremony) == 0) {
			int w =
			    snprintf(buf + used, len - used, "%s%s", used ? "+" : "", q[i].quarter);

			if (w < 0)
				break;
			used += (size_t)w;
		}
}
