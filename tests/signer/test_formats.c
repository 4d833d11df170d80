/* SPDX-License-Identifier: BSD-2-Clause
 * The formats: malformed KSR/SKR input is refused with a clear error (never a crash: this
 * program also runs under ASan/UBSan), times and durations, the PGP word list, config
 * errors naming file and line, and the write/read round trip of the SKR layout. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "helpers.h"
#include "hsmlab/config.h"
#include "hsmlab/dnssec.h"
#include "hsmlab/pgpwords.h"
#include "hsmlab/signer.h"

static char *slurp(const char *path, size_t *len)
{
	char *text = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "r");
	ssize_t n;

	cr_assert_not_null(f, "%s", path);
	n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	cr_assert_geq(n, 0);
	*len = (size_t)n;
	return text;
}

/* Parses text and expects a refusal by check `want`, or whose message contains `want`. */
static void refused(const char *text, size_t len, const char *want)
{
	hl_ksr_t *k = NULL;
	hl_err_t err = { { 0 }, { 0 } };

	cr_assert_neq(hl_ksr_parse(text, len, "input.xml", &k, &err), 0, "accepted: want %s", want);
	cr_assert_null(k);
	cr_assert(strcmp(err.check, want) == 0 || strstr(err.msg, want) != NULL,
		  "%s: message \"%s\" lacks \"%s\"", err.check, err.msg, want);
	cr_assert_not_null(strstr(err.msg, "input.xml"), "message does not name the file");
}

/* The 2018 KSR with the first `from` replaced by `to`. */
static void refused_edit(const char *from, const char *to, const char *want)
{
	char path[1024], *text, *at, *res = NULL;
	size_t len;
	int n;

	th_corpus_file("iana-kskm/ksr-root-2018-q1-0-d_to_e.xml", path, sizeof(path));
	text = slurp(path, &len);
	at = strstr(text, from);
	cr_assert_not_null(at, "%s", from);
	*at = '\0';
	n = asprintf(&res, "%s%s%s", text, to, at + strlen(from));
	cr_assert_geq(n, 0);
	refused(res, (size_t)n, want);
	free(text);
	free(res);
}

Test(malformed, truncated_xml)
{
	char path[1024], *text;
	size_t len;

	th_corpus_file("iana-kskm/ksr-root-2018-q1-0-d_to_e.xml", path, sizeof(path));
	text = slurp(path, &len);
	for (size_t cut = 0; cut < len; cut += len / 37 + 1)
		refused(text, cut, cut == 0 ? "not well-formed" : "");
	free(text);
}

Test(malformed, wrong_root)
{
	refused("<SKR id=\"1\" serial=\"0\" domain=\".\"/>", 36, "wrong root element");
	refused("<KSR xmlns=\"urn:x\" id=\"1\" serial=\"0\" domain=\".\"/>", 50, "wrong root");
}

Test(malformed, bad_base64)
{
	refused_edit("<PublicKey>AwEAA", "<PublicKey>Aw!EAA", "bad base64");
	refused_edit("<SignatureData>", "<SignatureData>=A", "bad base64");
}

Test(malformed, huge_file)
{
	size_t n = HL_KSR_MAX_FILE + 16;
	char *big = malloc(n);
	hl_err_t err = { { 0 }, { 0 } };
	hl_ksr_t *k = NULL;
	const char *dir = th_softhsm_dir();
	FILE *f;
	char path[512];

	cr_assert_not_null(big);
	memset(big, ' ', n);
	memcpy(big, "<KSR", 4);
	refused(big, n, "1 MiB");
	snprintf(path, sizeof(path), "%s/huge.xml", dir);
	f = fopen(path, "w");
	fwrite(big, 1, n, f);
	fclose(f);
	cr_assert_neq(hl_ksr_load(path, &k, &err), 0);
	cr_assert_not_null(strstr(err.msg, "1 MiB"), "%s", err.msg);
	free(big);
}

Test(malformed, duplicate_elements)
{
	refused_edit("<TTL>172800</TTL>", "<TTL>172800</TTL><TTL>1</TTL>", "duplicate element");
	refused_edit("</Expiration>", "</Expiration><Inception>2018-01-01T00:00:00</Inception>",
		     "duplicate element");
	refused_edit("<Request>", "<Request><RequestPolicy/>", "duplicate element");
}

