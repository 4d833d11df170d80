/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of the replay's pieces that need no module: reading a trace, the shape of a recorded
 * result (what replay compares), the slot the client logged in on, the handle maps, and the
 * first-divergence report over a matrix. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsmlab/bench/matrix.h"
#include "replay_int.h"

static const char *const trace_lines[] = {
	"{\"n\":1,\"fn\":\"C_Initialize\",\"args\":{\"args\":false},\"rv\":0,\"out\":{}}",
	"{\"n\":2,\"fn\":\"C_GetSlotList\",\"args\":{\"token_present\":true,\"buf\":true,"
	"\"buf_len\":2},\"rv\":0,\"out\":{\"count\":2,\"slots\":[4,9]}}",
	"{\"n\":3,\"fn\":\"C_OpenSession\",\"args\":{\"slot\":4,\"flags\":4},\"rv\":0,"
	"\"out\":{\"session\":7}}",
	"{\"n\":4,\"fn\":\"C_OpenSession\",\"args\":{\"slot\":9,\"flags\":4},\"rv\":0,"
	"\"out\":{\"session\":8}}",
	"{\"n\":5,\"fn\":\"C_Login\",\"args\":{\"session\":8,\"user_type\":1,\"pin\":\"<redacted>"
	"\","
	"\"pin_len\":6},\"rv\":0,\"out\":{}}",
	"{\"n\":6,\"fn\":\"C_GetAttributeValue\",\"args\":{\"session\":8,\"object\":3,\"template\":"
	"[{\"type\":288,\"name\":\"CKA_MODULUS\",\"len\":0,\"buf\":false},{\"type\":258,\"name\":"
	"\"CKA_ID\",\"len\":0,\"buf\":false}]},\"rv\":0,\"out\":{\"template\":[{\"type\":288,"
	"\"len\":256,\"value\":null},{\"type\":258,\"len\":-1,\"value\":null}]}}",
	"{\"n\":7,\"fn\":\"C_Sign\",\"args\":{\"session\":8,\"data\":\"00\",\"buf\":false,"
	"\"buf_len\":0},\"rv\":0,\"out\":{\"len\":256}}",
	"{\"n\":8,\"fn\":\"C_FindObjects\",\"args\":{\"session\":8,\"max\":4},\"rv\":0,"
	"\"out\":{\"objects\":[3,5]}}",
	"{\"n\":9,\"fn\":\"C_GenerateRandom\",\"args\":{\"session\":8,\"len\":16},\"rv\":0,\"out\":"
	"{}}",
};
#define NLINES (sizeof trace_lines / sizeof trace_lines[0])

static hl_replay_trace_t *load_lines(const char *const *lines, size_t n, char *err, size_t errlen)
{
	char path[] = "/tmp/hsmlab-test-replay-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	hl_replay_trace_t *tr;

	cr_assert_not_null(f);
	fputs("# a comment line, and a blank one\n\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", lines[i]);
	fclose(f);
	tr = hl_replay_load(path, err, errlen);
	unlink(path);
	return tr;
}

Test(replay, reads_a_trace_and_names_a_bad_line)
{
	const char *bad[] = { trace_lines[0], "{\"n\":2,\"args\":{}}" };
	char err[256];
	hl_replay_trace_t *tr = load_lines(trace_lines, NLINES, err, sizeof err);

	cr_assert_not_null(tr, "%s", err);
	cr_assert_eq(hl_replay_count(tr), NLINES, "comments and blank lines are not calls");
	hl_replay_free(tr);
	cr_assert_null(load_lines(bad, 2, err, sizeof err));
	cr_assert(strstr(err, ":4: not a trace record (no \"fn\")") != NULL, "%s", err);
}

