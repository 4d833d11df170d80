/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench replay: one handler per PKCS#11 function. Each re-issues the recorded call
 * with mapped handles and writes the result's shape exactly as
 * hl_replay_recorded_shape reads it from the trace (replay_trace.c): the return code, then
 * "count=" (slot lists), "objects=" (C_FindObjects), "len=" (output buffers), "state="
 * (C_GetSessionInfo) and "attrs=" (C_GetAttributeValue). */
#include <string.h>

#include "replay_int.h"

typedef hl_replay_ctx_t ctx_t;
typedef hl_replay_shape_t shape_t;
typedef const hl_json_t json_t;

#define F (c->fn)

static int h_Initialize(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_C_INITIALIZE_ARGS args = { .flags = hl_replay_num(a, "flags", 0) };
	CK_RV rv;

	(void)o;
	/* Mutex callbacks cannot be replayed: the module's own locking stands in for them. */
	if (hl_replay_num(a, "mutex_callbacks", 0))
		args.flags |= CKF_OS_LOCKING_OK;
	rv = F->C_Initialize(hl_replay_num(a, "args", 0) ? &args : NULL);
	/* A new C_Initialize starts new handle spaces (and, quirk L5, new slot ids). */
	hl_replay_map_clear(&c->sessions);
	hl_replay_map_clear(&c->objects);
	hl_replay_map_clear(&c->slots);
	hl_replay_shape_rv(s, rv);
	return 0;
}

static int h_Finalize(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	(void)a, (void)o;
	hl_replay_shape_rv(s, F->C_Finalize(NULL));
	return 0;
}

static int h_GetInfo(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_INFO info;

	(void)a, (void)o;
	hl_replay_shape_rv(s, F->C_GetInfo(&info));
	return 0;
}

/* The loader's calls: made when replay loaded the module. */
static int h_loaded(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	(void)c, (void)a, (void)o;
	hl_replay_shape_rv(s, CKR_OK);
	return 0;
}

/* Slots the trace named beside the token map in list order onto the target's slots that
 * are not mapped yet: a target with fewer slots (quirk K5) leaves some unmapped. */
static void map_slot_list(ctx_t *c, json_t *o, const CK_SLOT_ID *got, CK_ULONG n)
{
	const hl_json_t *rec = hl_json_get(o, "slots");
	size_t next = 0;

	if (rec == NULL || rec->kind != HL_JSON_ARR)
		return;
	for (size_t i = 0; i < rec->n; i++) /* the token first, so its slot is taken */
		(void)hl_replay_slot(c, (CK_ULONG)rec->items[i]->num);
	for (size_t i = 0; i < rec->n; i++) {
		CK_ULONG from = (CK_ULONG)rec->items[i]->num;
		int mapped = 0;

		for (size_t k = 0; k < c->slots.n; k++)
			mapped |= c->slots.from[k] == from;
		while (!mapped && next < n && hl_replay_map_has_to(&c->slots, got[next]))
			next++;
		if (!mapped && next < n) {
			hl_replay_map_set(&c->slots, from, got[next]);
			if (from != got[next])
				hl_replay_note(c, "slot %lu is %lu here", from, got[next]);
			next++;
		}
	}
}

static int h_GetSlotList(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG n;
	CK_SLOT_ID *list = (CK_SLOT_ID *)hl_replay_outbuf(c, a, &n);
	CK_RV rv;

	if (list != NULL) /* buf_len counts slots, not bytes */
		list = hl_replay_alloc(c, (n ? n : 1) * sizeof *list);
	rv = F->C_GetSlotList((CK_BBOOL)hl_replay_num(a, "token_present", 0), list, &n);
	hl_replay_shape_rv(s, rv);
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		hl_replay_shape_kv(s, "count", (long long)n);
	if (rv == CKR_OK && list != NULL)
		map_slot_list(c, o, list, n);
	return 0;
}

static int h_GetSlotInfo(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_SLOT_INFO info;

	(void)o;
	hl_replay_shape_rv(s,
			   F->C_GetSlotInfo(hl_replay_slot(c, hl_replay_num(a, "slot", 0)), &info));
	return 0;
}

