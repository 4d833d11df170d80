/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-admin: the Luna vendor's own console commands (quirks.md L2, L3, L12), driving the
 * device through the module's "hsmlab luna" table (hsmlab/hsmlab-luna.h) as Thales' lunacm
 * and lunash drive theirs: Secure Transport Mode, hard init, the partition and its roles,
 * iKeys, activation, power, tamper, zeroization; and the generic `token init` on a Luna, run
 * as the vendor's sequence (password authentication). See emulator/doc/luna.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "hsmlab/hsmlab-luna.h"

const char hl_admin_luna_usage[] =
    "Luna module (--family luna) also offers (see emulator/doc/luna.md):\n"
    "  luna status DEVICE          lifecycle state, roles, activation, failed logins\n"
    "  luna stm show DEVICE        the random user string and state fingerprint (STM)\n"
    "  luna stm recover DEVICE STRING FINGERPRINT [IKEY...]\n"
    "                              leave Secure Transport Mode (--so-pin: the factory\n"
    "                              HSM SO password, PASSWORD; after stm transport the\n"
    "                              HSM SO's own, --so-pin or IKEYs)\n"
    "  luna stm transport DEVICE [IKEY...]\n"
    "                              back into Secure Transport Mode for shipping or\n"
    "                              storage, by the HSM SO (--so-pin or IKEYs; none when\n"
    "                              zeroized): prints the strings to record\n"
    "  luna hsm init DEVICE LABEL DOMAIN [M N [IKEY...]]\n"
    "                              hard init: password (--so-pin: HSM SO), or with M N\n"
    "                              multifactor (HSM SO and domain iKeys to --cards DIR);\n"
    "                              a re-init needs the current HSM SO (--so-pin or IKEY...)\n"
    "  luna hsm login DEVICE [IKEY...]  check the HSM SO (3 wrong passwords zeroize)\n"
    "  luna partition create DEVICE LABEL DOMAIN [M N IKEY...]\n"
    "                              by the HSM SO (--so-pin or its IKEYs); Partition SO:\n"
    "                              --pin, or M of N iKeys to --cards DIR\n"
    "  luna role init co|cu|lco|au DEVICE [M N IKEY...]\n"
    "                              the Crypto Officer (by the Partition SO), Crypto User\n"
    "                              or Limited Crypto Officer (by the CO), Audit role (by\n"
    "                              the HSM SO): who acts in --so-pin or IKEY...; the new\n"
    "                              password in --pin, or M of N iKeys to --cards DIR and\n"
    "                              the challenge secret in --pin\n"
    "  luna hsm policy set DEVICE N VALUE [IKEY...]\n"
    "                              HSM policy 12 (non-FIPS algorithms) or 15 (SO reset\n"
    "                              of the CO), by the HSM SO (--so-pin or IKEYs); a\n"
    "                              destructive change zeroizes the partition\n"
    "  luna partition policy set DEVICE N VALUE [IKEY...]\n"
    "                              partition policy 20 (failed CO/CU logins), 22\n"
    "                              (activation), 23 (auto-activation) or 43 (non-FIPS),\n"
    "                              by the Partition SO (--so-pin or IKEYs)\n"
    "  luna policy show DEVICE     the HSM and partition policies hsmlab enforces\n"
    "  luna activate DEVICE [IKEY...]  the CO's iKeys activate a multifactor partition\n"
    "                              (--pin: a new challenge secret); a password one\n"
    "                              activates with the CO's password in --so-pin\n"
    "  luna deactivate DEVICE      end the activation\n"
    "  luna power off|on DEVICE    power cycle (activation kept through <= 2 h off)\n"
    "  luna tamper DEVICE          a tamper event: halts the HSM until power off/on\n"
    "                              (CKR_LUNA_HSM_TAMPERED meanwhile), clears activation\n"
    "  luna zeroize DEVICE         erase everything but the audit log\n"
    "  luna ikey duplicate SRC DST the PED's duplicate: the iKey SRC (any kind, an M of N\n"
    "                              split too) onto a new iKey file DST, the same split\n"
    "                              with the same PIN (--card-pin, asked at a terminal)\n"
    "  (at a terminal the console is the PED: it asks for each IKEY in turn, Enter once\n"
    "   inserted; an answer later than the PED timeout fails the step, CKR_TIMEOUT:\n"
    "   Chrystoki.conf's Luna PEDTimeout2, else the profile's 200 s)\n"
    "  token init DEVICE LABEL     on a Luna: STM recover, hard init, partition (HSM SO and\n"
    "                              Partition SO: --so-pin), Crypto Officer (--pin), all\n"
    "                              or nothing (one transaction)\n";