Test(malformed, non_utc_times)
{
	refused_edit("<Inception>2018-01-01T00:00:00", "<Inception>2018-01-01T00:00:00+02:00",
		     "UTC");
	refused_edit("<SignatureInception>2017-10-06T", "<SignatureInception>2017-10-06 ", "UTC");
}

Test(malformed, entities_and_fields)
{
	static const char bomb[] = "<!DOCTYPE KSR [<!ENTITY a \"aaaaaaaaaa\">]>"
				   "<KSR id=\"&a;\" serial=\"0\" domain=\".\"/>";

	refused(bomb, sizeof(bomb) - 1, "DTD");
	refused_edit("<Flags>256</Flags>", "<Flags>255</Flags>", "LOAD-KEY-FIELDS");
	refused_edit("<Flags>256</Flags>", "<Flags>2x</Flags>", "not a number");
	refused_edit("<TTL>172800</TTL>", "<Bogus/>", "unknown element");
}

Test(malformed, random_byte_changes_never_crash)
{
	char path[1024], *text;
	size_t len;
	unsigned seed = 12345;
	hl_policy_cfg_t pc;

	/* a deterministic little fuzzer: each round changes a few bytes of a real KSR; the
	 * reader and every check must answer without crashing (ASan/UBSan build included) */
	hl_policy_cfg_defaults(&pc);
	th_corpus_file("iana-kskm/ksr-root-2018-q1-0-d_to_e.xml", path, sizeof(path));
	text = slurp(path, &len);
	for (int round = 0; round < 300; round++) {
		char *copy = malloc(len);
		hl_ksr_t *k = NULL;
		hl_err_t err = { { 0 }, { 0 } };
		cr_assert_not_null(copy);
		memcpy(copy, text, len);
		for (int i = 0; i < 1 + round % 4; i++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			copy[at] = "<>/=\" 0A9+&;x"[(seed >> 8) % 13];
		}
		if (hl_ksr_parse(copy, len, "fuzz.xml", &k, &err) == 0) {
			hl_check_ksr(k, &pc, 1510000000, &err);
			hl_ksr_free(k);
		} else {
			cr_assert(err.msg[0] != '\0', "a refusal without a message");
		}
		free(copy);
	}
	free(text);
}

Test(corpus, every_real_file_loads_and_every_skr_verifies)
{
	static const char *const files[] = {
		"ksr-root-2009-q4-2.xml",
		"ksr-root-2010-q1-0.xml",
		"ksr-root-2010-q2-0.xml",
		"ksr-root-2016-q3-0.xml",
		"ksr-root-2017-q2-0.xml",
		"ksr-root-2018-q1-0-d_to_e.xml",
		"ksr-root-2018-q1-0-d_to_e.bad.xml",
		"skr-root-2017-q1-0.xml",
		"skr-root-2017-q2-0.xml",
		"skr-root-2017-q3-0-c_to_d.xml",
		"skr-root-2018-q1-0-d_to_e.xml",
	};
	hl_policy_cfg_t pc;

	hl_policy_cfg_defaults(&pc);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[1024], rel[256];
		hl_ksr_t *k = NULL;
		hl_err_t err = { { 0 }, { 0 } };
		snprintf(rel, sizeof(rel), "iana-kskm/%s", files[i]);
		th_corpus_file(rel, path, sizeof(path));
		cr_assert_eq(hl_ksr_load(path, &k, &err), 0, "%s: %s", files[i], err.msg);
		if (k->is_response) {
			cr_assert_eq(hl_check_signatures(k, HL_CHK_SKR_SIG_VERIFY, &err), 0, "%s",
				     err.msg);
			/* signed by the real root KSKs: 19036 (KSK-2010) or 20326 (KSK-2017) */
			for (size_t b = 0; b < k->nbundles; b++)
				for (size_t s = 0; s < k->bundles[b].nsigs; s++)
					cr_assert(k->bundles[b].sigs[s].key_tag == 19036 ||
						  k->bundles[b].sigs[s].key_tag == 20326);
		}
		hl_ksr_free(k);
	}
}

