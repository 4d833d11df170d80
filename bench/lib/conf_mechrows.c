/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: one conformance row per announced mechanism — its key generation or its
 * operation round trip (sign + verify, encrypt + decrypt, digest) with the shared keys. */
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

enum { K_SIGN = 1, K_CRYPT, K_DIGEST, K_KEYGEN };
enum { BUF = 1024 };
enum { IV_16 = 1, IV_CTR, IV_GCM, MAC_LEN };

typedef struct {
	CK_MECHANISM_TYPE mech;
	int kind;
	hl_conf_key_t priv, pub; /* for K_KEYGEN: the shared key it makes */
	CK_ULONG inlen;          /* 0: the modulus length (raw RSA) */
	CK_MECHANISM_TYPE hash;  /* PSS/OAEP parameter hash, 0 for none */
	CK_ULONG mgf, slen;
	int iv; /* parameter: IV_16 a 16-byte IV, IV_CTR / IV_GCM the mode's parameter struct,
		   MAC_LEN a CK_MAC_GENERAL_PARAMS of 16 */
} mech_case_t;

static const mech_case_t cases[] = {
	{ CKM_RSA_PKCS_KEY_PAIR_GEN, K_KEYGEN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 0, 0, 0, 0, 0 },
	{ CKM_EC_KEY_PAIR_GEN, K_KEYGEN, HL_KEY_EC_PRIV, HL_KEY_EC_PUB, 0, 0, 0, 0, 0 },
	{ CKM_EC_EDWARDS_KEY_PAIR_GEN, K_KEYGEN, HL_KEY_ED_PRIV, HL_KEY_ED_PUB, 0, 0, 0, 0, 0 },
	{ CKM_AES_KEY_GEN, K_KEYGEN, HL_KEY_AES, HL_KEY_AES, 0, 0, 0, 0, 0 },
	{ CKM_GENERIC_SECRET_KEY_GEN, K_KEYGEN, HL_KEY_GENERIC, HL_KEY_GENERIC, 0, 0, 0, 0, 0 },
	{ CKM_RSA_PKCS, K_SIGN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 51, 0, 0, 0, 0 },
	{ CKM_RSA_X_509, K_SIGN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 0, 0, 0, 0, 0 },
	{ CKM_SHA1_RSA_PKCS, K_SIGN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 100, 0, 0, 0, 0 },
	{ CKM_SHA224_RSA_PKCS, K_SIGN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 100, 0, 0, 0, 0 },
	{ CKM_SHA256_RSA_PKCS, K_SIGN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 100, 0, 0, 0, 0 },
	{ CKM_SHA384_RSA_PKCS, K_SIGN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 100, 0, 0, 0, 0 },
	{ CKM_SHA512_RSA_PKCS, K_SIGN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 100, 0, 0, 0, 0 },
	{ CKM_RSA_PKCS_PSS, K_SIGN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 32, CKM_SHA256,
	  CKG_MGF1_SHA256, 32, 0 },
	{ CKM_SHA1_RSA_PKCS_PSS, K_SIGN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 100, CKM_SHA_1,
	  CKG_MGF1_SHA1, 20, 0 },
	{ CKM_SHA224_RSA_PKCS_PSS, K_SIGN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 100, CKM_SHA224,
	  CKG_MGF1_SHA224, 28, 0 },
	{ CKM_SHA256_RSA_PKCS_PSS, K_SIGN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 100, CKM_SHA256,
	  CKG_MGF1_SHA256, 32, 0 },
	{ CKM_SHA384_RSA_PKCS_PSS, K_SIGN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 100, CKM_SHA384,
	  CKG_MGF1_SHA384, 48, 0 },
	{ CKM_SHA512_RSA_PKCS_PSS, K_SIGN, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 100, CKM_SHA512,
	  CKG_MGF1_SHA512, 64, 0 },
	{ CKM_ECDSA, K_SIGN, HL_KEY_EC_PRIV, HL_KEY_EC_PUB, 32, 0, 0, 0, 0 },
	{ CKM_ECDSA_SHA1, K_SIGN, HL_KEY_EC_PRIV, HL_KEY_EC_PUB, 100, 0, 0, 0, 0 },
	{ CKM_ECDSA_SHA224, K_SIGN, HL_KEY_EC_PRIV, HL_KEY_EC_PUB, 100, 0, 0, 0, 0 },
	{ CKM_ECDSA_SHA256, K_SIGN, HL_KEY_EC_PRIV, HL_KEY_EC_PUB, 100, 0, 0, 0, 0 },
	{ CKM_ECDSA_SHA384, K_SIGN, HL_KEY_EC_PRIV, HL_KEY_EC_PUB, 100, 0, 0, 0, 0 },
	{ CKM_ECDSA_SHA512, K_SIGN, HL_KEY_EC_PRIV, HL_KEY_EC_PUB, 100, 0, 0, 0, 0 },
	{ CKM_EDDSA, K_SIGN, HL_KEY_ED_PRIV, HL_KEY_ED_PUB, 100, 0, 0, 0, 0 },
	{ CKM_MD5_HMAC, K_SIGN, HL_KEY_GENERIC, HL_KEY_GENERIC, 100, 0, 0, 0, 0 },
	{ CKM_SHA_1_HMAC, K_SIGN, HL_KEY_GENERIC, HL_KEY_GENERIC, 100, 0, 0, 0, 0 },
	{ CKM_SHA224_HMAC, K_SIGN, HL_KEY_GENERIC, HL_KEY_GENERIC, 100, 0, 0, 0, 0 },
	{ CKM_SHA256_HMAC, K_SIGN, HL_KEY_GENERIC, HL_KEY_GENERIC, 100, 0, 0, 0, 0 },
	{ CKM_SHA384_HMAC, K_SIGN, HL_KEY_GENERIC, HL_KEY_GENERIC, 100, 0, 0, 0, 0 },
	{ CKM_SHA512_HMAC, K_SIGN, HL_KEY_GENERIC, HL_KEY_GENERIC, 100, 0, 0, 0, 0 },
	{ CKM_SHA_1_HMAC_GENERAL, K_SIGN, HL_KEY_GENERIC, HL_KEY_GENERIC, 100, 0, 0, 0, MAC_LEN },
	{ CKM_SHA224_HMAC_GENERAL, K_SIGN, HL_KEY_GENERIC, HL_KEY_GENERIC, 100, 0, 0, 0, MAC_LEN },
	{ CKM_SHA256_HMAC_GENERAL, K_SIGN, HL_KEY_GENERIC, HL_KEY_GENERIC, 100, 0, 0, 0, MAC_LEN },
	{ CKM_SHA384_HMAC_GENERAL, K_SIGN, HL_KEY_GENERIC, HL_KEY_GENERIC, 100, 0, 0, 0, MAC_LEN },
	{ CKM_SHA512_HMAC_GENERAL, K_SIGN, HL_KEY_GENERIC, HL_KEY_GENERIC, 100, 0, 0, 0, MAC_LEN },
	{ CKM_RSA_PKCS_OAEP, K_CRYPT, HL_KEY_RSA_PRIV, HL_KEY_RSA_PUB, 32, CKM_SHA_1, CKG_MGF1_SHA1,
	  0, 0 },
	{ CKM_AES_ECB, K_CRYPT, HL_KEY_AES, HL_KEY_AES, 32, 0, 0, 0, 0 },
	{ CKM_AES_CBC, K_CRYPT, HL_KEY_AES, HL_KEY_AES, 32, 0, 0, 0, IV_16 },
	{ CKM_AES_CBC_PAD, K_CRYPT, HL_KEY_AES, HL_KEY_AES, 20, 0, 0, 0, IV_16 },
	{ CKM_AES_CTR, K_CRYPT, HL_KEY_AES, HL_KEY_AES, 37, 0, 0, 0, IV_CTR },
	{ CKM_AES_CMAC, K_SIGN, HL_KEY_AES, HL_KEY_AES, 100, 0, 0, 0, 0 },
	{ CKM_AES_CMAC_GENERAL, K_SIGN, HL_KEY_AES, HL_KEY_AES, 100, 0, 0, 0, MAC_LEN },
	{ CKM_AES_GCM, K_CRYPT, HL_KEY_AES, HL_KEY_AES, 37, 0, 0, 0, IV_GCM },
	{ CKM_MD5, K_DIGEST, 0, 0, 3, 0, 0, 0, 0 },
	{ CKM_SHA_1, K_DIGEST, 0, 0, 3, 0, 0, 0, 0 },
	{ CKM_SHA224, K_DIGEST, 0, 0, 3, 0, 0, 0, 0 },
	{ CKM_SHA256, K_DIGEST, 0, 0, 3, 0, 0, 0, 0 },
	{ CKM_SHA384, K_DIGEST, 0, 0, 3, 0, 0, 0, 0 },
	{ CKM_SHA512, K_DIGEST, 0, 0, 3, 0, 0, 0, 0 },
};