static const HSMLAB_LUNA_FUNCTION_LIST *luna_table(console_t *c)
{
	CK_INTERFACE_PTR itf = NULL;
	CK_VERSION v = { HSMLAB_LUNA_VERSION_MAJOR, HSMLAB_LUNA_VERSION_MINOR };
	if (!c->fn3 || c->fn3->C_GetInterface((CK_UTF8CHAR_PTR)HSMLAB_LUNA_INTERFACE_NAME, &v, &itf,
					      0) != CKR_OK)
		return NULL;
	return itf->pFunctionList;
}

static hsmlab_luna_auth_t password(const char *pw)
{
	return (hsmlab_luna_auth_t){ .method = HSMLAB_LUNA_AUTH_PASSWORD, .password = pw };
}

static hsmlab_luna_auth_t ikeys(char **argv, int n, hl_admin_opts_t *o)
{
	return (hsmlab_luna_auth_t){ .method = HSMLAB_LUNA_AUTH_MULTIFACTOR,
				     .ikeys = (const char *const *)argv,
				     .n_ikeys = (CK_ULONG)n,
				     .ikey_pin = o->card_pin };
}

/* A new credential: a password, or (m > 0) M of N iKeys written to --cards. */
static hsmlab_luna_cred_t new_cred(const char *pw, unsigned long m, unsigned long n,
				   hl_admin_opts_t *o)
{
	if (!m)
		return (hsmlab_luna_cred_t){ .method = HSMLAB_LUNA_AUTH_PASSWORD, .password = pw };
	return (hsmlab_luna_cred_t){ .method = HSMLAB_LUNA_AUTH_MULTIFACTOR,
				     .password = pw,
				     .dir = o->cards,
				     .m = m,
				     .n = n,
				     .ikey_pin = o->card_pin,
				     .challenge = o->pin };
}

static int usage_error(const char *what)
{
	fprintf(stderr, "hsmlab-admin: %s (see --help)\n", what);
	return EX_USAGE;
}

/* "M" "N" as 1 <= M <= N <= 255, and --cards given. */
static int parse_mn(const char *a, const char *b, hl_admin_opts_t *o, unsigned long *m,
		    unsigned long *n)
{
	char *e1 = NULL, *e2 = NULL;
	*m = strtoul(a, &e1, 10);
	*n = strtoul(b, &e2, 10);
	if (*e1 || *e2 || !*m || *m > *n || *n > 255)
		return usage_error("iKeys: want 1 <= M <= N <= 255");
	if (!o->cards)
		return usage_error("iKeys: --cards DIR says where to write them");
	return hl_admin_mkdirs(o->cards);
}

static const char *method_name(CK_ULONG m)
{
	return m == HSMLAB_LUNA_AUTH_PASSWORD      ? "password"
	       : m == HSMLAB_LUNA_AUTH_MULTIFACTOR ? "multifactor (iKeys)"
						   : "none yet";
}

