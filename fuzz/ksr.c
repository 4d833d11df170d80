/* SPDX-License-Identifier: BSD-2-Clause
 * Fuzz target: the KSR/SKR XML reader (hl_ksr_parse), and the writer on whatever it accepts
 * (a file the reader takes must format and read back). */
#include <stdio.h>
#include <stdlib.h>

#include <libxml/xmlerror.h>

#include "fuzz_common.h"
#include "hsmlab/ksr.h"

static void quiet(void *ctx, const char *msg, ...)
{
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* libxml2's own messages for every malformed input would drown the fuzzer's output. */
	xmlSetGenericErrorFunc(NULL, quiet);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hl_ksr_t *ksr = NULL, *again = NULL;
	hl_err_t err;
	size_t len = 0;
	char *text;

	if (hl_ksr_parse((const char *)data, size, "fuzz.xml", &ksr, &err) != 0)
		return 0;
	text = hl_ksr_format(ksr, &len);
	if (text == NULL)
		abort();
	/* What the writer made from an accepted file must be accepted in turn. */
	if (hl_ksr_parse(text, len, "formatted.xml", &again, &err) != 0) {
		fprintf(stderr, "formatted KSR refused: %s: %s\n", err.check, err.msg);
		abort();
	}
	hl_ksr_free(again);
	free(text);
	hl_ksr_free(ksr);
	return 0;
}
