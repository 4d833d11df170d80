/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: the ceremony record (see log.h). Every line is flushed at once, so a record
 * cut short by a crash or a pulled plug still holds everything up to that point. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/evp.h>

#include "hsmlab/dnssec.h"
#include "hsmlab/log.h"
#include "hsmlab/pgpwords.h"

int hl_log_open(hl_log_t *l, const char *path, int use_syslog, hl_err_t *err)
{
	memset(l, 0, sizeof(*l));
	if (path != NULL && (l->f = fopen(path, "a")) == NULL) {
		hl_err_set(err, "IO", "%s: cannot open the log for appending", path);
		return -1;
	}
	l->use_syslog = use_syslog;
	if (use_syslog)
		openlog("ksr-signer", LOG_PID, LOG_USER);
	return 0;
}

void hl_log_close(hl_log_t *l)
{
	if (l->f != NULL)
		fclose(l->f);
	if (l->use_syslog)
		closelog();
	memset(l, 0, sizeof(*l));
}

void hl_log(hl_log_t *l, const char *fmt, ...)
{
	char msg[1200], when[40];
	va_list ap;

	if (l == NULL || (l->f == NULL && !l->use_syslog))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hl_time_format(time(NULL), when, sizeof(when));
	if (l->f != NULL) {
		fprintf(l->f, "%s %s\n", when, msg);
		fflush(l->f);
	}
	if (l->use_syslog)
		syslog(LOG_NOTICE, "%s", msg);
}

void hl_log_hash(hl_log_t *l, const char *what, const char *path, const unsigned char h[32])
{
	char hex[65], words[32 * 13];

	hl_hex(h, 32, hex);
	if (hl_pgpwords(h, 32, words, sizeof(words)) != 0)
		words[0] = '\0';
	hl_log(l, "%s %s SHA-256 %s (PGP words: %s)", what, path, hex, words);
}

int hl_file_sha256(const char *path, unsigned char out[32])
{
	FILE *f = fopen(path, "rb");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char buf[8192];
	size_t n;
	int rc = -1;

	if (f != NULL && ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			EVP_DigestUpdate(ctx, buf, n);
		if (!ferror(f) && EVP_DigestFinal_ex(ctx, out, NULL) == 1)
			rc = 0;
	}
	EVP_MD_CTX_free(ctx);
	if (f != NULL)
		fclose(f);
	return rc;
}