static const mech_case_t *find_case(CK_MECHANISM_TYPE m)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (cases[i].mech == m)
			return &cases[i];
	return NULL;
}

typedef struct {
	CK_MECHANISM m;
	CK_RSA_PKCS_PSS_PARAMS pss;
	CK_RSA_PKCS_OAEP_PARAMS oaep;
	CK_BYTE iv[16];
	CK_AES_CTR_PARAMS ctr;
	CK_GCM_PARAMS gcm;
	CK_ULONG mac_len;
} mech_param_t;

static void set_params(const mech_case_t *mc, mech_param_t *p)
{
	memset(p, 0, sizeof *p);
	p->m.mechanism = mc->mech;
	if (mc->hash != 0 && mc->kind == K_SIGN) {
		CK_RSA_PKCS_PSS_PARAMS pss = { mc->hash, mc->mgf, mc->slen };

		p->pss = pss;
		p->m.pParameter = &p->pss;
		p->m.ulParameterLen = sizeof p->pss;
	} else if (mc->hash != 0) {
		CK_RSA_PKCS_OAEP_PARAMS oaep = { mc->hash, mc->mgf, CKZ_DATA_SPECIFIED, NULL, 0 };

		p->oaep = oaep;
		p->m.pParameter = &p->oaep;
		p->m.ulParameterLen = sizeof p->oaep;
	} else if (mc->iv == MAC_LEN) {
		p->mac_len = 16;
		p->m.pParameter = &p->mac_len;
		p->m.ulParameterLen = sizeof p->mac_len;
	} else if (mc->iv == IV_CTR) {
		p->ctr.ulCounterBits = 32;
		p->m.pParameter = &p->ctr;
		p->m.ulParameterLen = sizeof p->ctr;
	} else if (mc->iv == IV_GCM) {
		/* 96-bit IV, 128-bit tag, some additional data: what TLS and most clients use */
		CK_GCM_PARAMS g = { p->iv, 12, 96, p->iv + 12, 4, 128 };

		p->gcm = g;
		p->m.pParameter = &p->gcm;
		p->m.ulParameterLen = sizeof p->gcm;
	} else if (mc->iv) {
		p->m.pParameter = p->iv;
		p->m.ulParameterLen = sizeof p->iv;
	}
}

