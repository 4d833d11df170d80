/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench replay: the child's state for one target (handle and slot maps, outputs fed
 * back in) and the builders that turn a record's arguments into call arguments. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "replay_int.h"

hl_replay_ctx_t *hl_replay_ctx_new(CK_FUNCTION_LIST_PTR fn, hl_bench_target_t *t)
{
	hl_replay_ctx_t *c = calloc(1, sizeof *c);

	if (c != NULL) {
		c->fn = fn;
		c->t = t;
	}
	return c;
}

static void free_call(hl_replay_ctx_t *c)
{
	for (size_t i = 0; i < c->nallocs; i++)
		free(c->allocs[i]);
	free(c->allocs);
	c->allocs = NULL;
	c->nallocs = 0;
}

void hl_replay_ctx_free(hl_replay_ctx_t *c)
{
	if (c == NULL)
		return;
	free_call(c);
	hl_replay_map_clear(&c->slots);
	hl_replay_map_clear(&c->sessions);
	hl_replay_map_clear(&c->objects);
	for (size_t i = 0; i < c->nvalues; i++) {
		free(c->values[i].hex);
		free(c->values[i].bytes);
	}
	free(c->values);
	free(c);
}

void hl_replay_note(hl_replay_ctx_t *c, const char *fmt, ...)
{
	size_t len = strlen(c->note);
	va_list ap;

	if (len + 3 >= c->notelen)
		return;
	if (len > 0) {
		strcpy(c->note + len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(c->note + len, c->notelen - len, fmt, ap);
	va_end(ap);
}

void *hl_replay_alloc(hl_replay_ctx_t *c, size_t n)
{
	void **v = reallocarray(c->allocs, c->nallocs + 1, sizeof *v);
	void *p;

	if (v == NULL)
		return NULL;
	c->allocs = v;
	p = calloc(1, n ? n : 1);
	if (p != NULL)
		c->allocs[c->nallocs++] = p;
	return p;
}

/* -- maps -- */

void hl_replay_map_set(hl_replay_map_t *m, CK_ULONG from, CK_ULONG to)
{
	CK_ULONG *f, *t;

	for (size_t i = 0; i < m->n; i++)
		if (m->from[i] == from) {
			m->to[i] = to;
			return;
		}
	f = reallocarray(m->from, m->n + 1, sizeof *f);
	if (f == NULL)
		return;
	m->from = f;
	t = reallocarray(m->to, m->n + 1, sizeof *t);
	if (t == NULL)
		return;
	m->to = t;
	m->from[m->n] = from;
	m->to[m->n++] = to;
}

CK_ULONG hl_replay_map_get(const hl_replay_map_t *m, CK_ULONG from)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->from[i] == from)
			return m->to[i];
	return from;
}

int hl_replay_map_has_to(const hl_replay_map_t *m, CK_ULONG to)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->to[i] == to)
			return 1;
	return 0;
}

void hl_replay_map_clear(hl_replay_map_t *m)
{
	free(m->from);
	free(m->to);
	memset(m, 0, sizeof *m);
}

CK_SESSION_HANDLE hl_replay_session(hl_replay_ctx_t *c, const hl_json_t *args)
{
	return hl_replay_map_get(&c->sessions, hl_replay_num(args, "session", 0));
}

CK_OBJECT_HANDLE hl_replay_object(hl_replay_ctx_t *c, const hl_json_t *args, const char *key)
{
	return hl_replay_map_get(&c->objects, hl_replay_num(args, key, 0));
}

/* The target's token: the slot whose token label is the target's (found again after every
 * C_Initialize: quirk L5's slot ids are not the same after re-opening). */