static int cmd_status(console_t *c, const HSMLAB_LUNA_FUNCTION_LIST *l,
		      const hsmlab_device_info_t *d, bool stm)
{
	hsmlab_luna_status_t s;
	hsmlab_luna_roles_t r;
	CK_RV rv = l->hsmlab_CA_GetStatus(d->slot_id, &s);
	if (rv == CKR_OK)
		rv = l->hsmlab_CA_GetRoles(d->slot_id, &r);
	if (rv != CKR_OK)
		return hl_admin_fail(c, "luna status", rv);
	if (stm && strcmp(s.state, "transport")) {
		fprintf(stderr, "hsmlab-admin: device %s is not in Secure Transport Mode (%s)\n",
			d->serial, s.state);
		return EX_FAIL;
	}
	if (stm) {
		printf("device %s is in Secure Transport Mode\nrandom user string: %s\n"
		       "state fingerprint:  %s\n",
		       d->serial, s.user_string, s.fingerprint);
		return EX_OK;
	}
	printf("device %s (slot %lu): %s, authentication %s, HSM label \"%s\"\n"
	       "partition: %s, Crypto Officer: %s, Crypto User: %s, activated: %s, power: %s\n"
	       "failed logins: HSM SO %lu, Partition SO %lu, CO %lu, CU %lu\n"
	       "Limited Crypto Officer: %s (failed logins %lu), Audit role: %s\n",
	       d->serial, d->slot_id, s.state, method_name(s.method), s.hsm_label,
	       s.partition ? "yes" : "no", s.co ? "yes" : "no", s.cu ? "yes" : "no",
	       s.activated ? "yes" : "no", s.powered ? "on" : "off", s.hso_failed, s.pso_failed,
	       s.co_failed, s.cu_failed, r.lco ? "yes" : "no", r.lco_failed,
	       r.audit ? "yes" : "no");
	return EX_OK;
}

/* luna hsm init DEVICE LABEL DOMAIN [M N [IKEY...]] */
static int cmd_hsm_init(console_t *c, const HSMLAB_LUNA_FUNCTION_LIST *l,
			const hsmlab_device_info_t *d, int argc, char **argv, hl_admin_opts_t *o)
{
	unsigned long m = 0, n = 0;
	if (argc >= 8 && parse_mn(argv[6], argv[7], o, &m, &n) != EX_OK)
		return EX_USAGE;
	hsmlab_luna_status_t s;
	if (l->hsmlab_CA_GetStatus(d->slot_id, &s) == CKR_OK && !strcmp(s.state, "initialized") &&
	    hl_admin_confirm(o, d, "a hard init erases the HSM, its partition and keys") != EX_OK)
		return EX_FAIL;
	if (!m && !hl_admin_secret(o, HL_ADMIN_SO_PIN, "the HSM SO password"))
		return EX_USAGE;
	hsmlab_luna_cred_t hso = new_cred(o->so_pin, m, n, o);
	hsmlab_luna_cred_t dom = new_cred(argv[5], m, n, o);
	hsmlab_luna_auth_t cur = m ? ikeys(argv + 8, argc - 8, o) : password(o->so_pin);
	CK_RV rv = l->hsmlab_CA_InitHSM(d->slot_id, argv[4], &hso, &cur, &dom);
	if (rv != CKR_OK)
		return hl_admin_fail(c, "luna hsm init", rv);
	printf("device %s: hard init done, HSM label \"%s\", %s authentication\n", d->serial,
	       argv[4], m ? "multifactor" : "password");
	if (m)
		printf("HSM SO and domain iKeys: %lu of %lu in %s\n", m, n, o->cards);
	return EX_OK;
}

