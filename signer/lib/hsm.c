/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: opening modules, finding KSKs by label, choosing the mechanism, signing. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hsmlab/hsm.h"

/* -- opening -- */

static int read_pin(const hl_hsm_module_t *m, char *pin, size_t len, hl_err_t *err)
{
	FILE *f;
	const char *v;
	struct termios old, quiet;
	int tty = 0;

	switch (m->pin_source) {
	case HL_PIN_NONE:
		pin[0] = '\0';
		return 0;
	case HL_PIN_ENV:
		v = getenv(m->pin_arg);
		if (v == NULL) {
			hl_err_set(err, "CONFIG", "module %s: PIN variable %s is not set", m->name,
				   m->pin_arg);
			return -1;
		}
		snprintf(pin, len, "%s", v);
		return 0;
	case HL_PIN_FILE:
		f = fopen(m->pin_arg, "r");
		if (f == NULL || fgets(pin, (int)len, f) == NULL) {
			hl_err_set(err, "CONFIG", "module %s: cannot read PIN file %s", m->name,
				   m->pin_arg);
			if (f)
				fclose(f);
			return -1;
		}
		fclose(f);
		break;
	case HL_PIN_PROMPT:
		fprintf(stderr, "PIN for module %s: ", m->name);
		if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0) {
			tty = 1; /* restore only what was saved */
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		}
		v = fgets(pin, (int)len, stdin);
		if (tty)
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
		if (v == NULL) {
			hl_err_set(err, "CONFIG", "module %s: no PIN entered", m->name);
			return -1;
		}
		break;
	}
	pin[strcspn(pin, "\r\n")] = '\0';
	return 0;
}

static int find_slot(hl_hsm_module_t *m, hl_err_t *err)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	CK_RV rv;

	if (m->token[0] != '\0' || m->slot < 0) {
		rv = hl_p11_find_slot(m->fn, m->token[0] ? m->token : NULL, &m->slot_id);
		if (rv != CKR_OK) {
			hl_err_set(err, "HSM", "module %s: token \"%s\": %s", m->name, m->token,
				   hl_ckr_name(rv));
			return -1;
		}
		return 0;
	}
	rv = m->fn->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK || (CK_ULONG)m->slot >= n) {
		hl_err_set(err, "HSM", "module %s: no token in slot index %ld (%s)", m->name,
			   m->slot, hl_ckr_name(rv));
		return -1;
	}
	m->slot_id = slots[m->slot];
	return 0;
}

