/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the fingerprint's read-only identity probe and the profile writer. The probe
 * runs in a child (a module's global state must not leak into the bench) and only reads:
 * C_GetInfo, C_GetSlotInfo, C_GetTokenInfo, C_GetMechanismList/Info. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hsmlab/bench/fingerprint.h"
#include "hsmlab/p11client.h"

/* The set bits of v by their names (the profile loader's own table, hsmlab/p11client.h): a
 * name written here is one the emulator reads back. */
static void write_flags(FILE *f, hl_ckf_kind_t kind, CK_FLAGS v)
{
	const char *sep = "";

	fputs("[ ", f);
	for (const hl_ckf_name_t *t = hl_ckf_names(kind); t->name; t++)
		if (v & t->bit) {
			fprintf(f, "%s\"%s\"", sep, t->name);
			sep = ", ";
		}
	fputs(" ]", f);
}

/* A PKCS#11 blank-padded string as a libconfig string (quotes and backslashes escaped). */
static void write_str(FILE *f, const char *key, const unsigned char *src, size_t n)
{
	char buf[80];

	hl_p11_unpad(buf, src, n < sizeof buf - 1 ? n : sizeof buf - 1);
	fprintf(f, "    %s = \"", key);
	for (const char *p = buf; *p; p++)
		fprintf(f, (*p == '"' || *p == '\\') ? "\\%c" : "%c", *p);
	fputs("\";\n", f);
}

static void append(char *list, size_t len, const char *word)
{
	size_t used = strlen(list);

	snprintf(list + used, len - used, "%s%s", used ? ", " : "", word);
}

/* A limit the token reports, or 0 (the profile's "no limit") for the special values. */
static unsigned long limit(CK_ULONG v)
{
	return v == CK_UNAVAILABLE_INFORMATION || v == CK_EFFECTIVELY_INFINITE ? 0 : v;
}

static CK_RV write_head(CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID slot, FILE *f)
{
	CK_INFO in;
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	CK_RV rv = fn->C_GetInfo(&in);

	if (rv == CKR_OK)
		rv = fn->C_GetSlotInfo(slot, &si);
	if (rv == CKR_OK)
		rv = fn->C_GetTokenInfo(slot, &ti);
	if (rv != CKR_OK)
		return rv;
	fputs("  identity:\n  {\n", f);
	write_str(f, "manufacturer", in.manufacturerID, sizeof in.manufacturerID);
	write_str(f, "library_description", in.libraryDescription, sizeof in.libraryDescription);
	fprintf(f, "    library_version = \"%u.%u\";\n    cryptoki_version = \"%u.%u\";\n",
		in.libraryVersion.major, in.libraryVersion.minor, in.cryptokiVersion.major,
		in.cryptokiVersion.minor);
	write_str(f, "model", ti.model, sizeof ti.model);
	write_str(f, "slot_description", si.slotDescription, sizeof si.slotDescription);
	fprintf(f, "    hardware_version = \"%u.%u\";\n    firmware_version = \"%u.%u\";\n  };\n\n",
		si.hardwareVersion.major, si.hardwareVersion.minor, si.firmwareVersion.major,
		si.firmwareVersion.minor);
	fputs("  slot_flags = ", f);
	write_flags(f, HL_CKF_SLOT, si.flags);
	fputs(";\n  token_flags = ", f);
	write_flags(f, HL_CKF_TOKEN, ti.flags);
	fprintf(
	    f,
	    ";\n\n  limits:\n  {\n    max_sessions = %lu;\n    max_rw_sessions = %lu;\n"
	    "    max_objects = 0;       # unknown: not observable\n    label_max = 32;\n  };\n\n",
	    limit(ti.ulMaxSessionCount), limit(ti.ulMaxRwSessionCount));
	fprintf(f,
		"  pin:\n  {\n    min_len = %lu;\n    max_len = %lu;\n    digits_only = false;\n"
		"    so_max_failed = 10;\n    user_max_failed = 10;\n  };\n\n",
		(unsigned long)ti.ulMinPinLen, (unsigned long)ti.ulMaxPinLen);
	return CKR_OK;
}

/* libconfig reads an integer without the L suffix as 32 bits (SoftHSMv2 announces 2^31). */
static void write_ulong(FILE *f, CK_ULONG v)
{
	fprintf(f, v > 2147483647UL ? "%luL" : "%lu", (unsigned long)v);
}

static CK_RV write_mechs(CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID slot, FILE *f, FILE *skipped)
{
	CK_ULONG n = 0;
	CK_MECHANISM_TYPE *v = NULL;
	CK_RV rv = fn->C_GetMechanismList(slot, NULL, &n);
	const char *sep = "\n";

	if (rv == CKR_OK && (v = calloc(n ? n : 1, sizeof *v)) == NULL)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = fn->C_GetMechanismList(slot, v, &n);
	fputs("  mechanisms = (", f);
	for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++) {
		const char *name = hl_ckm_name(v[i]);
		CK_ULONG back;
		CK_MECHANISM_INFO mi;

		/* only names the shared table resolves: what a profile can load */
		if (strncmp(name, "CKM_", 4) != 0 || hl_ck_value(name, &back) != 0 ||
		    back != v[i] || fn->C_GetMechanismInfo(slot, v[i], &mi) != CKR_OK) {
			fprintf(skipped, "%s0x%lx", ftell(skipped) ? ", " : "",
				(unsigned long)v[i]);
			continue;
		}
		fprintf(f, "%s    { name = \"%s\"; min = ", sep, name);
		write_ulong(f, mi.ulMinKeySize);
		fputs("; max = ", f);
		write_ulong(f, mi.ulMaxKeySize);
		fputs("; flags = ", f);
		write_flags(f, HL_CKF_MECH, mi.flags);
		fputs("; }", f);
		sep = ",\n";
	}
	fputs("\n  );\n\n", f);
	free(v);
	return rv;
}

