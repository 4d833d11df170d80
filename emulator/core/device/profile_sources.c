/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: a profile's `sources` group (issue 16): where each value comes from. For
 * every value of the identity, limits and pin groups, the flag lists and each mechanism, a
 * group { source = "doc" | "field" | "guess"; ref = "URL or document, section"; } (doc and
 * field) or { source = "guess"; why = "the reasoning"; }. A profile with the group must
 * cover every value it sets, so a value added later without its source fails to load. */
#include <string.h>

#include "profile_int.h"

/* One entry: a known source and its reference (doc, field) or reasoning (guess). */
static hl_status_t read_entry(hl_profile_ctx_t *c, const config_setting_t *e, const char *path)
{
	const char *src = NULL, *ref = NULL, *why = NULL;
	if (!config_setting_is_group(e))
		return hl_profile_fail(c, e, path, "must be a group { source = ...; ref = ...; }");
	config_setting_lookup_string(e, "source", &src);
	config_setting_lookup_string(e, "ref", &ref);
	config_setting_lookup_string(e, "why", &why);
	if (!src || (strcmp(src, "doc") && strcmp(src, "field") && strcmp(src, "guess")))
		return hl_profile_fail(c, e, path, "source: say \"doc\", \"field\" or \"guess\"");
	if (strcmp(src, "guess") == 0 && (!why || !why[0]))
		return hl_profile_fail(c, e, path, "a guess says its reasoning (why = \"...\")");
	if (strcmp(src, "guess") != 0 && (!ref || !ref[0]))
		return hl_profile_fail(c, e, path,
				       "%s needs its reference (ref = \"URL or document, "
				       "section\")",
				       src);
	return HL_OK;
}

/* Every member of the profile's group `name` (identity, limits, pin) has an entry in the
 * sources group of the same name, and every entry names a member that exists. */
static hl_status_t cover_group(hl_profile_ctx_t *c, const config_setting_t *root,
			       const config_setting_t *srcs, const char *name)
{
	const config_setting_t *vals = config_setting_get_member(root, name);
	const config_setting_t *sg = config_setting_get_member(srcs, name);
	char path[96];
	if (!vals)
		return sg ? hl_profile_fail(c, sg, name, "sources for a group the profile lacks")
			  : HL_OK;
	for (int i = 0; i < config_setting_length(vals); i++) {
		const char *key = config_setting_name(config_setting_get_elem(vals, (unsigned)i));
		const config_setting_t *e = sg ? config_setting_get_member(sg, key) : NULL;
		snprintf(path, sizeof(path), "sources.%s.%s", name, key);
		if (!e)
			return hl_profile_fail(c, sg ? sg : srcs, path,
					       "missing: where is %s.%s from?", name, key);
		hl_status_t st = read_entry(c, e, path);
		if (st != HL_OK)
			return st;
	}
	for (int i = 0; sg && i < config_setting_length(sg); i++) {
		const config_setting_t *e = config_setting_get_elem(sg, (unsigned)i);
		if (!config_setting_get_member(vals, config_setting_name(e)))
			return hl_profile_fail(c, e, name, "a source for \"%s\", which %s lacks",
					       config_setting_name(e), name);
	}
	return HL_OK;
}

/* Each mechanism by name (libconfig names cannot hold the CKM_ prefix's case freely, so
 * the entry's name is the mechanism's, e.g. CKM_RSA_PKCS). */
static hl_status_t cover_mechs(hl_profile_ctx_t *c, const config_setting_t *root,
			       const config_setting_t *srcs)
{
	const config_setting_t *l = config_setting_get_member(root, "mechanisms");
	const config_setting_t *sg = config_setting_get_member(srcs, "mechanisms");
	char path[96];
	for (int i = 0; l && i < config_setting_length(l); i++) {
		const char *name = NULL;
		config_setting_lookup_string(config_setting_get_elem(l, (unsigned)i), "name",
					     &name);
		const config_setting_t *e = sg && name ? config_setting_get_member(sg, name) : NULL;
		snprintf(path, sizeof(path), "sources.mechanisms.%s", name ? name : "?");
		if (!e)
			return hl_profile_fail(c, sg ? sg : srcs, path,
					       "missing: where is %s from?",
					       name ? name : "the mechanism");
		hl_status_t st = read_entry(c, e, path);
		if (st != HL_OK)
			return st;
	}
	return HL_OK;
}

hl_status_t hl_profile_read_sources(hl_profile_ctx_t *c, const config_setting_t *root,
				    hl_profile_t *p)
{
	static const char *const groups[] = { "identity", "limits", "pin" };
	static const char *const lists[] = { "slot_flags", "token_flags" };
	const config_setting_t *srcs = config_setting_get_member(root, "sources");
	if (!srcs)
		return HL_OK;
	if (!config_setting_is_group(srcs))
		return hl_profile_fail(c, srcs, "sources", "must be a group { ... }");
	hl_status_t st = HL_OK;
	for (size_t i = 0; st == HL_OK && i < sizeof(groups) / sizeof(groups[0]); i++)
		st = cover_group(c, root, srcs, groups[i]);
	for (size_t i = 0; st == HL_OK && i < sizeof(lists) / sizeof(lists[0]); i++) {
		const config_setting_t *e = config_setting_get_member(srcs, lists[i]);
		char path[64];
		snprintf(path, sizeof(path), "sources.%s", lists[i]);
		if (config_setting_get_member(root, lists[i]))
			st = e ? read_entry(c, e, path)
			       : hl_profile_fail(c, srcs, path, "missing: where is %s from?",
						 lists[i]);
	}
	if (st == HL_OK)
		st = cover_mechs(c, root, srcs);
	if (st == HL_OK)
		p->sourced = true;
	return st;
}