static int find_token_slot(hl_replay_ctx_t *c, CK_SLOT_ID *out)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	const char *want = hl_bench_target_token(c->t);

	if (c->fn->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return -1;
	for (CK_ULONG i = 0; i < n && i < 64; i++) {
		CK_TOKEN_INFO ti;
		char label[33];

		if (c->fn->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		hl_p11_unpad(label, ti.label, 32);
		if (want == NULL || strcmp(label, want) == 0) {
			*out = slots[i];
			return 0;
		}
	}
	return -1;
}

CK_SLOT_ID hl_replay_slot(hl_replay_ctx_t *c, CK_ULONG recorded)
{
	CK_SLOT_ID s;

	for (size_t i = 0; i < c->slots.n; i++)
		if (c->slots.from[i] == recorded)
			return c->slots.to[i];
	if (c->has_main && recorded == c->main_slot && find_token_slot(c, &s) == 0) {
		hl_replay_map_set(&c->slots, recorded, s);
		if (s != recorded)
			hl_replay_note(c, "slot %lu is %lu here (the token)", recorded, s);
		return s;
	}
	return recorded;
}

/* -- bytes -- */

static unsigned char *unhex(hl_replay_ctx_t *c, const char *hex, CK_ULONG *len)
{
	size_t n = strlen(hex) / 2;
	unsigned char *b = hl_replay_alloc(c, n);

	for (size_t i = 0; b != NULL && i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			v = 0;
		b[i] = (unsigned char)v;
	}
	*len = (CK_ULONG)n;
	return b;
}

void hl_replay_value_keep(hl_replay_ctx_t *c, const char *hex, const unsigned char *b, CK_ULONG n)
{
	void *v;

	if (hex == NULL || b == NULL || strcmp(hex, "<redacted>") == 0)
		return;
	v = reallocarray(c->values, c->nvalues + 1, sizeof *c->values);
	if (v == NULL)
		return;
	c->values = v;
	c->values[c->nvalues].hex = strdup(hex);
	c->values[c->nvalues].bytes = malloc(n ? n : 1);
	c->values[c->nvalues].len = n;
	if (c->values[c->nvalues].bytes != NULL)
		memcpy(c->values[c->nvalues].bytes, b, n);
	c->nvalues++;
}

int hl_replay_value_known(const hl_replay_ctx_t *c, const char *hex)
{
	for (size_t i = 0; hex != NULL && i < c->nvalues; i++)
		if (c->values[i].hex != NULL && strcmp(c->values[i].hex, hex) == 0)
			return 1;
	return 0;
}

unsigned char *hl_replay_bytes(hl_replay_ctx_t *c, const hl_json_t *args, const char *key,
			       CK_ULONG *len)
{
	const char *hex = hl_json_str(hl_json_get(args, key));

	*len = 0;
	if (hex == NULL)
		return NULL;
	for (size_t i = c->nvalues; i-- > 0;)
		if (c->values[i].hex != NULL && strcmp(c->values[i].hex, hex) == 0) {
			unsigned char *b = hl_replay_alloc(c, c->values[i].len);

			if (b != NULL)
				memcpy(b, c->values[i].bytes, c->values[i].len);
			*len = c->values[i].len;
			hl_replay_note(c, "%s: this target's own output fed back", key);
			return b;
		}
	return unhex(c, hex, len);
}

/* Parameters replay passes as recorded: structures without pointers (or no structure). */
static int flat_param(CK_MECHANISM_TYPE t)
{
	static const CK_MECHANISM_TYPE flat[] = {
		CKM_RSA_PKCS_PSS,
		CKM_SHA1_RSA_PKCS_PSS,
		CKM_SHA224_RSA_PKCS_PSS,
		CKM_SHA256_RSA_PKCS_PSS,
		CKM_SHA384_RSA_PKCS_PSS,
		CKM_SHA512_RSA_PKCS_PSS,
		CKM_AES_CBC,
		CKM_AES_CBC_PAD,
		CKM_AES_CTR,
		CKM_DES3_CBC,
		CKM_DES3_CBC_PAD,
		CKM_DES_CBC,
		CKM_DES_CBC_PAD,
		CKM_AES_OFB,
		CKM_AES_CFB128,
	};

	for (size_t i = 0; i < sizeof flat / sizeof flat[0]; i++)
		if (flat[i] == t)
			return 1;
	return 0;
}

static void *oaep_param(hl_replay_ctx_t *c, const hl_json_t *o, CK_ULONG *len)
{
	CK_RSA_PKCS_OAEP_PARAMS *p = hl_replay_alloc(c, sizeof *p);
	CK_ULONG n = 0;

	if (p == NULL)
		return NULL;
	p->hashAlg = hl_replay_num(o, "hash", 0);
	p->mgf = hl_replay_num(o, "mgf", 0);
	p->source = hl_replay_num(o, "source", 0);
	if (hl_json_str(hl_json_get(o, "source_data")) != NULL)
		p->pSourceData = unhex(c, hl_json_str(hl_json_get(o, "source_data")), &n);
	p->ulSourceDataLen = n;
	*len = sizeof *p;
	return p;
}

CK_MECHANISM *hl_replay_mech(hl_replay_ctx_t *c, const hl_json_t *args)
{
	const hl_json_t *m = hl_json_get(args, "mechanism");
	const char *param;
	CK_MECHANISM *mech;
	CK_ULONG n = 0;

	if (m == NULL || m->kind != HL_JSON_OBJ)
		return NULL;
	mech = hl_replay_alloc(c, sizeof *mech);
	if (mech == NULL)
		return NULL;
	mech->mechanism = hl_replay_num(m, "type", 0);
	param = hl_json_str(hl_json_get(m, "param"));
	if (hl_json_get(m, "oaep") != NULL) {
		mech->pParameter = oaep_param(c, hl_json_get(m, "oaep"), &n);
	} else if (param != NULL && *param != '\0' && !flat_param(mech->mechanism)) {
		/* Unknown layout: its bytes may hold the recording's pointers. */
		hl_replay_note(c, "%s: parameters not replayable, none passed",
			       hl_ckm_name(mech->mechanism));
	} else if (param != NULL) {
		mech->pParameter = unhex(c, param, &n);
	}
	mech->ulParameterLen = n;
	return mech;
}

/* A redacted value becomes fresh random bytes of the recorded length: a secret key made
 * with C_CreateObject is then an equivalent key (same type and size). */
static void fill_value(hl_replay_ctx_t *c, CK_ATTRIBUTE *a, const hl_json_t *item)
{
	const char *v = hl_json_str(hl_json_get(item, "value"));

	a->ulValueLen = hl_replay_num(item, "len", 0);
	if (v == NULL)
		return;
	if (strcmp(v, "<redacted>") == 0) {
		a->pValue = hl_replay_alloc(c, a->ulValueLen);
		if (a->pValue != NULL && a->ulValueLen > 0)
			RAND_bytes(a->pValue, (int)a->ulValueLen);
		hl_replay_note(c, "%s: random bytes for the redacted value", hl_cka_name(a->type));
		return;
	}
	/* A value this target gave in place of a recorded one (a rebuilt key's modulus). */
	for (size_t i = c->nvalues; i-- > 0;)
		if (c->values[i].hex != NULL && strcmp(c->values[i].hex, v) == 0) {
			a->pValue = hl_replay_alloc(c, c->values[i].len);
			a->ulValueLen = c->values[i].len;
			if (a->pValue != NULL)
				memcpy(a->pValue, c->values[i].bytes, c->values[i].len);
			hl_replay_note(c, "%s: this replay's value in place of the recorded one",
				       hl_cka_name(a->type));
			return;
		}
	a->pValue = unhex(c, v, &a->ulValueLen);
}

CK_ATTRIBUTE *hl_replay_tmpl(hl_replay_ctx_t *c, const hl_json_t *args, const char *key,
			     int with_values, CK_ULONG *n)
{
	const hl_json_t *t = hl_json_get(args, key);
	CK_ATTRIBUTE *a;

	*n = 0;
	if (t == NULL || t->kind != HL_JSON_ARR)
		return NULL;
	a = hl_replay_alloc(c, t->n * sizeof *a);
	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		a[i].type = hl_replay_num(t->items[i], "type", 0);
		if (with_values) {
			fill_value(c, &a[i], t->items[i]);
			continue;
		}
		a[i].ulValueLen = hl_replay_num(t->items[i], "len", 0);
		if (hl_replay_num(t->items[i], "buf", 0) &&
		    a[i].ulValueLen != CK_UNAVAILABLE_INFORMATION)
			a[i].pValue = hl_replay_alloc(c, a[i].ulValueLen);
	}
	*n = (CK_ULONG)t->n;
	if (with_values)
		hl_replay_rsa_rebuild(c, a, *n, t);
	return a;
}