/* luna partition create DEVICE LABEL DOMAIN [M N IKEY...] */
static int cmd_partition(console_t *c, const HSMLAB_LUNA_FUNCTION_LIST *l,
			 const hsmlab_device_info_t *d, int argc, char **argv, hl_admin_opts_t *o)
{
	unsigned long m = 0, n = 0;
	if (argc != 6 && (argc < 9 || parse_mn(argv[6], argv[7], o, &m, &n) != EX_OK))
		return usage_error("luna partition create DEVICE LABEL DOMAIN [M N IKEY...]");
	if (!m && (!hl_admin_secret(o, HL_ADMIN_SO_PIN, "the HSM SO password") ||
		   !hl_admin_secret(o, HL_ADMIN_PIN, "the new Partition SO password")))
		return EX_USAGE;
	hsmlab_luna_auth_t hso = m ? ikeys(argv + 8, argc - 8, o) : password(o->so_pin);
	hsmlab_luna_cred_t pso = new_cred(o->pin, m, n, o);
	hsmlab_luna_cred_t dom = new_cred(argv[5], 0, 0, o);
	CK_RV rv = l->hsmlab_CA_CreatePartition(d->slot_id, argv[4], &hso, &pso, &dom);
	if (rv != CKR_OK)
		return hl_admin_fail(c, "luna partition create", rv);
	printf("device %s: partition \"%s\" created\n", d->serial, argv[4]);
	return EX_OK;
}

/* luna role init co|cu|lco|au DEVICE [M N IKEY...]: who creates each role (lunacm role init):
 * the Partition SO the CO, the CO the CU and LCO, the HSM SO the Audit role. */
static const struct {
	const char *name, *title, *by;
	CK_ULONG role;
} role_names[] = {
	{ "co", "Crypto Officer", "the Partition SO password", HSMLAB_LUNA_ROLE_CO },
	{ "cu", "Crypto User", "the Crypto Officer password", HSMLAB_LUNA_ROLE_CU },
	{ "lco", "Limited Crypto Officer", "the Crypto Officer password", HSMLAB_LUNA_ROLE_LCO },
	{ "au", "Audit role", "the HSM SO password", HSMLAB_LUNA_ROLE_AUDIT },
};

static int cmd_role(console_t *c, const HSMLAB_LUNA_FUNCTION_LIST *l, const hsmlab_device_info_t *d,
		    int argc, char **argv, hl_admin_opts_t *o)
{
	unsigned long m = 0, n = 0;
	size_t r = 0;
	while (r < sizeof(role_names) / sizeof(*role_names) && strcmp(argv[3], role_names[r].name))
		r++;
	if (r == sizeof(role_names) / sizeof(*role_names) ||
	    (argc != 5 && (argc < 8 || parse_mn(argv[5], argv[6], o, &m, &n) != EX_OK)))
		return usage_error("luna role init co|cu|lco|au DEVICE [M N IKEY...]");
	if ((!m && !hl_admin_secret(o, HL_ADMIN_SO_PIN, role_names[r].by)) ||
	    !hl_admin_secret(o, HL_ADMIN_PIN,
			     m ? "the new challenge secret" : "the new role's password"))
		return EX_USAGE;
	hsmlab_luna_auth_t by = m ? ikeys(argv + 7, argc - 7, o) : password(o->so_pin);
	hsmlab_luna_cred_t cred = new_cred(o->pin, m, n, o);
	CK_RV rv = l->hsmlab_CA_InitRole(d->slot_id, role_names[r].role, &by, &cred);
	if (rv != CKR_OK)
		return hl_admin_fail(c, "luna role init", rv);
	printf("device %s: %s created\n", d->serial, role_names[r].title);
	return EX_OK;
}

/* Every input of token init checked before the first change (the PIN lengths against the
 * token's own range), so a bad one leaves the device as it was. */
static int token_init_check(console_t *c, const hsmlab_device_info_t *d, hl_admin_opts_t *o,
			    const hsmlab_luna_status_t *s)
{
	CK_TOKEN_INFO ti;
	if (!hl_admin_secret(o, HL_ADMIN_SO_PIN, "the new HSM SO and Partition SO password"))
		return EX_USAGE;
	if (c->fn->C_GetTokenInfo(d->slot_id, &ti) != CKR_OK) {
		ti.ulMinPinLen = 7; /* a Luna's range (luna.md) when the token tells none yet */
		ti.ulMaxPinLen = 255;
	}
	const char *pins[] = { o->so_pin, o->pin };
	const char *names[] = { "SO password (--so-pin)", "Crypto Officer PIN (--pin)" };
	for (int i = 0; i < 2; i++) {
		size_t n = pins[i] ? strlen(pins[i]) : 0;
		if (pins[i] && (n < ti.ulMinPinLen || n > ti.ulMaxPinLen)) {
			fprintf(stderr,
				"hsmlab-admin: token init: device %s: the %s has %zu "
				"characters, a Luna takes %lu to %lu: nothing changed\n",
				o->device, names[i], n, ti.ulMinPinLen, ti.ulMaxPinLen);
			return EX_USAGE;
		}
	}
	if (!strcmp(s->state, "initialized"))
		return hl_admin_confirm(o, d, "a hard init erases the HSM, its partition and keys");
	return EX_OK;
}