static void trimmed(char *dst, size_t len, const CK_UTF8CHAR *src, size_t srclen)
{
	size_t n = srclen < len - 1 ? srclen : len - 1;

	memcpy(dst, src, n);
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

/* The token's label and serial: what a ceremony's record names the device by. */
static int token_info(hl_hsm_module_t *m, hl_err_t *err)
{
	CK_TOKEN_INFO ti;
	CK_RV rv = m->fn->C_GetTokenInfo(m->slot_id, &ti);

	if (rv != CKR_OK) {
		hl_err_set(err, "HSM", "module %s: C_GetTokenInfo: %s", m->name, hl_ckr_name(rv));
		return -1;
	}
	trimmed(m->tok_label, sizeof(m->tok_label), ti.label, sizeof(ti.label));
	trimmed(m->tok_serial, sizeof(m->tok_serial), ti.serialNumber, sizeof(ti.serialNumber));
	m->tok_clock = (ti.flags & CKF_CLOCK_ON_TOKEN) != 0;
	return 0;
}

int hl_hsm_clock(const hl_hsm_module_t *m, char *buf, size_t len)
{
	CK_TOKEN_INFO ti;
	const char *t;

	if (m->fn == NULL || !m->tok_clock || m->fn->C_GetTokenInfo(m->slot_id, &ti) != CKR_OK)
		return -1;
	t = (const char *)ti.utcTime; /* YYYYMMDDhhmmss00 */
	snprintf(buf, len, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", t, t + 4, t + 6, t + 8, t + 10,
		 t + 12);
	return 0;
}

int hl_hsm_open(hl_hsm_module_t *m, hl_err_t *err)
{
	char msg[512], pin[256];
	CK_ULONG nslots = 0;
	CK_RV rv;
	int rc = -1;

	for (size_t i = 0; i < m->nenv; i++)
		setenv(m->env_name[i], m->env_value[i], 1);
	m->mod = hl_p11_module_load(m->library, 0, msg, sizeof(msg));
	if (m->mod == NULL) {
		hl_err_set(err, "HSM", "module %s: %s", m->name, msg);
		return -1;
	}
	m->fn = hl_p11_module_fn(m->mod);
	/* some modules show tokens only after a C_GetSlotList(CK_FALSE) (quirk G9) */
	m->fn->C_GetSlotList(CK_FALSE, NULL, &nslots);
	if (find_slot(m, err) != 0 || token_info(m, err) != 0)
		goto out;
	rv = m->fn->C_OpenSession(m->slot_id, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
				  &m->session);
	if (rv != CKR_OK) {
		hl_err_set(err, "HSM", "module %s: C_OpenSession: %s", m->name, hl_ckr_name(rv));
		goto out;
	}
	if (m->pin_source != HL_PIN_NONE) {
		if (read_pin(m, pin, sizeof(pin), err) != 0)
			goto out;
		rv = m->fn->C_Login(m->session, CKU_USER, (CK_UTF8CHAR_PTR)pin,
				    (CK_ULONG)strlen(pin));
		OPENSSL_cleanse(pin, sizeof(pin));
		if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
			hl_err_set(err, "HSM", "module %s: C_Login: %s", m->name, hl_ckr_name(rv));
			goto out;
		}
		/* some devices show their serial only after login (quirk K4) */
		if (token_info(m, err) != 0)
			goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		hl_hsm_close(m);
	return rc;
}

void hl_hsm_close(hl_hsm_module_t *m)
{
	if (m->mod == NULL)
		return;
	if (m->session != CK_INVALID_HANDLE) {
		m->fn->C_Logout(m->session);
		m->fn->C_CloseSession(m->session);
	}
	hl_p11_module_free(m->mod);
	m->mod = NULL;
	m->fn = NULL;
	m->session = CK_INVALID_HANDLE;
}

/* -- keys -- */

static int read_rsa_pub(hl_hsm_module_t *m, CK_OBJECT_HANDLE o, hl_hsm_key_t *k)
{
	unsigned char *n = NULL, *e = NULL;
	CK_ULONG nl = 0, el = 0;
	size_t off = 0, skip = 0, nskip = 0;
	int rc = -1;

	if (hl_p11_get_attr(m->fn, m->session, o, CKA_MODULUS, &n, &nl) != CKR_OK ||
	    hl_p11_get_attr(m->fn, m->session, o, CKA_PUBLIC_EXPONENT, &e, &el) != CKR_OK ||
	    nl == 0 || el == 0)
		goto out;
	while (skip + 1 < el && e[skip] == 0)
		skip++; /* DNSKEY wants the exponent without leading zeros */
	el -= skip;
	while (nl > 1 && n[nskip] == 0) { /* some devices pad the modulus (quirk G17) */
		nskip++;
		nl--;
	}
	if (el + nl + 3 > sizeof(k->pub) || el > 8)
		goto out;
	if (el < 256) {
		k->pub[off++] = (unsigned char)el;
	} else {
		k->pub[off++] = 0;
		k->pub[off++] = (unsigned char)(el >> 8);
		k->pub[off++] = (unsigned char)el;
	}
	memcpy(k->pub + off, e + skip, el);
	memcpy(k->pub + off + el, n + nskip, nl);
	k->publen = off + el + nl;
	k->exponent = 0;
	for (size_t i = 0; i < el; i++)
		k->exponent = k->exponent << 8 | e[skip + i];
	k->bits = (unsigned)nl * 8;
	for (unsigned char top = n[nskip]; k->bits > 0 && !(top & 0x80);
	     top = (unsigned char)(top << 1))
		k->bits--;
	k->alg = 8;
	rc = 0;
out:
	free(n);
	free(e);
	return rc;
}

static int read_ec_pub(hl_hsm_module_t *m, const char *label, hl_hsm_key_t *k)
{
	CK_OBJECT_HANDLE pub;
	CK_ULONG cnt = 0, len = 0;
	unsigned char *pt = NULL, *p;
	int rc = -1;

	if (hl_p11_find_by_label(m->fn, m->session, CKO_PUBLIC_KEY, label, &pub, 1, &cnt) !=
		CKR_OK ||
	    cnt == 0 || hl_p11_get_attr(m->fn, m->session, pub, CKA_EC_POINT, &pt, &len) != CKR_OK)
		goto out;
	p = pt;
	if (len == 67 && p[0] == 0x04 && p[1] == 65) { /* DER OCTET STRING around the point */
		p += 2;
		len -= 2;
	}
	if (len != 65 || p[0] != 0x04)
		goto out;
	memcpy(k->pub, p + 1, 64);
	k->publen = 64;
	k->bits = 256;
	k->alg = 13;
	rc = 0;
out:
	free(pt);
	return rc;
}

/* The key labelled `label` in one module: 0 found, 1 not there, -1 error. */
static int key_in_module(hl_hsm_module_t *m, const char *label, hl_hsm_key_t *out, hl_err_t *err)
{
	CK_OBJECT_HANDLE h;
	CK_ULONG cnt = 0, len = 0;
	unsigned char *type = NULL;
	hl_hsm_key_t k;
	int ok;

	if (m->mod == NULL ||
	    hl_p11_find_by_label(m->fn, m->session, CKO_PRIVATE_KEY, label, &h, 1, &cnt) != CKR_OK)
		return 1;
	if (cnt == 0)
		return 1;
	if (cnt > 1) {
		hl_err_set(err, "HSM", "module %s: %lu private keys labelled %s", m->name,
			   (unsigned long)cnt, label);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	k.module = m;
	k.priv = h;
	if (hl_p11_get_attr(m->fn, m->session, h, CKA_KEY_TYPE, &type, &len) != CKR_OK ||
	    len != sizeof(CK_KEY_TYPE)) {
		free(type);
		hl_err_set(err, "HSM", "module %s: key %s: no CKA_KEY_TYPE", m->name, label);
		return -1;
	}
	memcpy(&k.type, type, sizeof(k.type));
	free(type);
	ok = k.type == CKK_RSA  ? read_rsa_pub(m, h, &k) == 0
	     : k.type == CKK_EC ? read_ec_pub(m, label, &k) == 0
				: 0;
	if (!ok) {
		hl_err_set(err, "HSM", "module %s: key %s: cannot read its public half (%s)",
			   m->name, label, hl_ckk_name(k.type));
		return -1;
	}
	*out = k;
	return 0;
}

int hl_hsm_find_key(hl_hsm_module_t *mods, size_t n, const char *label, hl_hsm_key_t *out,
		    hl_err_t *err)
{
	for (size_t i = 0; i < n; i++) {
		int rc = key_in_module(&mods[i], label, out, err);
		if (rc <= 0)
			return rc;
	}
	return 1;
}

int hl_hsm_find_all(hl_hsm_module_t *mods, size_t n, const char *label, hl_hsm_key_t *out,
		    size_t max, size_t *count, hl_err_t *err)
{
	*count = 0;
	for (size_t i = 0; i < n && *count < max; i++) {
		int rc = key_in_module(&mods[i], label, &out[*count], err);
		if (rc < 0)
			return -1;
		*count += rc == 0;
	}
	return 0;
}

int hl_hsm_list_labels(hl_hsm_module_t *m, char (*labels)[64], size_t max, size_t *n, hl_err_t *err)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tpl = { CKA_CLASS, &cls, sizeof(cls) };
	CK_OBJECT_HANDLE h[256];
	CK_ULONG got = 0, more = 0;
	CK_RV rv = m->fn->C_FindObjectsInit(m->session, &tpl, 1);

	*n = 0;
	while (rv == CKR_OK && got < 256) { /* a module may return fewer than asked each time */
		rv = m->fn->C_FindObjects(m->session, h + got, 256 - got, &more);
		if (rv != CKR_OK || more == 0)
			break;
		got += more;
	}
	if (rv == CKR_OK || rv == CKR_OPERATION_ACTIVE)
		m->fn->C_FindObjectsFinal(m->session);
	if (rv != CKR_OK) {
		hl_err_set(err, "HSM", "module %s: listing keys: %s", m->name, hl_ckr_name(rv));
		return -1;
	}
	for (CK_ULONG i = 0; i < got && *n < max; i++) {
		unsigned char *v = NULL;
		CK_ULONG len = 0;
		if (hl_p11_get_attr(m->fn, m->session, h[i], CKA_LABEL, &v, &len) != CKR_OK) {
			free(v);
			continue; /* a key without a label cannot be a configured KSK */
		}
		snprintf(labels[(*n)++], 64, "%.*s", (int)(len < 63 ? len : 63), (const char *)v);
		free(v);
	}
	return 0;
}

int hl_hsm_key_to_dnskey(const hl_hsm_key_t *hk, const char *label, unsigned flags, hl_key_t *out)
{
	hl_key_t k = { .ttl = 172800, .flags = flags, .protocol = 3, .alg = hk->alg };

	k.id = strdup(label);
	k.pub = malloc(hk->publen);
	if (k.id == NULL || k.pub == NULL) {
		hl_key_clear(&k);
		return -1;
	}
	memcpy(k.pub, hk->pub, hk->publen);
	k.publen = hk->publen;
	*out = k;
	return 0;
}

/* -- mechanisms and signing -- */

static int has_mech(const CK_MECHANISM_TYPE *l, CK_ULONG n, CK_MECHANISM_TYPE m)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (l[i] == m)
			return 1;
	return 0;
}

