/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-signloop: N signatures (ECDSA P-256, or RSA-2048 with "rsa") through a loaded module
 * in a throw-away lab, for counting what one signature costs: `strace -c -f` (system calls)
 * and `valgrind --tool=callgrind` (instructions). Set-up happens before the loop; the loop is
 * C_SignInit + C_Sign only, as a signer runs it. Exit 0 when every signature worked. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsmlab/p11client.h"

static int fail(const char *what, CK_RV rv)
{
	fprintf(stderr, "hsmlab-signloop: %s: %s\n", what, hl_ckr_name(rv));
	return 1;
}

/* A lab under /tmp and HSMLAB_CONF naming it (kept: the caller's trap removes it). */
static int make_lab(char *dir, size_t n)
{
	char path[160];
	snprintf(dir, n, "/tmp/hsmlab-signloop-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/lab", dir);
	if (mkdir(path, 0700) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/hsmlab.conf", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "lab_dir = \"%s/lab\";\n", dir);
	fclose(f);
	setenv("HSMLAB_CONF", path, 1);
	setenv("HSMLAB_QUIET", "1", 1);
	return 0;
}

static CK_RV keypair(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, bool rsa, CK_OBJECT_HANDLE *k)
{
	static const CK_BYTE p256[] = {
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
	};
	CK_ULONG bits = 2048;
	CK_BBOOL yes = CK_TRUE;
	CK_MECHANISM m = { rsa ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pub[] = { rsa ? (CK_ATTRIBUTE){ CKA_MODULUS_BITS, &bits, sizeof(bits) }
				   : (CK_ATTRIBUTE){ CKA_EC_PARAMS, (void *)p256, sizeof(p256) },
			       { CKA_TOKEN, &yes, 1 } };
	CK_ATTRIBUTE priv[] = { { CKA_TOKEN, &yes, 1 }, { CKA_SIGN, &yes, 1 } };
	CK_OBJECT_HANDLE hp;
	return fn->C_GenerateKeyPair(s, &m, pub, 2, priv, 2, &hp, k);
}

int main(int argc, char **argv)
{
	char dir[64], err[512];
	if (argc < 3) {
		fprintf(stderr, "usage: hsmlab-signloop MODULE N [rsa]\n");
		return 2;
	}
	long n = atol(argv[2]);
	bool rsa = argc > 3 && !strcmp(argv[3], "rsa");
	if (make_lab(dir, sizeof(dir)) != 0) {
		perror("hsmlab-signloop: lab");
		return 1;
	}
	hl_p11_module_t *mod = hl_p11_module_load(argv[1], 0, err, sizeof(err));
	if (!mod) {
		fprintf(stderr, "hsmlab-signloop: %s\n", err);
		return 1;
	}
	CK_FUNCTION_LIST_PTR fn = hl_p11_module_fn(mod);
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_ULONG ns = 1;
	CK_UTF8CHAR label[32];
	memset(label, ' ', sizeof(label));
	memcpy(label, "loop", 4);
	CK_RV rv = fn->C_GetSlotList(CK_TRUE, &slot, &ns);
	if (rv == CKR_OK)
		rv = fn->C_InitToken(slot, (CK_UTF8CHAR_PTR) "12345678", 8, label);
	if (rv == CKR_OK)
		rv = hl_p11_find_slot(fn, "loop", &slot);
	if (rv == CKR_OK)
		rv = fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv == CKR_OK)
		rv = fn->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR) "12345678", 8);
	if (rv == CKR_OK)
		rv = fn->C_InitPIN(s, (CK_UTF8CHAR_PTR) "123456", 6);
	if (rv == CKR_OK)
		rv = fn->C_Logout(s);
	if (rv == CKR_OK)
		rv = fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "123456", 6);
	if (rv == CKR_OK)
		rv = keypair(fn, s, rsa, &key);
	if (rv != CKR_OK)
		return fail("set-up", rv);
	CK_MECHANISM m = { rsa ? CKM_SHA256_RSA_PKCS : CKM_ECDSA_SHA256, NULL, 0 };
	CK_BYTE sig[512];
	for (long i = 0; i < n; i++) {
		CK_ULONG sl = sizeof(sig);
		rv = fn->C_SignInit(s, &m, key);
		if (rv == CKR_OK)
			rv = fn->C_Sign(s, (CK_BYTE_PTR) "example.", 8, sig, &sl);
		if (rv != CKR_OK)
			return fail("sign", rv);
	}
	fn->C_Finalize(NULL);
	hl_p11_module_free(mod);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