/* A failed password says what is left: the HSM SO zeroizes the device at 3 (L3). */
static int login_fail(console_t *c, const HSMLAB_LUNA_FUNCTION_LIST *l,
		      const hsmlab_device_info_t *d, const char *what, CK_RV rv,
		      const char *old_fpr)
{
	hsmlab_luna_status_t s;
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", c->ext->last_error());
	if (rv != CKR_PIN_INCORRECT || l->hsmlab_CA_GetStatus(d->slot_id, &s) != CKR_OK)
		return hl_admin_fail(c, what, rv);
	unsigned long left = s.hso_failed < 3 ? 3 - s.hso_failed : 0;
	bool moved = old_fpr && strcmp(old_fpr, s.fingerprint) && !strcmp(s.state, "transport");
	char count[96] = ""; /* what is left, unless the module's message says it already */
	if (!strstr(msg, "zeroize"))
		snprintf(count, sizeof(count),
			 " (%lu wrong HSM SO password%s: %lu more and the device zeroizes)",
			 s.hso_failed, s.hso_failed == 1 ? "" : "s", left);
	fprintf(stderr, "hsmlab-admin: %s: device %s: %s: %s%s%s%s\n", c->opts->command,
		c->opts->device, hl_ckr_name(rv), msg[0] ? msg : "wrong password", count,
		moved ? "; the failure is recorded, so the state fingerprint is now " : "",
		moved ? s.fingerprint : "");
	return EX_FAIL;
}

/* token init DEVICE LABEL on a Luna: the vendor's whole sequence, password authentication,
 * as one call of the table (one store transaction: a crash leaves all of it or none). */
static int cmd_token_init(console_t *c, const HSMLAB_LUNA_FUNCTION_LIST *l,
			  const hsmlab_device_info_t *d, const char *label, hl_admin_opts_t *o)
{
	hsmlab_luna_status_t s;
	CK_RV rv = l->hsmlab_CA_GetStatus(d->slot_id, &s);
	if (rv != CKR_OK)
		return hl_admin_fail(c, "luna status", rv);
	int ex = token_init_check(c, d, o, &s);
	if (ex != EX_OK)
		return ex;
	hsmlab_luna_auth_t factory = password(HSMLAB_LUNA_FACTORY_SO_PASSWORD);
	rv = l->hsmlab_CA_InitToken(d->slot_id, label, &factory, o->so_pin, o->pin);
	if (rv != CKR_OK)
		return login_fail(c, l, d, "token init", rv, NULL);
	printf("device %s: hard init, partition \"%s\"%s done (password authentication)\n",
	       d->serial, label, o->pin ? " and Crypto Officer" : "");
	return EX_OK;
}

static int simple(console_t *c, const char *what, CK_RV rv, const hsmlab_device_info_t *d)
{
	if (rv != CKR_OK)
		return hl_admin_fail(c, what, rv);
	printf("device %s: %s done\n", d->serial, what);
	return EX_OK;
}