int hl_hsm_choose_mech(hl_hsm_key_t *key, const char *override, hl_err_t *err)
{
	CK_MECHANISM_TYPE list[512];
	CK_ULONG n = 512, v;
	hl_hsm_module_t *m = key->module;
	CK_RV rv;

	if (override != NULL && override[0] != '\0') {
		if (hl_ck_value(override, &v) != 0 ||
		    (v != CKM_SHA256_RSA_PKCS && v != CKM_RSA_PKCS && v != CKM_RSA_X_509 &&
		     v != CKM_ECDSA)) {
			hl_err_set(err, "CONFIG", "mechanism %s is not one the signer can use",
				   override);
			return -1;
		}
		key->mech = v;
		return 0;
	}
	rv = m->fn->C_GetMechanismList(m->slot_id, list, &n);
	if (rv != CKR_OK) {
		hl_err_set(err, "HSM", "module %s: C_GetMechanismList: %s", m->name,
			   hl_ckr_name(rv));
		return -1;
	}
	if (key->type == CKK_EC && has_mech(list, n, CKM_ECDSA))
		key->mech = CKM_ECDSA;
	else if (key->type == CKK_RSA && has_mech(list, n, CKM_SHA256_RSA_PKCS))
		key->mech = CKM_SHA256_RSA_PKCS;
	else if (key->type == CKK_RSA && has_mech(list, n, CKM_RSA_PKCS))
		key->mech = CKM_RSA_PKCS;
	else if (key->type == CKK_RSA && has_mech(list, n, CKM_RSA_X_509))
		key->mech = CKM_RSA_X_509;
	else {
		hl_err_set(err, "HSM", "module %s: no usable signing mechanism for a %s key",
			   m->name, hl_ckk_name(key->type));
		return -1;
	}
	return 0;
}

