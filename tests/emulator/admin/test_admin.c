/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: the hsmlab-admin console, run as a program against the built module. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "testlab.h"

static testlab_t lab;
static char out[8192];

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
	snprintf(args, sizeof(args), "token init %s again --so-pin 99999999", serial);
	cr_assert_eq(run(args), 1, "a wrong SO PIN fails: %s", out);
	cr_assert(strstr(out, "CKR_PIN_INCORRECT") != NULL, "%s", out);
	cr_assert_eq(run("device show NOSUCHDEVICE"), 1);
}

Test(admin, unusable_module_and_lab)
{
	cr_assert_eq(run("--module /nonexistent/lib.so device list"), 3);
	cr_assert_eq(chmod(lab.lab, 0777), 0);
	cr_assert_eq(run("device list"), 3, "%s", out);
	cr_assert(strstr(out, lab.lab) != NULL, "the error names the lab: %s", out);
}