static int h_GetTokenInfo(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_TOKEN_INFO info;

	(void)o;
	hl_replay_shape_rv(
	    s, F->C_GetTokenInfo(hl_replay_slot(c, hl_replay_num(a, "slot", 0)), &info));
	return 0;
}

static int h_GetMechanismList(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG n;
	CK_MECHANISM_TYPE *list = (CK_MECHANISM_TYPE *)hl_replay_outbuf(c, a, &n);
	CK_RV rv;

	CK_SLOT_ID slot = hl_replay_slot(c, hl_replay_num(a, "slot", 0));
	CK_ULONG own = 0;

	/* A buffer that held the recorded module's whole list was sized by the client from its
	 * length query: the target's list (not compared) gets a buffer of its own length too,
	 * so only a client that passed too small a buffer on purpose sees CKR_BUFFER_TOO_SMALL. */
	if (list != NULL && hl_replay_num(o, "count", n + 1) <= n &&
	    F->C_GetMechanismList(slot, NULL, &own) == CKR_OK && own > n)
		n = own;
	if (list != NULL)
		list = hl_replay_alloc(c, (n ? n : 1) * sizeof *list);
	rv = F->C_GetMechanismList(slot, list, &n);
	hl_replay_shape_rv(s, rv);
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		hl_replay_note(c, "%lu mechanisms (not compared: the profile's own list)", n);
	return 0;
}

static int listed(ctx_t *c, CK_SLOT_ID slot, CK_MECHANISM_TYPE type)
{
	CK_MECHANISM_TYPE list[512];
	CK_ULONG n = 512;

	if (F->C_GetMechanismList(slot, list, &n) != CKR_OK)
		return 1;
	for (CK_ULONG i = 0; i < n; i++)
		if (list[i] == type)
			return 1;
	return 0;
}

/* A client asks about the mechanisms its list named: one this target does not list is the
 * list's difference (not compared, see h_GetMechanismList), shown but not a divergence. */
static int h_GetMechanismInfo(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_MECHANISM_INFO info;
	CK_SLOT_ID slot = hl_replay_slot(c, hl_replay_num(a, "slot", 0));
	CK_MECHANISM_TYPE type = hl_replay_num(a, "mechanism", 0);
	CK_RV rv = F->C_GetMechanismInfo(slot, type, &info);

	(void)o;
	if (rv == CKR_MECHANISM_INVALID && !listed(c, slot, type)) {
		/* "~": the marker replay_run.c reads as "shown, not compared" */
		snprintf(s->buf, s->n, "~%s", hl_ckr_name(rv));
		hl_replay_note(c, "%s is not in this target's list (lists are not compared)",
			       hl_ckm_name(type));
		return 0;
	}
	hl_replay_shape_rv(s, rv);
	return 0;
}

/* PINs: the trace has them redacted; the target's setup has its own. */
static CK_UTF8CHAR *pin_for(ctx_t *c, CK_USER_TYPE user, CK_ULONG *len)
{
	const char *pin =
	    user == CKU_SO ? hl_bench_target_so_pin(c->t) : hl_bench_target_user_pin(c->t);

	pin = pin ? pin : "";
	*len = (CK_ULONG)strlen(pin);
	return (CK_UTF8CHAR *)pin;
}

static int h_InitToken(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_UTF8CHAR label[32];
	const char *l = hl_json_str(hl_json_get(a, "label"));
	CK_ULONG len;
	CK_UTF8CHAR *pin = pin_for(c, CKU_SO, &len);

	(void)o;
	memset(label, ' ', sizeof label);
	if (l != NULL)
		memcpy(label, l, strlen(l) < 32 ? strlen(l) : 32);
	hl_replay_shape_rv(
	    s, F->C_InitToken(hl_replay_slot(c, hl_replay_num(a, "slot", 0)), pin, len, label));
	return 0;
}

static int h_InitPIN(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG len;
	CK_UTF8CHAR *pin = pin_for(c, CKU_USER, &len);

	(void)o;
	hl_replay_shape_rv(s, F->C_InitPIN(hl_replay_session(c, a), pin, len));
	return 0;
}

