/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-admin: the help text. One source: `--help` prints it whole, `COMMAND --help` the
 * lines of the commands that start with COMMAND's words, and the man page hsmlab-admin(1) is
 * made from `--help` by help2man (emulator/admin/CMakeLists.txt). */
#include <string.h>

#include "admin.h"

static const char generic_usage[] =
    "Usage: hsmlab-admin [OPTIONS] COMMAND [ARGS]\n"
    "       hsmlab-admin COMMAND --help\n"
    "\n"
    "Commands:\n"
    "  lab create DIR              create a lab directory (0700) and its secret\n"
    "  lab show                    the lab, config file and profile directory in use\n"
    "  device create [PROFILE]     add a factory-state device (default profile)\n"
    "  device list                 list the lab's devices (one line each)\n"
    "  device show DEVICE          show one device (DEVICE: slot id or serial)\n"
    "  object list DEVICE          list the token objects of a device\n"
    "  token init DEVICE LABEL     initialize the token (the SO PIN; the user PIN too when\n"
    "                              given); re-initializing a token asks first\n"
    "  key delete DEVICE LABEL     delete the key pair LABEL (the user PIN; asks first)\n"
    "Vendor modules (--family keyper|luna) also offer:\n"
    "  audit export DEVICE FILE    write the device's audit log to FILE\n"
    "  audit verify DEVICE FILE    verify an export (exit 1 and the problems if not); warns\n"
    "                              when the device time runs backwards between records\n"
    "  audit show FILE             print an export decoded, one aligned row per record\n"
    "                              (no module needed)\n"
    "  clock show DEVICE           device time, its offset and the family's warning\n"
    "  clock set DEVICE TIME       set the device clock (YYYY-MM-DDTHH:MM:SSZ or now)\n"
    "  domain create DEVICE OWNER DIR M N\n"
    "                              new SMK / cloning domain, split M of N over cards\n"
    "                              in DIR (the card PIN)\n"
    "  domain load DEVICE OWNER CARD...\n"
    "                              set the device's domain up from its cards\n"
    "  key backup DEVICE LABEL FILE  write the private key LABEL as a backup blob (the\n"
    "                              Crypto Officer's PIN: --pin; a Keyper must be activated\n"
    "                              by its operator quorum)\n"
    "  key restore DEVICE FILE     restore a backup blob onto the device (the same\n"
    "                              credentials on the target)\n"
    "  key clone SRC LABEL DST     clone the private key LABEL from device SRC onto\n"
    "                              DST (same vendor and domain; the Crypto Officer\n"
    "                              PIN from --pin, the target's from --dst-pin)\n";

static const char options_usage[] =
    "\n"
    "Options:\n"
    "  -m, --module PATH   module to load (default: $HSMLAB_MODULE, the built or\n"
    "                      installed libhsmlab.so)\n"
    "  -f, --family NAME   the vendor module libhsmlab-NAME.so beside that one\n"
    "  -c, --conf FILE     lab config file (sets HSMLAB_CONF)\n"
    "      --so-pin PIN    SO PIN / HSM SO or acting role's password ($HSMLAB_SO_PIN)\n"
    "      --pin PIN       user PIN / Crypto Officer ($HSMLAB_PIN)\n"
    "      --card-pin PIN  PIN of the cards and iKeys made or read ($HSMLAB_CARD_PIN)\n"
    "      --dst-pin PIN   the target's Crypto Officer PIN for key clone\n"
    "                      ($HSMLAB_DST_PIN; default: --pin)\n"
    "      --secrets-fd FD read credentials from file descriptor FD, one NAME=VALUE a\n"
    "                      line: so-pin=, pin=, card-pin=, dst-pin=\n"
    "      --cards DIR     where a vendor's setup writes or reads its card files\n"
    "  -y, --yes           run destructive commands (zeroize, tamper, re-init,\n"
    "                      recover, key delete) without asking\n"
    "  -h, --help          this help (after a command: that command's help)\n"
    "  -V, --version       version\n"
    "\n"
    "Credentials: a PIN or password not given is asked at the terminal without echo.\n"
    "PIN options show in the process list: scripts should use the environment variables\n"
    "or --secrets-fd instead. Without a terminal, a missing credential or confirmation is\n"
    "an error (nothing is done).\n"
    "\n"
    "Errors: one line on stderr, \"hsmlab-admin: COMMAND: device SERIAL (slot N): CAUSE\"\n"
    "(the module's own messages are silenced: HSMLAB_QUIET=1).\n"
    "\n"
    "Exit codes: 0 success, 1 operation failed, 2 usage error, 3 module not usable.\n";

void hl_admin_usage(FILE *f)
{
	fputs(generic_usage, f);
	fputs(hl_admin_keyper_usage, f);
	fputs(hl_admin_luna_usage, f);
	fputs(options_usage, f);
}

/* Counts (and when print, prints) the entries of text whose command starts with the words. */
static int print_matching(const char *text, const char *words, bool print)
{
	int found = 0;
	bool in = false;
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		bool entry = len > 2 && l[0] == ' ' && l[1] == ' ' && l[2] != ' ' && l[2] != '(';
		if (entry) {
			size_t w = strlen(words);
			in = len >= w + 2 && !strncmp(l + 2, words, w) &&
			     (l[2 + w] == ' ' || l[2 + w] == '\n' || 2 + w == len);
			found += in;
		}
		if (print && in && (entry || (len > 6 && !strncmp(l, "      ", 6))))
			printf("%.*s\n", (int)len, l);
		else if (!entry)
			in = false;
		l += len + (nl ? 1 : 0);
	}
	return found;
}

static int matching(const char *words, bool print)
{
	return print_matching(generic_usage, words, print) +
	       print_matching(hl_admin_keyper_usage, words, print) +
	       print_matching(hl_admin_luna_usage, words, print);
}

/* The help of the longest run of leading words (up to 3) that names commands. */
int hl_admin_command_help(int argc, char **argv)
{
	char words[256] = "";
	int k = 0;
	while (k < argc && k < 3 && argv[k][0] != '-')
		k++;
	for (; k > 0; k--) {
		words[0] = 0;
		for (int i = 0; i < k; i++)
			snprintf(words + strlen(words), sizeof(words) - strlen(words), "%s%s",
				 i ? " " : "", argv[i]);
		if (matching(words, false))
			break;
	}
	if (!k) {
		fprintf(stderr, "hsmlab-admin: no command \"%s\" (see hsmlab-admin --help)\n",
			argc ? argv[0] : "");
		return EX_USAGE;
	}
	printf("Usage: hsmlab-admin [OPTIONS] %s ...\n\n", words);
	matching(words, true);
	printf("\nOptions, credentials and exit codes: hsmlab-admin --help, hsmlab-admin(1).\n");
	return EX_OK;
}
