/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: the hsmlab-admin console, run as a program against the built module. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlab.h"

static testlab_t lab;
static char out[32768]; /* the whole --help (8.9 kB) */

static void setup(void)
{
	testlab_make(&lab);
}
static void teardown(void)
{
	testlab_remove(&lab);
}
TestSuite(admin, .init = setup, .fini = teardown);

/* Runs hsmlab-admin with args; returns its exit code, output (stdout+stderr) in out. */
static int run(const char *args)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", getenv("HSMLAB_ADMIN"), args);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(admin, help_and_version)
{
	cr_assert_eq(run("--help"), 0);
	cr_assert(strstr(out, "Exit codes") != NULL);
	cr_assert_eq(run("--version"), 0);
	cr_assert(strstr(out, "hsmlab-admin ") != NULL);
	cr_assert_eq(run("frobnicate now"), 2, "%s", out);
	cr_assert_eq(run(""), 2);
}

Test(admin, lab_device_token_object_flow)
{
	char args[512], serial[17] = "";
	snprintf(args, sizeof(args), "lab create %s/lab2", lab.dir);
	cr_assert_eq(run(args), 0, "%s", out);
	cr_assert_eq(run("lab show"), 0, "%s", out);
	cr_assert(strstr(out, lab.lab) != NULL, "%s", out);
	cr_assert_eq(run("device create"), 0, "%s", out);
	cr_assert_eq(sscanf(out, "created device %16s", serial), 1, "%s", out);
	cr_assert_eq(run("device list"), 0, "%s", out);
	cr_assert(strstr(out, serial) != NULL && strstr(out, "factory") != NULL, "%s", out);
	snprintf(args, sizeof(args), "token init %s ceremony --so-pin 12345678 --pin 123456",
		 serial);
	cr_assert_eq(run(args), 0, "%s", out);
	snprintf(args, sizeof(args), "device show %s", serial);
	cr_assert_eq(run(args), 0, "%s", out);
	cr_assert(strstr(out, "initialized") != NULL && strstr(out, "ceremony") != NULL, "%s", out);
	snprintf(args, sizeof(args), "object list %s", serial);
	cr_assert_eq(run(args), 0, "%s", out);
	cr_assert(strstr(out, "LABEL") != NULL);
	snprintf(args, sizeof(args), "token init %s again --yes --so-pin 99999999", serial);
	cr_assert_eq(run(args), 1, "a wrong SO PIN fails: %s", out);
	cr_assert(strstr(out, "CKR_PIN_INCORRECT") != NULL, "%s", out);
	cr_assert_eq(run("device show NOSUCHDEVICE"), 1);
	snprintf(args, sizeof(args), "token init %s again --so-pin 12345678", serial);
	cr_assert_eq(run(args), 1, "a re-init without --yes and no terminal is refused: %s", out);
	cr_assert(strstr(out, "add --yes") && strstr(out, serial), "%s", out);
}

Test(admin, unusable_module_and_lab)
{
	cr_assert_eq(run("--module /nonexistent/lib.so device list"), 3);
	cr_assert_eq(chmod(lab.lab, 0777), 0);
	cr_assert_eq(run("device list"), 3, "%s", out);
	cr_assert(strstr(out, lab.lab) != NULL, "the error names the lab: %s", out);
}

/* A Luna device made by the console; its slot id in slot (a decimal string). */
static void luna_device(char slot[24])
{
	cr_assert_eq(run("-f luna device create"), 0, "%s", out);
	cr_assert_eq(sscanf(out, "created device %*s in slot %23s", slot), 1, "%s", out);
}

static void luna_status(const char *slot)
{
	char args[128];
	snprintf(args, sizeof(args), "-f luna luna status %s", slot);
	cr_assert_eq(run(args), 0, "%s", out);
}

/* hsmlab-admin -f luna CREDS token init SLOT LABEL */
static int luna_token_init(const char *creds, const char *slot, const char *label)
{
	char args[256];
	snprintf(args, sizeof(args), "-f luna %s token init %s %s", creds, slot, label);
	return run(args);
}