/* The PIN is set to the one it has: the target keeps working for the rest of the trace. */
static int h_SetPIN(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG len;
	CK_UTF8CHAR *pin = pin_for(c, CKU_USER, &len);

	(void)o;
	hl_replay_shape_rv(s, F->C_SetPIN(hl_replay_session(c, a), pin, len, pin, len));
	return 0;
}

static int h_OpenSession(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv = F->C_OpenSession(hl_replay_slot(c, hl_replay_num(a, "slot", 0)),
				    hl_replay_num(a, "flags", 0), NULL, NULL, &h);

	hl_replay_shape_rv(s, rv);
	if (rv == CKR_OK && hl_json_get(o, "session") != NULL)
		hl_replay_map_set(&c->sessions, hl_replay_num(o, "session", 0), h);
	return 0;
}

static int h_CloseSession(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	(void)o;
	hl_replay_shape_rv(s, F->C_CloseSession(hl_replay_session(c, a)));
	return 0;
}

static int h_CloseAllSessions(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	(void)o;
	hl_replay_shape_rv(s,
			   F->C_CloseAllSessions(hl_replay_slot(c, hl_replay_num(a, "slot", 0))));
	return 0;
}

static int h_GetSessionInfo(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_SESSION_INFO info;
	CK_RV rv = F->C_GetSessionInfo(hl_replay_session(c, a), &info);

	(void)o;
	hl_replay_shape_rv(s, rv);
	if (rv == CKR_OK)
		hl_replay_shape_kv(s, "state", (long long)info.state);
	return 0;
}

static int h_Login(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_USER_TYPE user = hl_replay_num(a, "user_type", CKU_USER);
	CK_ULONG len = 0;
	CK_UTF8CHAR *pin = NULL;

	(void)o;
	if (hl_json_str(hl_json_get(a, "pin")) != NULL)
		pin = pin_for(c, user, &len);
	hl_replay_shape_rv(s, F->C_Login(hl_replay_session(c, a), user, pin, len));
	return 0;
}

static int h_Logout(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	(void)o;
	hl_replay_shape_rv(s, F->C_Logout(hl_replay_session(c, a)));
	return 0;
}

static void keep_handle(ctx_t *c, json_t *o, const char *key, CK_RV rv, CK_OBJECT_HANDLE h)
{
	if (rv == CKR_OK && hl_json_get(o, key) != NULL)
		hl_replay_map_set(&c->objects, hl_replay_num(o, key, 0), h);
}

static int h_CreateObject(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG n;
	CK_ATTRIBUTE *t = hl_replay_tmpl(c, a, "template", 1, &n);
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv = F->C_CreateObject(hl_replay_session(c, a), t, n, &h);

	hl_replay_shape_rv(s, rv);
	keep_handle(c, o, "object", rv, h);
	return 0;
}

static int h_CopyObject(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG n;
	CK_ATTRIBUTE *t = hl_replay_tmpl(c, a, "template", 1, &n);
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv =
	    F->C_CopyObject(hl_replay_session(c, a), hl_replay_object(c, a, "object"), t, n, &h);

	hl_replay_shape_rv(s, rv);
	keep_handle(c, o, "object", rv, h);
	return 0;
}

static int h_DestroyObject(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	(void)o;
	hl_replay_shape_rv(
	    s, F->C_DestroyObject(hl_replay_session(c, a), hl_replay_object(c, a, "object")));
	return 0;
}

static int h_GetObjectSize(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG size;

	(void)o;
	hl_replay_shape_rv(s, F->C_GetObjectSize(hl_replay_session(c, a),
						 hl_replay_object(c, a, "object"), &size));
	return 0;
}

static int h_GetAttributeValue(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG n;
	CK_ATTRIBUTE *t = hl_replay_tmpl(c, a, "template", 0, &n);
	CK_RV rv =
	    F->C_GetAttributeValue(hl_replay_session(c, a), hl_replay_object(c, a, "object"), t, n);

	(void)o;
	hl_replay_shape_rv(s, rv);
	if (rv == CKR_OK || rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
	    rv == CKR_BUFFER_TOO_SMALL)
		for (CK_ULONG i = 0; i < n; i++)
			hl_replay_shape_attr(s, i == 0, t[i].type,
					     t[i].ulValueLen == CK_UNAVAILABLE_INFORMATION
						 ? -1
						 : (long long)t[i].ulValueLen);
	return 0;
}