/* Thales' numbers and names of the policies hsmlab enforces (luna.md "Roles and policies"). */
static const struct {
	CK_ULONG scope, n;
	const char *name;
} policies[] = {
	{ HSMLAB_LUNA_POLICY_HSM, 12, "Allow non-FIPS algorithms" },
	{ HSMLAB_LUNA_POLICY_HSM, 15, "Enable SO reset of partition PIN" },
	{ HSMLAB_LUNA_POLICY_PARTITION, 20, "Max failed user logins allowed" },
	{ HSMLAB_LUNA_POLICY_PARTITION, 22, "Allow activation" },
	{ HSMLAB_LUNA_POLICY_PARTITION, 23, "Allow auto-activation" },
	{ HSMLAB_LUNA_POLICY_PARTITION, 43, "Allow non-FIPS algorithms" },
};

/* luna policy show DEVICE */
static int policy_show(console_t *c, const HSMLAB_LUNA_FUNCTION_LIST *l,
		       const hsmlab_device_info_t *d)
{
	for (size_t i = 0; i < sizeof(policies) / sizeof(*policies); i++) {
		CK_ULONG v = 0;
		CK_RV rv = l->hsmlab_CA_GetPolicy(d->slot_id, policies[i].scope, policies[i].n, &v);
		if (rv != CKR_OK)
			return hl_admin_fail(c, "luna policy show", rv);
		printf("%-9s %2lu  %-34s %lu\n",
		       policies[i].scope == HSMLAB_LUNA_POLICY_HSM ? "hsm" : "partition",
		       policies[i].n, policies[i].name, v);
	}
	return EX_OK;
}

/* luna hsm|partition policy set DEVICE N VALUE [IKEY...]: by the HSM SO or the Partition SO
 * (--so-pin or their iKeys). */
static int policy_set(console_t *c, const HSMLAB_LUNA_FUNCTION_LIST *l,
		      const hsmlab_device_info_t *d, int argc, char **argv, hl_admin_opts_t *o)
{
	bool hsm = !strcmp(argv[1], "hsm");
	char *end1 = NULL, *end2 = NULL;
	unsigned long n = strtoul(argv[5], &end1, 10), v = strtoul(argv[6], &end2, 10);
	if (!argv[5][0] || *end1 || !argv[6][0] || *end2)
		return usage_error("luna hsm|partition policy set DEVICE N VALUE: N and VALUE are "
				   "numbers");
	if (argc == 7 &&
	    !hl_admin_secret(o, HL_ADMIN_SO_PIN,
			     hsm ? "the HSM SO password" : "the Partition SO password"))
		return EX_USAGE;
	hsmlab_luna_auth_t by = argc > 7 ? ikeys(argv + 7, argc - 7, o) : password(o->so_pin);
	CK_RV rv = l->hsmlab_CA_SetPolicy(
	    d->slot_id, hsm ? HSMLAB_LUNA_POLICY_HSM : HSMLAB_LUNA_POLICY_PARTITION, n, v, &by);
	if (rv != CKR_OK)
		return hl_admin_fail(c, hsm ? "luna hsm policy set" : "luna partition policy set",
				     rv);
	printf("device %s: %s policy %lu set to %lu\n", d->serial, hsm ? "HSM" : "partition", n, v);
	return EX_OK;
}

/* luna stm recover DEVICE STRING FINGERPRINT [IKEY...]: the factory HSM SO password, or
 * after stm transport the HSM SO's own credential. */
static int stm_recover(console_t *c, const HSMLAB_LUNA_FUNCTION_LIST *l,
		       const hsmlab_device_info_t *d, int argc, char **argv, hl_admin_opts_t *o)
{
	hsmlab_luna_status_t before;
	if (argc == 6 && !hl_admin_secret(o, HL_ADMIN_SO_PIN, "the HSM SO password"))
		return EX_USAGE;
	hsmlab_luna_auth_t hso = argc > 6 ? ikeys(argv + 6, argc - 6, o) : password(o->so_pin);
	CK_RV rv = l->hsmlab_CA_GetStatus(d->slot_id, &before);
	if (rv == CKR_OK)
		rv = l->hsmlab_CA_RecoverSTM(d->slot_id, argv[4], argv[5], &hso);
	return rv == CKR_OK ? simple(c, "stm recover", rv, d)
			    : login_fail(c, l, d, "stm recover", rv, before.fingerprint);
}

