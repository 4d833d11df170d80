/* SPDX-License-Identifier: BSD-2-Clause
 * Fuzz target: the signer configuration (libconfig with @include resolved relative to the
 * file). The input is the main file, optionally followed by "\n#--inc--\n" and the text of
 * fuzz.inc, the file it may include; the fixture include files are copied beside it so the
 * fixtures/signer seeds resolve their own @include lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "hsmlab/config.h"

#ifndef HSMLAB_FUZZ_SOURCE_DIR
#error "HSMLAB_FUZZ_SOURCE_DIR must name the source tree"
#endif

static const char *const fixture_includes[] = { "legacy-2010-common.inc",
						"legacy-2010-policy.inc" };

static void copy_fixture(const char *name)
{
	char path[1024];
	uint8_t buf[65536];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/fixtures/signer/%s", HSMLAB_FUZZ_SOURCE_DIR, name);
	f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		abort();
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	hl_fuzz_file(name, buf, n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	for (size_t i = 0; i < sizeof(fixture_includes) / sizeof(fixture_includes[0]); i++)
		copy_fixture(fixture_includes[i]);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n#--inc--\n";
	static hl_config_t cfg; /* some 100 KiB: not on the stack */
	const uint8_t *inc = NULL;
	size_t main_len = size;
	hl_err_t err;

	for (size_t i = 0; i + sizeof(sep) - 1 <= size; i++)
		if (memcmp(data + i, sep, sizeof(sep) - 1) == 0) {
			main_len = i;
			inc = data + i + sizeof(sep) - 1;
			break;
		}
	hl_fuzz_file("fuzz.inc", inc, inc ? size - (size_t)(inc - data) : 0);
	const char *path = hl_fuzz_file("main.conf", data, main_len);
	hl_config_load(path, &cfg, &err);
	/* The string reader takes the same text (no include directory: @include fails cleanly). */
	char *text = hl_fuzz_cstr(data, main_len);
	hl_config_parse(text, "fuzz-string", &cfg, &err);
	free(text);
	return 0;
}