unsigned char *hl_replay_outbuf(hl_replay_ctx_t *c, const hl_json_t *args, CK_ULONG *len)
{
	*len = hl_replay_num(args, "buf_len", 0);
	if (!hl_replay_num(args, "buf", 0))
		return NULL;
	return hl_replay_alloc(c, *len);
}

int hl_replay_main_slot(const hl_replay_trace_t *tr, CK_SLOT_ID *slot)
{
	CK_ULONG session = 0;
	int found = 0;

	for (size_t i = 0; i < tr->n && !found; i++) {
		const hl_json_t *r = tr->calls[i];

		if (strcmp(hl_json_str(hl_json_get(r, "fn")), "C_Login") == 0 &&
		    hl_replay_num(r, "rv", 1) == CKR_OK) {
			session = hl_replay_num(hl_json_get(r, "args"), "session", 0);
			found = 1;
		}
	}
	/* The slot of the session that logged in: the last C_OpenSession before it that
	 * returned that handle (or, with no login, the first session's slot). */
	for (size_t i = 0; i < tr->n; i++) {
		const hl_json_t *r = tr->calls[i], *out = hl_json_get(r, "out");

		if (strcmp(hl_json_str(hl_json_get(r, "fn")), "C_OpenSession") != 0 ||
		    hl_replay_num(r, "rv", 1) != CKR_OK)
			continue;
		if (!found || hl_replay_num(out, "session", 0) == session) {
			*slot = hl_replay_num(hl_json_get(r, "args"), "slot", 0);
			return 1;
		}
	}
	return 0;
}

void hl_replay_call(hl_replay_ctx_t *c, const hl_json_t *rec, char *shape, size_t n, char *note,
		    size_t notelen)
{
	const char *fn = hl_json_str(hl_json_get(rec, "fn"));
	hl_replay_handler_t h = hl_replay_handler(fn);
	hl_replay_shape_t s = { shape, n, 0 };

	shape[0] = '\0';
	note[0] = '\0';
	c->note = note;
	c->notelen = notelen;
	if (h == NULL || h(c, hl_json_get(rec, "args"), hl_json_get(rec, "out"), &s) != 0) {
		snprintf(shape, n, "-");
		if (note[0] == '\0')
			snprintf(note, notelen, "%s is not re-issued by replay", fn);
	}
	free_call(c);
}
