/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: ksk-inventory. Lists every private key on every configured module with
 * what a ceremony compares (device serial, algorithm, size, key tag and DS as a KSK), flags
 * keys that differ from the config, and exports a lab's trust anchors in the forms resolvers
 * and IANA publish: root-anchors.xml (RFC 7958), root.key (DNSKEY) and root.ds (DS). */
#pragma once

#include <stdio.h>

#include "hsmlab/config.h"

/* Prints the inventory to out (opens and closes cfg's modules). Returns 0, 1 when a key
 * differs from the config or a configured KSK is missing (named KSK-HSM-MATCH in err), or
 * -1 on an HSM error. */
int hl_inventory_run(hl_config_t *cfg, FILE *out, hl_err_t *err);

/* Writes dir/root-anchors.xml, dir/root.key and dir/root.ds for the configured KSKs, each
 * found on the modules (valid_from/valid_until from the config). 0 or -1. */
int hl_inventory_export(hl_config_t *cfg, const char *dir, hl_err_t *err);

/* Reads an RFC 7958 root-anchors.xml: one DS anchor per KeyDigest, limited to its
 * validFrom/validUntil. Appends up to max - *n entries at out + *n. 0, or -1 (ANCHOR). */
struct hl_anchor;
int hl_anchors_xml_load(const char *path, struct hl_anchor *out, size_t max, size_t *n,
			hl_err_t *err);
