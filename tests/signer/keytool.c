/* SPDX-License-Identifier: BSD-2-Clause
 * signer-keytool: the script tests' way to put a key on a token through the signer's own
 * PKCS#11 code (so the sanitizer build loads sanitized modules into a sanitized process).
 *   signer-keytool MODULE TOKEN LABEL gen-rsa | import PEM
 * The user PIN comes from HSMLAB_TEST_PIN. Exit 0 on success, 1 on failure, 2 on usage. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "hsmlab/hsm.h"

int main(int argc, char **argv)
{
	hl_hsm_module_t m;
	hl_err_t err = { { 0 }, { 0 } };
	int rc;

	if (argc < 5 || (strcmp(argv[4], "gen-rsa") != 0 && strcmp(argv[4], "import") != 0) ||
	    (strcmp(argv[4], "import") == 0) != (argc == 6)) {
		fputs("usage: signer-keytool MODULE TOKEN LABEL gen-rsa | import PEM\n", stderr);
		return 2;
	}
	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "keytool");
	snprintf(m.library, sizeof(m.library), "%s", argv[1]);
	snprintf(m.token, sizeof(m.token), "%s", argv[2]);
	m.pin_source = HL_PIN_ENV;
	snprintf(m.pin_arg, sizeof(m.pin_arg), "HSMLAB_TEST_PIN");
	rc = hl_hsm_open(&m, &err);
	if (rc == 0)
		rc = strcmp(argv[4], "gen-rsa") == 0
			 ? hl_hsm_generate(&m, argv[3], 8, 2048, &err)
			 : hl_hsm_import_pem(&m, argv[5], argv[3], &err);
	hl_hsm_close(&m);
	if (rc != 0) {
		fprintf(stderr, "signer-keytool: %s\n", err.msg);
		return 1;
	}
	return 0;
}