Test(replay, recorded_shapes)
{
	static const char *const want[] = {
		"CKR_OK",         "CKR_OK count=2",   "CKR_OK",
		"CKR_OK",         "CKR_OK",           "CKR_OK attrs=CKA_MODULUS:256,CKA_ID:-1",
		"CKR_OK len=256", "CKR_OK objects=2", "CKR_OK",
	};
	char err[256], shape[256], id[64], title[256];
	hl_replay_trace_t *tr = load_lines(trace_lines, NLINES, err, sizeof err);

	cr_assert_not_null(tr, "%s", err);
	for (size_t i = 0; i < NLINES; i++) {
		hl_replay_recorded_shape(tr->calls[i], shape, sizeof shape);
		cr_assert_str_eq(shape, want[i], "call %zu", i + 1);
	}
	hl_replay_row_id(tr->calls[5], 5, id, sizeof id);
	cr_assert_str_eq(id, "0006 C_GetAttributeValue");
	hl_replay_row_title(tr->calls[4], title, sizeof title);
	cr_assert_str_eq(title, "C_Login CKU_USER");
	hl_replay_row_title(tr->calls[3], title, sizeof title);
	cr_assert_str_eq(title, "C_OpenSession ro");
	hl_replay_free(tr);
}

Test(replay, the_token_is_the_slot_of_the_session_that_logged_in)
{
	char err[256];
	CK_SLOT_ID slot = 0;
	hl_replay_trace_t *tr = load_lines(trace_lines, NLINES, err, sizeof err);

	cr_assert_not_null(tr, "%s", err);
	cr_assert_eq(hl_replay_main_slot(tr, &slot), 1);
	cr_assert_eq(slot, 9, "session 8 was opened on slot 9, not on the first slot");
	hl_replay_free(tr);
}

Test(replay, maps_give_back_unmapped_values)
{
	hl_replay_map_t m = { 0 };

	hl_replay_map_set(&m, 7, 1001);
	hl_replay_map_set(&m, 8, 1002);
	hl_replay_map_set(&m, 7, 1003); /* a recorded handle reused after a close */
	cr_assert_eq(hl_replay_map_get(&m, 7), 1003);
	cr_assert_eq(hl_replay_map_get(&m, 8), 1002);
	cr_assert_eq(hl_replay_map_get(&m, 42), 42, "unmapped: the recorded value");
	cr_assert(hl_replay_map_has_to(&m, 1002));
	cr_assert_not(hl_replay_map_has_to(&m, 1001));
	hl_replay_map_clear(&m);
	cr_assert_eq(hl_replay_map_get(&m, 7), 7);
}

Test(replay, first_divergence_and_its_context)
{
	char err[256], *text = NULL;
	size_t len = 0;
	hl_replay_trace_t *tr = load_lines(trace_lines, NLINES, err, sizeof err);
	hl_matrix_t *m = hl_matrix_new("replay");
	hl_json_t *j;
	FILE *f;
	int col;

	cr_assert_not_null(tr, "%s", err);
	cr_assert_eq(hl_replay_matrix_init(tr, m), 0);
	col = hl_matrix_column(m, "one-slot");
	for (size_t r = 0; r < NLINES; r++)
		hl_matrix_set(m, (int)r, col,
			      r == 1 ? "CKR_OK count=1" : hl_matrix_cell(m, r, 0)->expected,
			      hl_matrix_cell(m, r, 0)->expected, NULL);
	cr_assert_eq(hl_replay_first_divergence(m, 0), -1, "the recording never diverges");
	cr_assert_eq(hl_replay_first_divergence(m, (size_t)col), 1);
	f = open_memstream(&text, &len);
	cr_assert_eq(hl_replay_write_divergences(m, 4, f, 1), 0);
	fclose(f);
	j = hl_json_parse(text, err, sizeof err);
	cr_assert_not_null(j, "%s: %s", err, text);
	{
		const hl_json_t *t = hl_json_get(j, "targets")->items[0];

		cr_assert_str_eq(hl_json_str(hl_json_get(t, "target")), "one-slot");
		cr_assert_str_eq(hl_json_str(hl_json_get(hl_json_get(t, "first"), "call")),
				 "0002 C_GetSlotList");
		cr_assert_str_eq(hl_json_str(hl_json_get(hl_json_get(t, "first"), "recorded")),
				 "CKR_OK count=2");
		cr_assert_eq(hl_json_get(t, "context")->n, 1, "only one call came before it");
		cr_assert_eq(hl_json_get(t, "later")->n, 0, "nothing diverged after it");
	}
	hl_json_free(j);
	free(text);
	hl_matrix_free(m);
	hl_replay_free(tr);
}