static int h_SetAttributeValue(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG n;
	CK_ATTRIBUTE *t = hl_replay_tmpl(c, a, "template", 1, &n);

	(void)o;
	hl_replay_shape_rv(s, F->C_SetAttributeValue(hl_replay_session(c, a),
						     hl_replay_object(c, a, "object"), t, n));
	return 0;
}

static int h_FindObjectsInit(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG n;
	CK_ATTRIBUTE *t = hl_replay_tmpl(c, a, "template", 1, &n);

	(void)o;
	hl_replay_shape_rv(s, F->C_FindObjectsInit(hl_replay_session(c, a), t, n));
	return 0;
}

/* Found objects map by position: the n-th handle the recording got is the n-th here. */
static int h_FindObjects(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	CK_ULONG max = hl_replay_num(a, "max", 0), n = 0;
	CK_OBJECT_HANDLE *h = hl_replay_alloc(c, (max ? max : 1) * sizeof *h);
	const hl_json_t *rec = hl_json_get(o, "objects");
	CK_RV rv = F->C_FindObjects(hl_replay_session(c, a), h, max, &n);

	hl_replay_shape_rv(s, rv);
	if (rv != CKR_OK)
		return 0;
	hl_replay_shape_kv(s, "objects", (long long)n);
	for (size_t i = 0; rec != NULL && rec->kind == HL_JSON_ARR && i < rec->n && i < n; i++)
		hl_replay_map_set(&c->objects, (CK_ULONG)rec->items[i]->num, h[i]);
	return 0;
}

static int h_FindObjectsFinal(ctx_t *c, json_t *a, json_t *o, shape_t *s)
{
	(void)o;
	hl_replay_shape_rv(s, F->C_FindObjectsFinal(hl_replay_session(c, a)));
	return 0;
}

static const struct {
	const char *fn;
	hl_replay_handler_t h;
} handlers[] = {
	{ "C_Initialize", h_Initialize },
	{ "C_Finalize", h_Finalize },
	{ "C_GetInfo", h_GetInfo },
	{ "C_GetFunctionList", h_loaded },
	{ "C_GetInterface", h_loaded },
	{ "C_GetInterfaceList", h_loaded },
	{ "C_GetSlotList", h_GetSlotList },
	{ "C_GetSlotInfo", h_GetSlotInfo },
	{ "C_GetTokenInfo", h_GetTokenInfo },
	{ "C_GetMechanismList", h_GetMechanismList },
	{ "C_GetMechanismInfo", h_GetMechanismInfo },
	{ "C_InitToken", h_InitToken },
	{ "C_InitPIN", h_InitPIN },
	{ "C_SetPIN", h_SetPIN },
	{ "C_OpenSession", h_OpenSession },
	{ "C_CloseSession", h_CloseSession },
	{ "C_CloseAllSessions", h_CloseAllSessions },
	{ "C_GetSessionInfo", h_GetSessionInfo },
	{ "C_Login", h_Login },
	{ "C_Logout", h_Logout },
	{ "C_CreateObject", h_CreateObject },
	{ "C_CopyObject", h_CopyObject },
	{ "C_DestroyObject", h_DestroyObject },
	{ "C_GetObjectSize", h_GetObjectSize },
	{ "C_GetAttributeValue", h_GetAttributeValue },
	{ "C_SetAttributeValue", h_SetAttributeValue },
	{ "C_FindObjectsInit", h_FindObjectsInit },
	{ "C_FindObjects", h_FindObjects },
	{ "C_FindObjectsFinal", h_FindObjectsFinal },
};

hl_replay_handler_t hl_replay_handler(const char *fn)
{
	for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
		if (strcmp(handlers[i].fn, fn) == 0)
			return handlers[i].h;
	return hl_replay_crypto_handler(fn);
}
