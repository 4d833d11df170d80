/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: G11 fork_child_already_initialized, through the top of the filter stack (what the
 * exported C_* forward to). With it on, a forked child's C_Initialize answers "already
 * initialized" until the child calls C_Finalize; with it off the child starts afresh. */
#include <criterion/criterion.h>
#include <sys/wait.h>
#include <unistd.h>

#include "p11/hl_p11.h"
#include "testlab.h"

const char hl_module_family[] = "strict";
const hl_family_t *const hl_module_family_hooks = NULL;

static testlab_t lab;

static void setup(void)
{
	testlab_make(&lab);
}
static void teardown(void)
{
	testlab_remove(&lab);
}
TestSuite(g11, .init = setup, .fini = teardown);

/* A lab whose default profile is strict with G11 switched on or off. */
static void lab_with_g11(bool on)
{
	char dir[160], cmd[768];
	snprintf(dir, sizeof(dir), "%s/profiles", lab.dir);
	snprintf(
	    cmd, sizeof(cmd),
	    "mkdir -p %s && sed -e 's/name = \"strict\"/name = \"g11\"/' -e "
	    "'/fork_child_already_initialized/s/on = false/on = %s/' %s/strict.conf > %s/g11.conf",
	    dir, on ? "true" : "false", getenv("HSMLAB_PROFILE_DIR"), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	setenv("HSMLAB_PROFILE_DIR", dir, 1);
	FILE *f = fopen(lab.conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "lab_dir = \"%s\";\ndefault_profile = \"g11\";\n", lab.lab);
	fclose(f);
}

/* The child's three calls, as one exit code: C_Initialize, C_Finalize, C_Initialize. */
static int child_calls(const CK_FUNCTION_LIST_3_0 *top)
{
	/* No Criterion call in the child: it would talk on the parent's report socket. */
	pid_t pid = fork();
	if (pid == 0) {
		CK_RV first = top->C_Initialize(NULL);
		CK_RV fin = top->C_Finalize(NULL);
		CK_RV again = top->C_Initialize(NULL);
		top->C_Finalize(NULL);
		_exit(first == CKR_CRYPTOKI_ALREADY_INITIALIZED && fin == CKR_OK && again == CKR_OK
			  ? 11
		      : first == CKR_OK && fin == CKR_OK && again == CKR_OK ? 0
									    : 1);
	}
	cr_assert_neq(pid, -1);
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

Test(g11, child_is_told_already_initialized_until_it_finalizes)
{
	lab_with_g11(true);
	const CK_FUNCTION_LIST_3_0 *top = hl_p11_function_list_3_0();
	cr_assert_eq(top->C_Initialize(NULL), CKR_OK, "%s", hl_p11_last_error());
	cr_assert_eq(child_calls(top), 11);
	cr_assert_eq(top->C_Finalize(NULL), CKR_OK);
	cr_assert_eq(child_calls(top), 0, "a child of a finalized parent starts afresh");
}

Test(g11, off_the_child_starts_afresh)
{
	lab_with_g11(false);
	const CK_FUNCTION_LIST_3_0 *top = hl_p11_function_list_3_0();
	cr_assert_eq(top->C_Initialize(NULL), CKR_OK, "%s", hl_p11_last_error());
	cr_assert_eq(child_calls(top), 0);
	cr_assert_eq(top->C_Finalize(NULL), CKR_OK);
}