static void one_line(void)
{
	cr_assert_eq(strchr(out, '\n'), out + strlen(out) - 1, "one line: %s", out);
}

Test(admin, luna_token_init_bad_pin_changes_nothing)
{
	char slot[24];
	luna_device(slot);
	cr_assert_eq(luna_token_init("--so-pin 123456 --pin 87654321", slot, "KSK"), 2,
		     "a 6-character password is refused up front: %s", out);
	cr_assert(strstr(out, "8 to 255") && strstr(out, "nothing changed"), "%s", out);
	one_line();
	luna_status(slot);
	cr_assert(strstr(out, ": transport,") && strstr(out, "HSM SO 0,"), "untouched: %s", out);
	cr_assert_eq(luna_token_init("--so-pin 12345678 --pin 87654321", slot, "KSK"), 0, "%s",
		     out);
	cr_assert(strstr(out, "hard init") != NULL, "token init says what it did: %s", out);
}

/* Issue 13: a Luna token init is one step of the vendor table (one transaction) and says
 * what it did in one line; a re-init with a wrong HSM SO password counts the attempt and
 * leaves the partition and its Crypto Officer as they were. */
Test(admin, luna_token_init_says_one_line_and_a_refused_reinit_keeps_all)
{
	char slot[24];
	luna_device(slot);
	cr_assert_eq(luna_token_init("--so-pin 12345678 --pin 87654321", slot, "KSK"), 0, "%s",
		     out);
	one_line();
	cr_assert(strstr(out, "hard init, partition \"KSK\" and Crypto Officer done"), "%s", out);
	luna_status(slot);
	cr_assert(strstr(out, ": initialized,") &&
		      strstr(out, "partition: yes, Crypto Officer: yes"),
		  "%s", out);
	cr_assert_eq(luna_token_init("--yes --so-pin 99999999", slot, "KSK2"), 1,
		     "a wrong HSM SO password: %s", out);
	cr_assert(strstr(out, "CKR_PIN_INCORRECT") && strstr(out, "2 more and the device zeroizes"),
		  "%s", out);
	cr_assert_null(strstr(strstr(out, "more and the") + 1, "more and the"), "said twice: %s",
		       out);
	one_line();
	luna_status(slot);
	cr_assert(strstr(out, "HSM label \"KSK\"") &&
		      strstr(out, "partition: yes, Crypto Officer: yes") &&
		      strstr(out, "HSM SO 1,"),
		  "only the attempt counted: %s", out);
}

Test(admin, zeroize_asks_and_wrong_password_counts_down)
{
	char slot[24], args[256];
	luna_device(slot);
	snprintf(args, sizeof(args), "-f luna --so-pin 12345678 token init %s KSK", slot);
	cr_assert_eq(run(args), 0, "%s", out);
	snprintf(args, sizeof(args), "-f luna luna zeroize %s </dev/null", slot);
	cr_assert_eq(run(args), 1, "zeroize without --yes asks (and refuses off a tty): %s", out);
	cr_assert(strstr(out, "not confirmed") && strstr(out, "add --yes"), "%s", out);
	luna_status(slot);
	cr_assert(strstr(out, ": initialized,") != NULL, "nothing zeroized: %s", out);
	snprintf(args, sizeof(args), "-f luna luna hsm login %s", slot);
	cr_assert_eq(run(args), 2, "no password, no terminal: nothing tried: %s", out);
	cr_assert(strstr(out, "HSMLAB_SO_PIN") != NULL, "%s", out);
	luna_status(slot);
	cr_assert(strstr(out, "HSM SO 0,") != NULL, "no attempt burnt: %s", out);
	char secrets[160];
	snprintf(secrets, sizeof(secrets), "%s/secrets", lab.dir);
	FILE *f = fopen(secrets, "w");
	cr_assert_not_null(f);
	fputs("# the HSM SO, wrong on purpose\nso-pin=wrong-password\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "-f luna --secrets-fd 3 luna hsm login %s 3<%s", slot,
		 secrets);
	cr_assert_eq(run(args), 1, "%s", out);
	cr_assert(strstr(out, "2 more and the device zeroizes") != NULL, "%s", out);
	snprintf(args, sizeof(args), "-f luna --yes luna zeroize %s", slot);
	cr_assert_eq(run(args), 0, "%s", out);
	luna_status(slot);
	cr_assert(strstr(out, ": zeroized,") != NULL, "%s", out);
}