/* Tokens present before and after the first C_GetSlotList(CK_FALSE) of the process. */
static CK_RV slot_list_counts(CK_FUNCTION_LIST_PTR fn, CK_ULONG *before, CK_ULONG *after)
{
	CK_ULONG all = 0;
	CK_RV rv = fn->C_GetSlotList(CK_TRUE, NULL, before);

	if (rv == CKR_OK)
		rv = fn->C_GetSlotList(CK_FALSE, NULL, &all);
	if (rv == CKR_OK)
		rv = fn->C_GetSlotList(CK_TRUE, NULL, after);
	return rv;
}

/* The child: prepare, load, initialise, observe G9, open the token, write the head; exit
 * status 0 or 3 with the reason as the first line of `skipped`. The probe's own
 * observations go to `obs`, one line each. */
static int probe_child(hl_bench_target_t *t, const char *rundir, FILE *head, FILE *skipped,
		       FILE *obs)
{
	CK_ULONG before = 0, after = 0;
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	char err[512] = "";
	hl_p11_module_t *mod = NULL;
	CK_FUNCTION_LIST_PTR fn;
	CK_SLOT_ID slot;
	CK_RV rv;

	if (hl_bench_target_prepare(t, rundir, err, sizeof err) != 0 ||
	    (mod = hl_p11_module_load(hl_bench_target_module(t), 1, err, sizeof err)) == NULL)
		goto fail;
	fn = hl_p11_module_fn(mod);
	rv = fn->C_Initialize(&args);
	if (rv != CKR_OK) {
		snprintf(err, sizeof err, "C_Initialize: %s", hl_ckr_name(rv));
		goto fail;
	}
	/* G9 needs a process in which nothing listed the slots yet: this one, first thing */
	if (slot_list_counts(fn, &before, &after) == CKR_OK)
		fprintf(obs, "%s\n", after > before ? "hidden" : "shown");
	if (hl_bench_target_open(t, fn, &slot, err, sizeof err) != CKR_OK)
		goto fail;
	rv = write_head(fn, slot, head);
	if (rv == CKR_OK)
		rv = write_mechs(fn, slot, head, skipped);
	if (rv != CKR_OK) {
		snprintf(err, sizeof err, "reading slot, token or mechanism info: %s",
			 hl_ckr_name(rv));
		goto fail;
	}
	fn->C_Finalize(NULL);
	fflush(head);
	fflush(skipped);
	fflush(obs);
	return 0;
fail:
	rewind(skipped);
	fprintf(skipped, "!%s\n", err);
	fflush(skipped);
	return 3;
}

/* Reads a whole (small) stream from its start into buf. */
static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

