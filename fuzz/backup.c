/* SPDX-License-Identifier: BSD-2-Clause
 * Fuzz target: backup blobs of both families (Keyper SMK, Luna cloning domain), through the
 * key-less reader (hl_backup_peek) and the decoder for each vendor's domain. A blob that
 * decodes must encode again and decode to the same attributes. */
#include <stdlib.h>
#include <string.h>

#include "backup/hl_backup.h"
#include "fuzz_common.h"
#include "keyper/hl_keyper.h"
#include "luna/hl_luna.h"

static hl_backup_domain_t domains[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const hl_backup_format_t *vendors[2] = { &hl_keyper_backup_format, &hl_luna_backup_format };

	for (int i = 0; i < 2; i++)
		if (hl_backup_domain_derive(vendors[i], (const uint8_t *)HL_FUZZ_DOMAIN_SECRET,
					    strlen(HL_FUZZ_DOMAIN_SECRET), &domains[i]) != HL_OK)
			abort();
	return 0;
}

static void round_trip(const hl_backup_domain_t *dom, const hl_backup_obj_t *obj)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	hl_backup_obj_t *again = NULL;

	if (hl_backup_encode(dom, obj->source_serial, obj->created, obj->attrs, obj->n, &blob,
			     &len) != HL_OK)
		return; /* the decoder is lenient where the encoder is not: not a bug */
	if (hl_backup_decode(dom, blob, len, &again) != HL_OK || again->n != obj->n)
		abort();
	for (size_t i = 0; i < obj->n; i++)
		if (again->attrs[i].type != obj->attrs[i].type ||
		    again->attrs[i].ulValueLen != obj->attrs[i].ulValueLen ||
		    (obj->attrs[i].ulValueLen > 0 &&
		     memcmp(again->attrs[i].pValue, obj->attrs[i].pValue,
			    obj->attrs[i].ulValueLen) != 0))
			abort();
	hl_backup_obj_free(again);
	free(blob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hl_backup_info_t info;
	hl_backup_obj_t *obj = NULL;

	hl_backup_peek(data, size, &info);
	for (int i = 0; i < 2; i++) {
		if (hl_backup_decode(&domains[i], data, size, &obj) != HL_OK)
			continue;
		hl_backup_obj_attr(obj, CKA_LABEL);
		round_trip(&domains[i], obj);
		hl_backup_obj_free(obj);
		obj = NULL;
	}
	return 0;
}