Test(admin, key_backup_needs_the_crypto_officer)
{
	char slot[24], args[512], blob[160];
	luna_device(slot);
	snprintf(blob, sizeof(blob), "%s/ksk.blob", lab.dir);
	snprintf(args, sizeof(args), "-f luna --so-pin 12345678 --pin 87654321 token init %s K",
		 slot);
	cr_assert_eq(run(args), 0, "%s", out);
	snprintf(args, sizeof(args), "-f luna key backup %s KSK %s", slot, blob);
	cr_assert_eq(run(args), 2, "no CO PIN: refused: %s", out);
	cr_assert(strstr(out, "Crypto Officer") != NULL, "%s", out);
	snprintf(args, sizeof(args), "-f luna --pin 11111111 key backup %s KSK %s", slot, blob);
	cr_assert_eq(run(args), 1, "a wrong CO PIN: refused: %s", out);
	cr_assert(strstr(out, "CKR_PIN_INCORRECT") && strstr(out, "login"), "%s", out);
	cr_assert_neq(access(blob, F_OK), 0, "no blob written");
}

Test(admin, clone_to_another_vendor_is_named)
{
	char slot[24], args[256], kserial[17];
	luna_device(slot);
	cr_assert_eq(run("-f keyper device create"), 0, "%s", out);
	cr_assert_eq(sscanf(out, "created device %16s", kserial), 1, "%s", out);
	snprintf(args, sizeof(args), "-f luna --pin 87654321 key clone %s KSK %s", slot, kserial);
	cr_assert_eq(run(args), 1, "%s", out);
	cr_assert(strstr(out, "another vendor") != NULL, "%s", out);
}

Test(admin, command_help_and_audit_show)
{
	char slot[24], args[512], file[160];
	cr_assert_eq(run("luna --help"), 0, "%s", out);
	cr_assert(strstr(out, "luna zeroize") && !strstr(out, "lab create"), "%s", out);
	cr_assert_eq(run("key backup 1 KSK x --help"), 0, "%s", out);
	cr_assert(strstr(out, "key backup DEVICE") && !strstr(out, "key restore"), "%s", out);
	cr_assert_eq(run("frobnicate --help"), 2, "%s", out);
	luna_device(slot);
	snprintf(args, sizeof(args), "-f luna --so-pin 12345678 token init %s KSK", slot);
	cr_assert_eq(run(args), 0, "%s", out);
	snprintf(file, sizeof(file), "%s/audit.txt", lab.dir);
	snprintf(args, sizeof(args), "-f luna audit export %s %s", slot, file);
	cr_assert_eq(run(args), 0, "%s", out);
	snprintf(args, sizeof(args), "audit show %s", file);
	cr_assert_eq(run(args), 0, "%s", out);
	cr_assert(strstr(out, "DEVICE TIME") && strstr(out, "end: ") && !strstr(out, "end: 0"),
		  "decoded: %s", out);
	cr_assert(strstr(out, "%20") == NULL, "no URL escapes left: %s", out);
	cr_assert_eq(run("audit show /nonexistent"), 1, "%s", out);
}