static const char *round_trip(hl_conf_ctx_t *c, CK_SESSION_HANDLE s, const mech_case_t *mc,
			      CK_OBJECT_HANDLE a, CK_OBJECT_HANDLE b, CK_RV *rv)
{
	CK_BYTE in[BUF], out[BUF], back[BUF];
	CK_ULONG inlen = mc->inlen, outlen = sizeof out, backlen = sizeof back;
	mech_param_t p;

	set_params(mc, &p);
	memset(in, 0x5a, sizeof in);
	if (inlen == 0) { /* raw RSA: as long as the modulus, below it */
		unsigned char *mod = NULL;

		if (hl_p11_get_attr(c->fn, s, b, CKA_MODULUS, &mod, &inlen) != CKR_OK ||
		    inlen > sizeof in)
			inlen = 256;
		free(mod);
		in[0] = 0;
	}
	if (mc->kind == K_SIGN) {
		if ((*rv = c->fn->C_SignInit(s, &p.m, a)) != CKR_OK)
			return "sign-init";
		if ((*rv = c->fn->C_Sign(s, in, inlen, out, &outlen)) != CKR_OK)
			return "sign";
		if ((*rv = c->fn->C_VerifyInit(s, &p.m, b)) != CKR_OK)
			return "verify-init";
		if ((*rv = c->fn->C_Verify(s, in, inlen, out, outlen)) != CKR_OK)
			return "verify";
		return NULL;
	}
	if ((*rv = c->fn->C_EncryptInit(s, &p.m, b)) != CKR_OK)
		return "encrypt-init";
	if ((*rv = c->fn->C_Encrypt(s, in, inlen, out, &outlen)) != CKR_OK)
		return "encrypt";
	if ((*rv = c->fn->C_DecryptInit(s, &p.m, a)) != CKR_OK)
		return "decrypt-init";
	if ((*rv = c->fn->C_Decrypt(s, out, outlen, back, &backlen)) != CKR_OK)
		return "decrypt";
	*rv = CKR_OK;
	return backlen == inlen && !memcmp(in, back, inlen) ? NULL : "decrypt-mismatch";
}

