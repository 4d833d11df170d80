/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench replay: the cryptographic functions. Their output bytes (signatures, random
 * data) are never compared, only their lengths; an output the trace later fed back in (a
 * signature into C_Verify, a wrapped key into C_UnwrapKey) is remembered so the target's
 * own output goes back in. Keys the trace generated are generated again from the recorded
 * templates and mapped like every handle. */
#include <string.h>

#include "replay_int.h"

typedef hl_replay_ctx_t ctx_t;
typedef hl_replay_shape_t shape_t;
typedef const hl_json_t json_t;

#define F (c->fn)

typedef CK_RV (*init_fn)(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
typedef CK_RV (*io_fn)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);
typedef CK_RV (*in_fn)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG);
typedef CK_RV (*out_fn)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR);

/* The output of a call: its length when the code says it was set, and the bytes kept for
 * a later call that feeds the recorded bytes back in. */
static void output(ctx_t *c, json_t *o, shape_t *s, CK_RV rv, const unsigned char *buf,
		   CK_ULONG len)
{
	hl_replay_shape_rv(s, rv);
	if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL)
		return;
	hl_replay_shape_kv(s, "len", (long long)len);
	if (rv == CKR_OK && buf != NULL)
		hl_replay_value_keep(c, hl_json_str(hl_json_get(o, "data")), buf, len);
}

static int do_init(ctx_t *c, init_fn f, json_t *a, shape_t *s)
{
	hl_replay_shape_rv(
	    s, f(hl_replay_session(c, a), hl_replay_mech(c, a), hl_replay_object(c, a, "key")));
	return 0;
}

static int do_io(ctx_t *c, io_fn f, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG inl, outl;
	unsigned char *in = hl_replay_bytes(c, a, "data", &inl);
	unsigned char *out = hl_replay_outbuf(c, a, &outl);
	CK_RV rv = f(hl_replay_session(c, a), in, inl, out, &outl);

	output(c, o, s, rv, out, outl);
	return 0;
}

static int do_in(ctx_t *c, in_fn f, json_t *a, shape_t *s)
{
	CK_ULONG inl;
	unsigned char *in = hl_replay_bytes(c, a, "data", &inl);

	hl_replay_shape_rv(s, f(hl_replay_session(c, a), in, inl));
	return 0;
}

static int do_out(ctx_t *c, out_fn f, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG outl;
	unsigned char *out = hl_replay_outbuf(c, a, &outl);
	CK_RV rv = f(hl_replay_session(c, a), out, &outl);

	output(c, o, s, rv, out, outl);
	return 0;
}