static const unsigned char sha256_prefix[19] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
						 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
						 0x01, 0x05, 0x00, 0x04, 0x20 };

/* What goes to C_Sign: the data itself, DigestInfo, the full EMSA block, or the hash. */
static int sign_input(const hl_hsm_key_t *key, const unsigned char *data, size_t len,
		      unsigned char *buf, size_t *buflen)
{
	unsigned char h[32];
	size_t k = (key->bits + 7) / 8;

	if (key->mech == CKM_SHA256_RSA_PKCS)
		return 1; /* sign data as is */
	if (EVP_Digest(data, len, h, NULL, EVP_sha256(), NULL) != 1)
		return -1;
	if (key->mech == CKM_ECDSA) {
		memcpy(buf, h, 32);
		*buflen = 32;
	} else if (key->mech == CKM_RSA_PKCS) {
		memcpy(buf, sha256_prefix, 19);
		memcpy(buf + 19, h, 32);
		*buflen = 51;
	} else {
		if (k < 51 + 11 || k > 1024)
			return -1;
		buf[0] = 0x00;
		buf[1] = 0x01;
		memset(buf + 2, 0xff, k - 51 - 3);
		buf[k - 52] = 0x00;
		memcpy(buf + k - 51, sha256_prefix, 19);
		memcpy(buf + k - 32, h, 32);
		*buflen = k;
	}
	return 0;
}

int hl_hsm_sign(const hl_hsm_key_t *key, const unsigned char *data, size_t len,
		unsigned char **sig_out, size_t *siglen_out, hl_err_t *err)
{
	hl_hsm_module_t *m = key->module;
	CK_MECHANISM mech = { key->mech, NULL, 0 };
	unsigned char in[1024], *sig = NULL;
	size_t inlen = 0;
	CK_ULONG slen = 0;
	CK_RV rv;
	int direct = sign_input(key, data, len, in, &inlen);

	if (direct < 0) {
		hl_err_set(err, "HSM", "cannot build the signing input");
		return -1;
	}
	rv = m->fn->C_SignInit(m->session, &mech, key->priv);
	if (rv == CKR_OK)
		rv = m->fn->C_Sign(m->session, direct ? (CK_BYTE_PTR)data : in,
				   (CK_ULONG)(direct ? len : inlen), NULL, &slen);
	if (rv == CKR_OK && (sig = malloc(slen ? slen : 1)) == NULL)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = m->fn->C_Sign(m->session, direct ? (CK_BYTE_PTR)data : in,
				   (CK_ULONG)(direct ? len : inlen), sig, &slen);
	if (rv != CKR_OK) {
		free(sig);
		hl_err_set(err, "HSM", "module %s: signing with %s: %s", m->name,
			   hl_ckm_name(key->mech), hl_ckr_name(rv));
		return -1;
	}
	*sig_out = sig;
	*siglen_out = slen;
	return 0;
}