static void exercise(hl_conf_ctx_t *c, CK_SESSION_HANDLE s, const mech_case_t *mc, hl_conf_out_t *o)
{
	const char *step = NULL;
	CK_RV rv = CKR_OK;

	if (mc->kind == K_DIGEST) {
		CK_MECHANISM m = { mc->mech, NULL, 0 };
		CK_BYTE out[128];
		CK_ULONG len = sizeof out;

		if ((rv = c->fn->C_DigestInit(s, &m)) != CKR_OK)
			step = "digest-init";
		else if ((rv = c->fn->C_Digest(s, (CK_BYTE_PTR) "abc", 3, out, &len)) != CKR_OK)
			step = "digest";
	} else if (mc->kind == K_KEYGEN) {
		if (hl_conf_key(c, s, mc->priv) == 0 || hl_conf_key(c, s, mc->pub) == 0)
			step = "keygen";
	} else {
		CK_OBJECT_HANDLE a = hl_conf_key(c, s, mc->priv), b = hl_conf_key(c, s, mc->pub);

		if (a == 0 || b == 0)
			hl_conf_val(o, "no-key");
		else
			step = round_trip(c, s, mc, a, b, &rv);
		if (a == 0 || b == 0)
			return;
	}
	if (step == NULL)
		hl_conf_val(o, "ok");
	else if (rv != CKR_OK)
		hl_conf_val(o, "%s:%s", step, hl_ckr_name(rv));
	else
		hl_conf_val(o, "%s", step);
}

void hl_conf_mech_rows(hl_conf_ctx_t *c)
{
	CK_SESSION_HANDLE s;
	CK_RV rv = hl_conf_session(c, 1, 1, &s);

	for (CK_ULONG i = 0; i < c->nmechs; i++) {
		const mech_case_t *mc = find_case(c->mechs[i]);
		CK_MECHANISM_INFO mi;
		hl_conf_out_t o;
		char id[96];

		memset(&o, 0, sizeof o);
		snprintf(id, sizeof id, "mech.%s", hl_ckm_name(c->mechs[i]));
		if (hl_conf_skipped(id))
			continue;
		if (c->fn->C_GetMechanismInfo(c->slot, c->mechs[i], &mi) == CKR_OK)
			hl_conf_detail(&o, "key size %lu-%lu, flags 0x%lx", mi.ulMinKeySize,
				       mi.ulMaxKeySize, mi.flags);
		if (rv != CKR_OK)
			hl_conf_val(&o, "login:%s", hl_ckr_name(rv));
		else if (mc == NULL)
			hl_conf_val(&o, "announced-not-exercised");
		else
			exercise(c, s, mc, &o);
		hl_conf_emit(c, id, &o);
	}
	if (rv == CKR_OK)
		c->fn->C_CloseSession(s);
}