/* luna stm transport DEVICE [IKEY...]: the HSM SO (none for a zeroized device) puts it back
 * into STM; the strings to record are printed (the recipient compares them). */
static int stm_transport(console_t *c, const HSMLAB_LUNA_FUNCTION_LIST *l,
			 const hsmlab_device_info_t *d, int argc, char **argv, hl_admin_opts_t *o)
{
	hsmlab_luna_status_t s;
	CK_RV rv = l->hsmlab_CA_GetStatus(d->slot_id, &s);
	bool init = rv == CKR_OK && !strcmp(s.state, "initialized");
	if (init && argc == 4 && !hl_admin_secret(o, HL_ADMIN_SO_PIN, "the HSM SO password"))
		return EX_USAGE;
	hsmlab_luna_auth_t hso = argc > 4 ? ikeys(argv + 4, argc - 4, o) : password(o->so_pin);
	if (rv == CKR_OK)
		rv = l->hsmlab_CA_TransportSTM(d->slot_id, init || argc > 4 ? &hso : NULL);
	if (rv != CKR_OK)
		return login_fail(c, l, d, "stm transport", rv, NULL);
	return cmd_status(c, l, d, true);
}

/* The commands that act on one device: argv[di] names it. */
static int dispatch(console_t *c, const HSMLAB_LUNA_FUNCTION_LIST *l, int argc, char **argv,
		    hl_admin_opts_t *o, int di)
{
	hsmlab_device_info_t d;
	const char *b = argv[1];
	int ex = hl_admin_find_device(c, argv[di], &d);
	if (ex != EX_OK)
		return ex;
	if (!strcmp(argv[0], "token"))
		return cmd_token_init(c, l, &d, argv[3], o);
	if (!strcmp(b, "status"))
		return cmd_status(c, l, &d, false);
	if (!strcmp(b, "stm") && !strcmp(argv[2], "show"))
		return cmd_status(c, l, &d, true);
	if (!strcmp(b, "stm") && !strcmp(argv[2], "transport"))
		return stm_transport(c, l, &d, argc, argv, o);
	if (!strcmp(b, "stm"))
		return stm_recover(c, l, &d, argc, argv, o);
	if (!strcmp(b, "policy"))
		return policy_show(c, l, &d);
	if ((!strcmp(b, "hsm") || !strcmp(b, "partition")) && !strcmp(argv[2], "policy"))
		return policy_set(c, l, &d, argc, argv, o);
	if (!strcmp(b, "hsm") && !strcmp(argv[2], "init"))
		return cmd_hsm_init(c, l, &d, argc, argv, o);
	if (!strcmp(b, "hsm")) {
		if (argc == 4 && !hl_admin_secret(o, HL_ADMIN_SO_PIN, "the HSM SO password"))
			return EX_USAGE;
		hsmlab_luna_auth_t hso =
		    argc > 4 ? ikeys(argv + 4, argc - 4, o) : password(o->so_pin);
		CK_RV rv = l->hsmlab_CA_LoginHSM(d.slot_id, &hso);
		return rv == CKR_OK ? simple(c, "hsm login", rv, &d)
				    : login_fail(c, l, &d, "hsm login", rv, NULL);
	}
	if (!strcmp(b, "partition"))
		return cmd_partition(c, l, &d, argc, argv, o);
	if (!strcmp(b, "role"))
		return cmd_role(c, l, &d, argc, argv, o);
	if (!strcmp(b, "activate")) {
		if (argc == 3 &&
		    !hl_admin_secret(o, HL_ADMIN_SO_PIN, "the Crypto Officer password"))
			return EX_USAGE;
		hsmlab_luna_auth_t co =
		    argc > 3 ? ikeys(argv + 3, argc - 3, o) : password(o->so_pin);
		return simple(c, "activate", l->hsmlab_CA_Activate(d.slot_id, &co, o->pin), &d);
	}
	if (!strcmp(b, "deactivate"))
		return simple(c, "deactivate", l->hsmlab_CA_Deactivate(d.slot_id), &d);
	if (!strcmp(b, "power"))
		return simple(c, !strcmp(argv[2], "on") ? "power on" : "power off",
			      l->hsmlab_CA_Power(d.slot_id, !strcmp(argv[2], "on")), &d);
	if (!strcmp(b, "tamper"))
		return hl_admin_confirm(o, &d,
					"a tamper event halts the HSM until power off/on "
					"and clears the activation") != EX_OK
			   ? EX_FAIL
			   : simple(c, "tamper", l->hsmlab_CA_Tamper(d.slot_id), &d);
	if (hl_admin_confirm(o, &d,
			     "zeroizing erases the HSM SO, partition, roles, domain and "
			     "every key (the audit log stays)") != EX_OK)
		return EX_FAIL;
	return simple(c, "zeroize", l->hsmlab_CA_Zeroize(d.slot_id), &d);
}