Test(corpus, bad_ksr_refused_by_pop)
{
	char path[1024];
	hl_ksr_t *k = NULL;
	hl_err_t err = { { 0 }, { 0 } };
	hl_policy_cfg_t pc;

	hl_policy_cfg_defaults(&pc);
	pc.enabled[HL_CHK_KSR_POLICY_SIG_HORIZON] = 0;
	th_corpus_file("iana-kskm/ksr-root-2018-q1-0-d_to_e.bad.xml", path, sizeof(path));
	cr_assert_eq(hl_ksr_load(path, &k, &err), 0);
	cr_assert_neq(hl_check_ksr(k, &pc, 0, &err), 0);
	cr_assert_str_eq(err.check, "KSR-BUNDLE-POP", "%s", err.msg);
	hl_ksr_free(k);
	/* the good twin passes every KSR check with today's root defaults */
	th_corpus_file("iana-kskm/ksr-root-2018-q1-0-d_to_e.xml", path, sizeof(path));
	cr_assert_eq(hl_ksr_load(path, &k, &err), 0);
	cr_assert_eq(hl_check_ksr(k, &pc, 0, &err), 0, "%s", err.msg);
	hl_ksr_free(k);
}

static hl_ksr_t *corpus(const char *rel)
{
	char path[1024];
	hl_ksr_t *k = NULL;
	hl_err_t err = { { 0 }, { 0 } };

	th_corpus_file(rel, path, sizeof(path));
	cr_assert_eq(hl_ksr_load(path, &k, &err), 0, "%s", err.msg);
	return k;
}

Test(corpus, chains_of_real_pairs)
{
	hl_ksr_t *q1 = corpus("iana-kskm/skr-root-2017-q1-0.xml");
	hl_ksr_t *q2 = corpus("iana-kskm/skr-root-2017-q2-0.xml");
	hl_ksr_t *ksr = corpus("iana-kskm/ksr-root-2017-q2-0.xml");
	hl_ksr_t *q3 = corpus("iana-kskm/skr-root-2017-q3-0-c_to_d.xml");
	hl_ksr_t *e = corpus("iana-kskm/skr-root-2018-q1-0-d_to_e.xml");
	hl_policy_cfg_t pc;
	hl_err_t err = { { 0 }, { 0 } };

	hl_policy_cfg_defaults(&pc);
	cr_assert_eq(hl_check_previous(q1, &pc, &err), 0, "%s", err.msg);
	cr_assert_eq(hl_check_chain(ksr, q1, &pc, &err), 0, "%s", err.msg);
	cr_assert_eq(hl_check_chain(q2, q1, &pc, &err), 0, "%s", err.msg);
	cr_assert_eq(hl_check_after(q2, q1, &pc, &err), 0, "%s", err.msg);
	/* the Q4 2017 SKR is missing: 2018-q1 does not chain to 2017-q3 */
	cr_assert_neq(hl_check_chain(e, q3, &pc, &err), 0);
	cr_assert_str_eq(err.check, "KSR-CHAIN-KEYS");
	hl_ksr_free(q1);
	hl_ksr_free(q2);
	hl_ksr_free(ksr);
	hl_ksr_free(q3);
	hl_ksr_free(e);
}