#define INIT(op)                                                      \
	static int h_##op(ctx_t *c, json_t *a, json_t *o, shape_t *s) \
	{                                                             \
		(void)o;                                              \
		return do_init(c, F->C_##op, a, s);                   \
	}
#define IO(op)                                                        \
	static int h_##op(ctx_t *c, json_t *a, json_t *o, shape_t *s) \
	{                                                             \
		return do_io(c, F->C_##op, a, o, s);                  \
	}
#define IN(op)                                                        \
	static int h_##op(ctx_t *c, json_t *a, json_t *o, shape_t *s) \
	{                                                             \
		(void)o;                                              \
		return do_in(c, F->C_##op, a, s);                     \
	}
#define OUT(op)                                                       \
	static int h_##op(ctx_t *c, json_t *a, json_t *o, shape_t *s) \
	{                                                             \
		return do_out(c, F->C_##op, a, o, s);                 \
	}

INIT(EncryptInit)
INIT(SignInit)
INIT(SignRecoverInit)
INIT(VerifyInit)
INIT(VerifyRecoverInit)
IO(Encrypt)
IO(EncryptUpdate)
IO(DecryptUpdate)
IO(Digest)
IO(Sign)
IO(SignRecover)
IO(VerifyRecover)
IO(DigestEncryptUpdate)
IO(DecryptDigestUpdate)
IO(SignEncryptUpdate)
IO(DecryptVerifyUpdate)
IN(DigestUpdate)
IN(SignUpdate)
IN(VerifyUpdate)
IN(SeedRandom)
OUT(EncryptFinal)
OUT(DecryptFinal)
OUT(DigestFinal)
OUT(SignFinal)

static int h_DecryptInit(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_MECHANISM *m = hl_replay_mech(c, a);
	CK_SESSION_HANDLE h = hl_replay_session(c, a);
	CK_OBJECT_HANDLE key = hl_replay_object(c, a, "key");
	CK_RV rv = F->C_DecryptInit(h, m, key);

	(void)o;
	hl_replay_shape_rv(s, rv);
	memset(&c->dec, 0, sizeof c->dec);
	if (rv != CKR_OK || m == NULL)
		return 0;
	c->dec.active = 1;
	c->dec.session = h;
	c->dec.key = key;
	c->dec.m = *m;
	if (m->pParameter != NULL && m->ulParameterLen == sizeof c->dec.oaep &&
	    m->mechanism == CKM_RSA_PKCS_OAEP) {
		memcpy(&c->dec.oaep, m->pParameter, sizeof c->dec.oaep);
		c->dec.m.pParameter = &c->dec.oaep;
		if (c->dec.oaep.ulSourceDataLen > sizeof c->dec.label)
			c->dec.oaep.ulSourceDataLen = 0; /* not redone: too long to keep */
		if (c->dec.oaep.ulSourceDataLen > 0)
			memcpy(c->dec.label, c->dec.oaep.pSourceData, c->dec.oaep.ulSourceDataLen);
		c->dec.oaep.pSourceData = c->dec.label;
	} else {
		c->dec.m.pParameter = NULL;
		c->dec.m.ulParameterLen = 0;
	}
	c->dec.mech = &c->dec.m;
	return 0;
}

/* A ciphertext the trace did not make itself is made again for this target's key when the
 * recording kept the plaintext (replay_rsa.c). */
static int h_Decrypt(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	const char *in_hex = hl_json_str(hl_json_get(a, "data"));
	const char *plain_hex = hl_json_str(hl_json_get(o, "data"));
	CK_SESSION_HANDLE h = hl_replay_session(c, a);
	CK_ULONG inl, outl, pl;
	unsigned char *in = hl_replay_bytes(c, a, "data", &inl), *plain, *re;
	unsigned char *out = hl_replay_outbuf(c, a, &outl);
	CK_RV rv;

	if (in_hex != NULL && !hl_replay_value_known(c, in_hex) && plain_hex != NULL &&
	    strcmp(plain_hex, "<redacted>") != 0 &&
	    (plain = hl_replay_bytes(c, o, "data", &pl)) != NULL &&
	    hl_replay_rsa_encrypt(c, h, plain, pl, &re, &inl) == 0) {
		in = re;
		hl_replay_note(c, "ciphertext made again under this target's key");
	}
	rv = F->C_Decrypt(h, in, inl, out, &outl);
	if (rv != CKR_OPERATION_ACTIVE && (out != NULL || rv != CKR_OK))
		c->dec.active = rv == CKR_BUFFER_TOO_SMALL;
	output(c, o, s, rv, out, outl);
	return 0;
}

static int h_DigestInit(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	(void)o;
	hl_replay_shape_rv(s, F->C_DigestInit(hl_replay_session(c, a), hl_replay_mech(c, a)));
	return 0;
}

static int h_DigestKey(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	(void)o;
	hl_replay_shape_rv(s,
			   F->C_DigestKey(hl_replay_session(c, a), hl_replay_object(c, a, "key")));
	return 0;
}

static int h_Verify(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG dl, sl;
	unsigned char *d = hl_replay_bytes(c, a, "data", &dl);
	unsigned char *sig = hl_replay_bytes(c, a, "signature", &sl);

	(void)o;
	hl_replay_shape_rv(s, F->C_Verify(hl_replay_session(c, a), d, dl, sig, sl));
	return 0;
}

static int h_VerifyFinal(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG sl;
	unsigned char *sig = hl_replay_bytes(c, a, "signature", &sl);

	(void)o;
	hl_replay_shape_rv(s, F->C_VerifyFinal(hl_replay_session(c, a), sig, sl));
	return 0;
}

static int h_GenerateRandom(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG n = hl_replay_num(a, "len", 0);
	unsigned char *b = hl_replay_alloc(c, n);

	(void)o;
	hl_replay_shape_rv(s, F->C_GenerateRandom(hl_replay_session(c, a), b, n));
	return 0;
}

static void keep_key(ctx_t *c, json_t *o, const char *key, CK_RV rv, CK_OBJECT_HANDLE h)
{
	if (rv == CKR_OK && hl_json_get(o, key) != NULL)
		hl_replay_map_set(&c->objects, hl_replay_num(o, key, 0), h);
}

static int h_GenerateKey(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG n;
	CK_ATTRIBUTE *t = hl_replay_tmpl(c, a, "template", 1, &n);
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv = F->C_GenerateKey(hl_replay_session(c, a), hl_replay_mech(c, a), t, n, &h);

	hl_replay_shape_rv(s, rv);
	keep_key(c, o, "key", rv, h);
	return 0;
}

static int h_GenerateKeyPair(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG npub, npriv;
	CK_ATTRIBUTE *pub = hl_replay_tmpl(c, a, "public_template", 1, &npub);
	CK_ATTRIBUTE *priv = hl_replay_tmpl(c, a, "private_template", 1, &npriv);
	CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
	CK_RV rv = F->C_GenerateKeyPair(hl_replay_session(c, a), hl_replay_mech(c, a), pub, npub,
					priv, npriv, &hpub, &hpriv);

	hl_replay_shape_rv(s, rv);
	keep_key(c, o, "public_key", rv, hpub);
	keep_key(c, o, "private_key", rv, hpriv);
	return 0;
}

static int h_WrapKey(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG outl;
	unsigned char *out = hl_replay_outbuf(c, a, &outl);
	CK_RV rv = F->C_WrapKey(hl_replay_session(c, a), hl_replay_mech(c, a),
				hl_replay_object(c, a, "wrapping_key"),
				hl_replay_object(c, a, "key"), out, &outl);

	output(c, o, s, rv, out, outl);
	return 0;
}

static int h_UnwrapKey(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG inl, n;
	unsigned char *in = hl_replay_bytes(c, a, "wrapped", &inl);
	CK_ATTRIBUTE *t = hl_replay_tmpl(c, a, "template", 1, &n);
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv;

	if (hl_json_str(hl_json_get(a, "wrapped")) != NULL &&
	    strcmp(hl_json_str(hl_json_get(a, "wrapped")), "<redacted>") == 0) {
		hl_replay_note(c, "the wrapped key was redacted in the trace");
		return 1;
	}
	rv = F->C_UnwrapKey(hl_replay_session(c, a), hl_replay_mech(c, a),
			    hl_replay_object(c, a, "unwrapping_key"), in, inl, t, n, &h);
	hl_replay_shape_rv(s, rv);
	keep_key(c, o, "key", rv, h);
	return 0;
}

static int h_DeriveKey(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG n;
	CK_ATTRIBUTE *t = hl_replay_tmpl(c, a, "template", 1, &n);
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv = F->C_DeriveKey(hl_replay_session(c, a), hl_replay_mech(c, a),
				  hl_replay_object(c, a, "base_key"), t, n, &h);

	hl_replay_shape_rv(s, rv);
	keep_key(c, o, "key", rv, h);
	return 0;
}

static const struct {
	const char *fn;
	hl_replay_handler_t h;
} handlers[] = {
	{ "C_EncryptInit", h_EncryptInit },
	{ "C_Encrypt", h_Encrypt },
	{ "C_EncryptUpdate", h_EncryptUpdate },
	{ "C_EncryptFinal", h_EncryptFinal },
	{ "C_DecryptInit", h_DecryptInit },
	{ "C_Decrypt", h_Decrypt },
	{ "C_DecryptUpdate", h_DecryptUpdate },
	{ "C_DecryptFinal", h_DecryptFinal },
	{ "C_DigestInit", h_DigestInit },
	{ "C_Digest", h_Digest },
	{ "C_DigestUpdate", h_DigestUpdate },
	{ "C_DigestKey", h_DigestKey },
	{ "C_DigestFinal", h_DigestFinal },
	{ "C_SignInit", h_SignInit },
	{ "C_Sign", h_Sign },
	{ "C_SignUpdate", h_SignUpdate },
	{ "C_SignFinal", h_SignFinal },
	{ "C_SignRecoverInit", h_SignRecoverInit },
	{ "C_SignRecover", h_SignRecover },
	{ "C_VerifyInit", h_VerifyInit },
	{ "C_Verify", h_Verify },
	{ "C_VerifyUpdate", h_VerifyUpdate },
	{ "C_VerifyFinal", h_VerifyFinal },
	{ "C_VerifyRecoverInit", h_VerifyRecoverInit },
	{ "C_VerifyRecover", h_VerifyRecover },
	{ "C_DigestEncryptUpdate", h_DigestEncryptUpdate },
	{ "C_DecryptDigestUpdate", h_DecryptDigestUpdate },
	{ "C_SignEncryptUpdate", h_SignEncryptUpdate },
	{ "C_DecryptVerifyUpdate", h_DecryptVerifyUpdate },
	{ "C_GenerateKey", h_GenerateKey },
	{ "C_GenerateKeyPair", h_GenerateKeyPair },
	{ "C_WrapKey", h_WrapKey },
	{ "C_UnwrapKey", h_UnwrapKey },
	{ "C_DeriveKey", h_DeriveKey },
	{ "C_SeedRandom", h_SeedRandom },
	{ "C_GenerateRandom", h_GenerateRandom },
};

hl_replay_handler_t hl_replay_crypto_handler(const char *fn)
{
	for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
		if (strcmp(handlers[i].fn, fn) == 0)
			return handlers[i].h;
	return NULL;
}