/* Where the command names its device, or 0 when argv is no Luna command (or malformed). */
static int device_arg(int argc, char **argv)
{
	const char *b = argc > 1 ? argv[1] : "", *v = argc > 2 ? argv[2] : "";
	if (!strcmp(argv[0], "token"))
		return !strcmp(b, "init") && argc == 4 ? 2 : 0;
	if ((!strcmp(b, "status") || !strcmp(b, "deactivate") || !strcmp(b, "tamper") ||
	     !strcmp(b, "zeroize")) &&
	    argc == 3)
		return 2;
	if (!strcmp(b, "stm") &&
	    ((!strcmp(v, "show") && argc == 4) || (!strcmp(v, "transport") && argc >= 4) ||
	     (!strcmp(v, "recover") && argc >= 6)))
		return 3;
	if (!strcmp(b, "hsm") && ((!strcmp(v, "init") && (argc == 6 || argc >= 8)) ||
				  (!strcmp(v, "login") && argc >= 4)))
		return 3;
	if (!strcmp(b, "partition") && !strcmp(v, "create") && argc >= 6)
		return 3;
	if ((!strcmp(b, "hsm") || !strcmp(b, "partition")) && !strcmp(v, "policy") && argc >= 7 &&
	    !strcmp(argv[3], "set"))
		return 4;
	if (!strcmp(b, "policy") && !strcmp(v, "show") && argc == 4)
		return 3;
	if (!strcmp(b, "role") && !strcmp(v, "init") && argc >= 5)
		return 4;
	if (!strcmp(b, "activate") && argc >= 3)
		return 2;
	if (!strcmp(b, "power") && (!strcmp(v, "on") || !strcmp(v, "off")) && argc == 4)
		return 3;
	return 0;
}

int hl_admin_luna(console_t *c, int argc, char **argv, hl_admin_opts_t *o)
{
	bool luna_cmd = !strcmp(argv[0], "luna");
	if (!luna_cmd && strcmp(argv[0], "token"))
		return -1;
	const HSMLAB_LUNA_FUNCTION_LIST *l = luna_table(c);
	if (!l && !luna_cmd)
		return -1; /* token init on another module: the generic command */
	if (!l) {
		fprintf(stderr,
			"hsmlab-admin: luna: the module has no \"%s\" table (load the Luna "
			"module with --family luna)\n",
			HSMLAB_LUNA_INTERFACE_NAME);
		return EX_USAGE;
	}
	hl_admin_luna_ped(l);
	if (luna_cmd && argc > 1 && !strcmp(argv[1], "ikey"))
		return hl_admin_luna_ikey(c, l, argc, argv, o);
	int di = device_arg(argc, argv);
	if (!di)
		return luna_cmd ? usage_error("luna: unknown command or wrong arguments") : -1;
	return dispatch(c, l, argc, argv, o, di);
}