Test(corpus, skr_write_read_round_trip_keeps_every_field)
{
	hl_ksr_t *a = corpus("iana-kskm/skr-root-2018-q1-0-d_to_e.xml"), *b = NULL;
	hl_err_t err = { { 0 }, { 0 } };
	char path[512], *text;
	size_t len;

	snprintf(path, sizeof(path), "%s/rt.xml", th_softhsm_dir());
	cr_assert_eq(hl_ksr_write(a, path, &err), 0, "%s", err.msg);
	text = slurp(path, &len);
	cr_assert(strncmp(text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<KSR ", 44) == 0);
	cr_assert_not_null(strstr(text, "<PublishSafety>PT0S</PublishSafety>"));
	cr_assert_not_null(strstr(text, "<Inception>2018-01-01T00:00:00+00:00</Inception>"));
	free(text);
	b = corpus("iana-kskm/skr-root-2018-q1-0-d_to_e.xml");
	hl_ksr_free(b);
	cr_assert_eq(hl_ksr_load(path, &b, &err), 0, "%s", err.msg);
	cr_assert_eq(hl_check_signatures(b, HL_CHK_SKR_SIG_VERIFY, &err), 0, "%s", err.msg);
	cr_assert_eq(memcmp(&a->ksk_policy, &b->ksk_policy, sizeof(a->ksk_policy)), 0);
	cr_assert_eq(a->nbundles, b->nbundles);
	hl_ksr_free(a);
	hl_ksr_free(b);
}

Test(units, times_and_durations)
{
	time_t t;
	long d;
	char buf[64];

	cr_assert_eq(hl_time_parse("2018-01-01T00:00:00", &t), 0);
	cr_assert_eq(t, 1514764800);
	cr_assert_eq(hl_time_parse("2018-01-01T00:00:00+00:00", &t), 0);
	cr_assert_neq(hl_time_parse("2018-01-01T00:00:00-05:00", &t), 0);
	cr_assert_neq(hl_time_parse("2018-13-01T00:00:00", &t), 0);
	cr_assert_neq(hl_time_parse("2018-02-30T00:00:00", &t), 0, "a day that does not exist");
	cr_assert_neq(hl_time_parse(" 2018-01-01T00:00:0", &t), 0);
	/* Found by fuzz/ksr.c: the writer printed year 17 back, which the reader refused. */
	cr_assert_neq(hl_time_parse("0017-08-01T00:00:00", &t), 0, "a year before 1970");
	cr_assert_neq(hl_time_parse("2018-+1-01T00:00:00", &t), 0, "a sign in a field");
	cr_assert_neq(hl_time_parse("2018-01- 1T00:00:00", &t), 0, "a blank in a field");
	hl_time_format(1514764800, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2018-01-01T00:00:00+00:00");
	cr_assert_eq(hl_duration_parse("P14DT23H59M59S", &d), 0);
	cr_assert_eq(d, 14 * 86400 + 86399);
	cr_assert_neq(hl_duration_parse("P1M", &d), 0, "months have no fixed length");
	cr_assert_neq(hl_duration_parse("P", &d), 0);
	hl_duration_format(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "PT0S");
	hl_duration_format(28 * 86400, buf, sizeof(buf));
	cr_assert_str_eq(buf, "P28D");
}

Test(units, pgp_words)
{
	/* the example in the PGP word list's own description */
	static const unsigned char fp[] = { 0xE5, 0x82, 0x94, 0xF2, 0xE9, 0xA2, 0x27, 0x48 };
	char out[256];

	cr_assert_eq(hl_pgpwords(fp, sizeof(fp), out, sizeof(out)), 0);
	cr_assert_str_eq(out,
			 "topmost Istanbul Pluto vagabond treadmill Pacific brackish dictator");
	cr_assert_str_eq(hl_pgpword(0x00, 0), "aardvark");
	cr_assert_str_eq(hl_pgpword(0xff, 1), "Yucatan");
	cr_assert_neq(hl_pgpwords(fp, sizeof(fp), out, 10), 0);
}

Test(units, key_tags_and_ds)
{
	hl_anchor_t a;
	char line[] = ". IN DS 20326 8 2 "
		      "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D";
	hl_ksr_t *k = corpus("iana-kskm/skr-root-2018-q1-0-d_to_e.xml");
	const hl_key_t *ksk = hl_bundle_find_key(&k->bundles[0], "Klajeyz");

	cr_assert_not_null(ksk);
	cr_assert_eq(hl_dns_keytag(ksk, 257), 20326);
	cr_assert_eq(hl_dns_keytag(ksk, 385), 20454, "revoked KSK-2017 has tag 20454");
	cr_assert_eq(hl_dns_parse_anchor(line, &a), 2);
	cr_assert(hl_anchor_match(&a, ksk));
	cr_assert_not(hl_anchor_match(&a, hl_bundle_find_key(&k->bundles[0], "Kjqmt7v")));
	hl_ksr_free(k);
}

/* The trust-anchor check of the 2024-2027 replay (issue 16): the lab's KSK-2024 is a stand-in,
 * but the real one's public key is public, so hsmlab's key tag and DS over it must give what
 * IANA publishes in root-anchors.xml (KeyTag 38696, Algorithm 8, DigestType 2, the Digest
 * below), and KSK-2017's likewise (20326). */
Test(corpus, ksk_2024_key_tag_and_ds)
{
	static const struct {
		unsigned tag;
		const char *digest;
	} published[] = {
		{ 20326, "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D" },
		{ 38696, "683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16" },
	};
	char path[512], line[2048], hex[65];
	unsigned char ds[32];
	size_t seen = 0;
	FILE *f = fopen(th_corpus_file("iana-root/root.key", path, sizeof(path)), "r");

	cr_assert_not_null(f, "%s missing: the corpus ships in fixtures/corpus", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		hl_anchor_t a;
		int rc = hl_dns_parse_anchor(line, &a);

		cr_assert_geq(rc, 0, "%s: unreadable line: %s", path, line);
		if (rc != 1)
			continue;
		cr_assert_eq(a.key.flags, 257);
		cr_assert_eq(a.key.alg, 8);
		cr_assert_eq(hl_dns_ds_sha256(&a.key, ds), 0);
		hl_hex(ds, sizeof(ds), hex);
		cr_assert_lt(seen, 2, "%s: more keys than the two published", path);
		cr_assert_eq(hl_dns_keytag(&a.key, 257), published[seen].tag);
		cr_assert_str_eq(hex, published[seen].digest, "the DS of key tag %u",
				 published[seen].tag);
		hl_key_clear(&a.key);
		seen++;
	}
	fclose(f);
	cr_assert_eq(seen, 2, "%s: want KSK-2017 and KSK-2024", path);
}

Test(config, errors_name_file_line_and_setting)
{
	hl_config_t *cfg = calloc(1, sizeof(*cfg));
	hl_err_t err = { { 0 }, { 0 } };

	cr_assert_neq(
	    hl_config_parse("ksks = ( { label = \"K\"; algorithm = 5; } );\n", "t.conf", cfg, &err),
	    0);
	cr_assert_not_null(strstr(err.msg, "t.conf:1"), "%s", err.msg);
	cr_assert_neq(hl_config_parse("\npolicy = { KSR-NO-SUCH-CHECK = { enabled = false; }; };",
				      "t.conf", cfg, &err),
		      0);
	cr_assert_not_null(strstr(err.msg, "t.conf:2: KSR-NO-SUCH-CHECK"), "%s", err.msg);
	cr_assert_neq(hl_config_parse("modules = ( { name = \"m\"; } );", "t.conf", cfg, &err), 0);
	cr_assert_not_null(strstr(err.msg, "library"), "%s", err.msg);
	cr_assert_neq(hl_config_parse("policy = { SKR-SIG-VERIFY = { enabled = false; }; };",
				      "t.conf", cfg, &err),
		      0);
	cr_assert_not_null(strstr(err.msg, "cannot be switched off"), "%s", err.msg);
	cr_assert_neq(hl_config_parse("ksks = ( { label = \"A\"; }, { label = \"A\"; } );",
				      "t.conf", cfg, &err),
		      0);
	cr_assert_not_null(strstr(err.msg, "same label"), "%s", err.msg);
	cr_assert_neq(hl_config_parse("policy = { ", "t.conf", cfg, &err), 0);
	cr_assert_not_null(strstr(err.msg, "t.conf:1"), "%s", err.msg);
	cr_assert_eq(hl_config_parse("ksks = ( { label = \"A\"; }, { label = \"B\"; } );\n"
				     "roles = { current = \"A\"; next = \"B\"; };\n"
				     "policy = { KSR-POLICY-SIG-HORIZON = { days = 90; }; };",
				     "t.conf", cfg, &err),
		     0, "%s", err.msg);
	cr_assert_eq(cfg->policy.horizon, 90 * 86400L);
	cr_assert_not_null(hl_config_schema(cfg, "rollover"));
	cr_assert_eq(hl_config_schema(cfg, "revoke")->slots[1].revoke, 1u);
	free(cfg);
}

Test(corpus, trust_and_coverage_with_todays_anchors)
{
	char skr[1024], anchor[512];
	const char *dir = th_softhsm_dir();
	hl_err_t err = { { 0 }, { 0 } };
	hl_verify_opts_t o = { .path = skr, .nanchors = 1, .out = stdout };
	FILE *f;

	/* ci/install-deps.sh installs it: missing fails (a skip would read as a pass). */
	cr_assert_eq(access("/usr/share/dns/root.ds", R_OK), 0,
		     "/usr/share/dns/root.ds missing: install dns-root-data");
	th_corpus_file("iana-kskm/skr-root-2018-q1-0-d_to_e.xml", skr, sizeof(skr));
	/* with today's anchors (20326, 38696), slot 1 (signed by 19036 only) is a gap */
	o.anchors[0] = "/usr/share/dns/root.ds";
	cr_assert_eq(hl_time_parse("2018-01-01T00:00:00", &o.from), 0);
	cr_assert_eq(hl_time_parse("2018-03-31T23:59:59", &o.to), 0);
	cr_assert_neq(hl_verify_run(&o, &err), 0);
	cr_assert_str_eq(err.check, "SKR-COVERAGE");
	cr_assert_not_null(strstr(err.msg, "first gap: 2018-01-01T00:00:00+00:00 .. "
					   "2018-01-11T00:00:00+00:00"),
			   "%s", err.msg);
	cr_assert_eq(hl_time_parse("2018-01-11T00:00:00", &o.from), 0);
	cr_assert_eq(hl_verify_run(&o, &err), 0, "%s", err.msg);
	/* an anchor not yet valid at the bundles' time does not count */
	snprintf(anchor, sizeof(anchor), "%s/late.ds", dir);
	f = fopen(anchor, "w");
	fputs(". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D "
	      "; valid-from=2019-01-01T00:00:00\n",
	      f);
	fclose(f);
	o.anchors[0] = anchor;
	cr_assert_neq(hl_verify_run(&o, &err), 0);
	cr_assert_str_eq(err.check, "SKR-COVERAGE", "%s", err.msg);
	o.from = o.to = 0;
	cr_assert_neq(hl_verify_run(&o, &err), 0);
	cr_assert_str_eq(err.check, "SKR-TRUST", "%s", err.msg);
}

Test(corpus, skr_verify_refuses_zsk_signatures)
{
	hl_ksr_t *k = corpus("iana-kskm/ksr-root-2018-q1-0-d_to_e.xml");
	hl_err_t err = { { 0 }, { 0 } };
	char path[512];
	hl_verify_opts_t o = { .path = path, .out = stdout };

	/* the KSR's self-signatures dressed up as an SKR: valid signatures, but by ZSKs */
	k->is_response = 1;
	snprintf(path, sizeof(path), "%s/zsk-signed.xml", th_softhsm_dir());
	cr_assert_eq(hl_ksr_write(k, path, &err), 0, "%s", err.msg);
	cr_assert_neq(hl_verify_run(&o, &err), 0);
	cr_assert_str_eq(err.check, "SKR-SIG-VERIFY", "%s", err.msg);
	cr_assert_not_null(strstr(err.msg, "not a KSK"), "%s", err.msg);
	hl_ksr_free(k);
}

/* A real KSR at its own ceremony date passes every check that needs no HSM: the first
 * refusal is the config's missing HSM side (it names the root KSK but no module). */
static void real_ceremony(const char *ksr_rel, const char *prev_rel, const char *when,
			  const char *want)
{
	char ksr[1024], prev[1024];
	hl_config_t *cfg = calloc(1, sizeof(*cfg));
	hl_err_t err = { { 0 }, { 0 } };
	hl_sign_opts_t o = {
		.ksr_path = ksr, .prev_path = prev, .force = 1, .in = stdin, .out = stdout
	};

	th_corpus_file(ksr_rel, ksr, sizeof(ksr));
	th_corpus_file(prev_rel, prev, sizeof(prev));
	cr_assert_eq(hl_time_parse(when, &o.now), 0);
	cr_assert_eq(hl_config_parse("ksks = ( { label = \"Kjqmt7v\"; key_tag = 19036; } );",
				     "root.conf", cfg, &err),
		     0, "%s", err.msg);
	cr_assert_neq(hl_signer_run(cfg, &o, &err), 0);
	cr_assert_str_eq(err.check, want, "%s", err.msg);
	free(cfg);
}

Test(corpus, real_2017_q2_passes_every_check_before_the_hsm)
{
	real_ceremony("iana-kskm/ksr-root-2017-q2-0.xml", "iana-kskm/skr-root-2017-q1-0.xml",
		      "2017-02-02T12:00:00", "CONFIG");
}

Test(corpus, real_2018_q1_does_not_chain_to_2017_q3)
{
	real_ceremony("iana-kskm/ksr-root-2018-q1-0-d_to_e.xml",
		      "iana-kskm/skr-root-2017-q3-0-c_to_d.xml", "2017-11-02T12:00:00",
		      "KSR-CHAIN-KEYS");
}