int hl_fp_probe(hl_bench_target_t *t, const char *rundir, const char *name, const char *family,
		hl_matrix_t *m, int col, FILE *out, char *unknown, size_t unknown_len, char *err,
		size_t errlen)
{
	FILE *head = tmpfile(), *skipped = tmpfile(), *obs = tmpfile();
	char buf[4096], sk[2048], ob[64];
	int status = -1, rc = -1;
	size_t n;
	pid_t pid;

	if (head == NULL || skipped == NULL || obs == NULL) {
		snprintf(err, errlen, "fingerprint: cannot make a temporary file");
		goto out;
	}
	fflush(NULL); /* the child must not repeat our buffered output */
	pid = fork();
	if (pid == 0)
		_exit(probe_child(t, rundir, head, skipped, obs));
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		snprintf(err, errlen, "fingerprint: cannot run the probe process");
		goto out;
	}
	slurp(skipped, sk, sizeof sk);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "%s: identity probe failed: %s", hl_bench_target_name(t),
			 sk[0] == '!' ? sk + 1 : "the probe process crashed");
		goto out;
	}
	slurp(obs, ob, sizeof ob);
	if (ob[0] != '\0') {
		int row =
		    hl_matrix_row(m, HL_FP_PROBE_TOKEN_AFTER_LIST,
				  "tokens listed before the first C_GetSlotList(CK_FALSE)", "G9");
		if (row < 0 || hl_matrix_set(m, row, col, ob, NULL, NULL) != 0) {
			snprintf(err, errlen, "fingerprint: out of memory");
			goto out;
		}
	}
	fprintf(out, "profile:\n{\n  name = \"%s\";\n  family = \"%s\";\n", name, family);
	fprintf(out, "  description = \"fingerprinted by hsmlab-bench from %s\";\n\n",
		hl_bench_target_module(t));
	rewind(head);
	while ((n = fread(buf, 1, sizeof buf, head)) > 0)
		fwrite(buf, 1, n, out);
	append(unknown, unknown_len,
	       "session.operation_state (G7, K8), limits.max_objects, limits.label_max, "
	       "pin.digits_only, "
	       "pin.so_max_failed, pin.user_max_failed");
	if (sk[0] != '\0') {
		snprintf(buf, sizeof buf, "mechanisms without a CKM_ name (%s)", sk);
		append(unknown, unknown_len, buf);
	}
	rc = 0;
out:
	if (head)
		fclose(head);
	if (skipped)
		fclose(skipped);
	if (obs)
		fclose(obs);
	return rc;
}

/* -- the quirks group -- */

static const char *observed(const hl_matrix_t *m, int col, const char *check)
{
	for (size_t r = 0; r < hl_matrix_rows(m); r++)
		if (strcmp(hl_matrix_row_id(m, r), check) == 0)
			return hl_matrix_cell(m, r, (size_t)col)->observed;
	return NULL;
}

/* The value member (with its leading "; value = ") for a rule that matched. */
static void rule_value(const hl_fp_rule_t *r, const char *obs, char *v, size_t n)
{
	const char *q;

	v[0] = '\0';
	if (r->value == HL_FP_CKR && (q = strstr(obs, "CKR_")) != NULL)
		snprintf(v, n, " value = \"%.*s\";", (int)strcspn(q, ",= "), q);
	else if (r->value == HL_FP_QUOTED && (q = strchr(obs, '\'')) != NULL)
		snprintf(v, n, " value = \"%.*s\";", (int)strcspn(q + 1, "'"), q + 1);
	else if ((r->value == HL_FP_NUMBER || r->value == HL_FP_OVER_256) &&
		 (q = strpbrk(obs, "0123456789")) != NULL)
		snprintf(v, n, " value = %ld;",
			 strtol(q, NULL, 10) - (r->value == HL_FP_OVER_256 ? 256 : 0));
}

int hl_fp_write_quirks(const hl_matrix_t *m, int col, FILE *out, char *unknown, size_t unknown_len)
{
	char funcs[128] = "", why[256] = "";
	int on_count = 0;

	fputs(
	    "  # Quirk switches inferred from the conformance suite: source \"field\", the probe\n"
	    "  # that showed each in its comment. Switches not listed stay at the strict default.\n"
	    "  quirks:\n  {\n",
	    out);
	for (const hl_fp_rule_t *r = hl_fp_rules(); r->name != NULL; r++) {
		const char *obs = observed(m, col, r->check);
		int on = obs != NULL && fnmatch(r->glob, obs, 0) == 0;
		char v[160];

		if (obs == NULL) {
			append(unknown, unknown_len, r->name);
			continue;
		}
		/* a LIST switch: each rule that matches adds its functions */
		if (r->value == HL_FP_FUNCS_COPY) {
			if (on) {
				append(funcs, sizeof funcs, "\"C_CopyObject\"");
				append(why, sizeof why, r->check);
			}
			continue;
		}
		rule_value(r, obs, v, sizeof v);
		fprintf(out,
			"    %s = { id = \"%s\"; on = %s; source = \"field\";%s }; # %s = %s\n",
			r->name, r->row, on ? "true" : "false", on ? v : "", r->check, obs);
		on_count += on;
	}
	if (funcs[0] != '\0') {
		fprintf(out,
			"    missing_functions = { id = \"K8\"; on = true; source = \"field\"; "
			"value = [ %s ]; }; # %s\n",
			funcs, why);
		on_count++;
	}
	return ferror(out) ? -1 : on_count;
}

int hl_fp_finish(FILE *out, const char *unknown)
{
	fprintf(
	    out,
	    "  };\n};\n\n# Unknown (not observable by this run; strict default kept):\n#   %s\n",
	    unknown);
	return ferror(out) ? -1 : 0;
}