Test(admin, device_time_running_backwards_is_warned)
{
	char slot[24], args[512], file[160], cmd[400];
	luna_device(slot);
	snprintf(args, sizeof(args), "-f luna --so-pin 12345678 token init %s KSK", slot);
	cr_assert_eq(run(args), 0, "%s", out);
	snprintf(args, sizeof(args), "-f luna clock set %s 2020-01-01T00:00:00Z", slot);
	cr_assert_eq(run(args), 0, "%s", out);
	snprintf(args, sizeof(args), "-f luna --so-pin 12345678 luna hsm login %s", slot);
	cr_assert_eq(run(args), 0, "%s", out);
	snprintf(file, sizeof(file), "%s/audit.txt", lab.dir);
	snprintf(args, sizeof(args), "-f luna audit export %s %s", slot, file);
	cr_assert_eq(run(args), 0, "%s", out);
	snprintf(args, sizeof(args), "-f luna audit verify %s %s", slot, file);
	cr_assert_eq(run(args), 0, "the chain still holds: %s", out);
	cr_assert(strstr(out, "device time runs backwards") && strstr(out, "2020-01-01"), "%s",
		  out);
	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", getenv("HSMLAB_AUDIT_VERIFY"), file);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	cr_assert(strstr(out, "hsmlab-audit-verify: warning") && strstr(out, "runs backwards"),
		  "the offline verifier warns too: %s", out);
}

Test(admin, key_delete_asks_and_names_a_missing_key)
{
	char args[512], serial[17] = "";
	cr_assert_eq(run("device create"), 0, "%s", out);
	cr_assert_eq(sscanf(out, "created device %16s", serial), 1, "%s", out);
	snprintf(args, sizeof(args), "--so-pin 12345678 --pin 123456 token init %s t", serial);
	cr_assert_eq(run(args), 0, "%s", out);
	snprintf(args, sizeof(args), "--pin 123456 key delete %s KSK </dev/null", serial);
	cr_assert_eq(run(args), 1, "%s", out);
	cr_assert(strstr(out, "cannot be undone") && strstr(out, "add --yes"), "%s", out);
	snprintf(args, sizeof(args), "--yes --pin 123456 key delete %s KSK", serial);
	cr_assert_eq(run(args), 1, "%s", out);
	cr_assert(strstr(out, "no key labelled \"KSK\"") != NULL, "%s", out);
}

/* Issue 14: a device whose store is damaged (a state no token has) is listed at the slot id
 * its store holds, and opening a session on it says CKR_DEVICE_ERROR (store.md), not
 * CKR_TOKEN_NOT_RECOGNIZED as if it only wanted C_InitToken. */
Test(admin, damaged_store_keeps_its_slot_and_says_device_error)
{
	char args[512], serial[17], cmd[1024], line[128];
	unsigned long slot = 0;
	cr_assert_eq(run("device create"), 0, "%s", out);
	cr_assert_eq(run("device create"), 0, "%s", out);
	cr_assert_eq(sscanf(out, "created device %16s in slot %lu", serial, &slot), 2, "%s", out);
	snprintf(args, sizeof(args), "--so-pin 12345678 --pin 87654321 token init %s t", serial);
	cr_assert_eq(run(args), 0, "%s", out);
	snprintf(cmd, sizeof(cmd),
		 "sqlite3 '%s/devices/%s.db' \"update meta set value='half-written' where "
		 "key='state'\"",
		 lab.lab, serial);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(run("device list"), 0, "%s", out);
	snprintf(line, sizeof(line), "%-10lu %s broken", slot, serial);
	cr_assert_not_null(strstr(out, line), "want \"%s\" in:\n%s", line, out);
	snprintf(args, sizeof(args), "--pin 87654321 object list %s", serial);
	cr_assert_eq(run(args), 1, "%s", out);
	cr_assert_not_null(strstr(out, "CKR_DEVICE_ERROR"), "%s", out);
	cr_assert_not_null(strstr(out, "corrupt"), "%s", out);
}

/* Issue 14: HSMLAB_CONF naming a directory says so (libconfig left errno stale: "No such
 * file or directory"). */
Test(admin, config_naming_a_directory_says_so)
{
	char *old = strdup(getenv("HSMLAB_CONF"));
	setenv("HSMLAB_CONF", lab.dir, 1);
	int ex = run("device list");
	setenv("HSMLAB_CONF", old, 1);
	free(old);
	cr_assert_neq(ex, 0, "%s", out);
	cr_assert_not_null(strstr(out, "Is a directory"), "%s", out);
	cr_assert_null(strstr(out, "No such file"), "%s", out);
}
