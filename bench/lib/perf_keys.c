/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the benchmark's signing inputs. Its keys are generated with OpenSSL and put on
 * the token by hl_p11_import_pkey (common/), so module and raw OpenSSL sign with identical keys. */
#include <openssl/evp.h>
#include <string.h>

#include "perf_int.h"

const unsigned char hl_perf_msg[32] = "hsmlab benchmark: sign this.....";

static const unsigned char sha256_prefix[19] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
						 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
						 0x01, 0x05, 0x00, 0x04, 0x20 };

void hl_perf_digest_info(unsigned char out[51])
{
	memcpy(out, sha256_prefix, sizeof sha256_prefix);
	EVP_Digest(hl_perf_msg, sizeof hl_perf_msg, out + 19, NULL, EVP_sha256(), NULL);
}

void hl_perf_emsa_block(unsigned char out[256])
{
	out[0] = 0;
	out[1] = 1;
	memset(out + 2, 0xff, 256 - 51 - 3);
	out[256 - 51 - 1] = 0;
	hl_perf_digest_info(out + 256 - 51);
}
