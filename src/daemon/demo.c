#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo.h"
#include "util.h"

extern char **environ;

/* The simulator: $SMSGATE_MODEMSIM, beside smsgated, in the build tree,
 * or on PATH. */
static int find_sim(const char *argv0, char *out, size_t outlen)
{
	const char *env = getenv("SMSGATE_MODEMSIM");
	char self[PATH_MAX], *slash;
	static const char *const rel[] = { "smsgate-modemsim", "../../tools/modemsim/smsgate-modemsim" };

	if (env && access(env, X_OK) == 0)
		return str_copy(out, outlen, env);
	if (realpath(argv0, self)) {
		slash = strrchr(self, '/');
		if (slash) {
			slash[1] = '\0';
			for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
				if ((size_t)snprintf(out, outlen, "%s%s", self, rel[i]) < outlen && access(out, X_OK) == 0)
					return 0;
			}
		}
	}
	return str_copy(out, outlen, "smsgate-modemsim"); /* posix_spawnp searches PATH */
}

int demo_prepare(struct demo *d, const char *argv0, char *err, size_t errlen)
{
	char sim[PATH_MAX], link[300], ctl[300], log[300], fdarg[16], line[256];
	char *argv[] = { sim, "--link", link, "--ctl", ctl, "--log", log, "--ready-fd", fdarg, "--send-delay-ms",
			 "500", "--report-delay-ms", "1500", NULL };
	struct pollfd pfd;
	FILE *f;
	int pipefd[2], rc;
	ssize_t n;

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "%s/smsgate-demo-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(d->dir)) {
		snprintf(err, errlen, "%s: %s", d->dir, strerror(errno));
		return -errno;
	}
	snprintf(link, sizeof(link), "%s/modem", d->dir);
	snprintf(ctl, sizeof(ctl), "%s/modem.ctl", d->dir);
	snprintf(log, sizeof(log), "%s/modem.log", d->dir);
	snprintf(d->config_path, sizeof(d->config_path), "%s/smsgate.conf", d->dir);
	find_sim(argv0, sim, sizeof(sim));
	if (pipe(pipefd) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	snprintf(fdarg, sizeof(fdarg), "%d", pipefd[1]);
	rc = posix_spawnp(&d->sim, sim, NULL, NULL, argv, environ);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		snprintf(err, errlen, "cannot start %s: %s (build it, or set SMSGATE_MODEMSIM)", sim, strerror(rc));
		return -rc;
	}
	/* Before the loop exists, a blocking wait for the simulator is fine. */
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	n = poll(&pfd, 1, 10000) == 1 ? read(pipefd[0], line, sizeof(line) - 1) : -1;
	close(pipefd[0]);
	if (n <= 0) {
		snprintf(err, errlen, "%s did not start", sim);
		demo_finish(d);
		return -EIO;
	}
	f = fopen(d->config_path, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", d->config_path, strerror(errno));
		demo_finish(d);
		return -EIO;
	}
	fprintf(f,
		"; written by smsgated --demo\n"
		"[gateway]\nspool = %s/spool\nlog_level = info\n\n"
		"[http]\nlisten = 127.0.0.1:8080\n\n"
		"[modem demo]\ndevice = %s\nbaud = 115200\npoll_interval = 10\n",
		d->dir, link);
	fclose(f);
	return 0;
}

void demo_announce(const struct demo *d)
{
	printf("\nsmsgated demo: a simulated modem on %s/modem, spool %s/spool, HTTP on 127.0.0.1:8080\n"
	       "Send a message (in another terminal):\n"
	       "  curl -G -s \"http://127.0.0.1:8080/cgi-bin/sms\" --data-urlencode \"phone=+491701234567\" "
	       "--data-urlencode \"message=Hello from smsgate\"\n"
	       "  curl -s http://127.0.0.1:8080/api/v1/messages -H 'Content-Type: application/json' "
	       "-d '{\"to\": \"+491701234567\", \"text\": \"Server down 😱\", \"report\": true}'\n"
	       "  curl -s http://127.0.0.1:8080/api/v1/status\n"
	       "  smsgate send -c %s +491701234567 \"Hello from smsgate\"\n"
	       "or drop a file as with smstools3:\n"
	       "  printf 'To: 491701234567\\n\\nServer down\\n' > %s/spool/outgoing/alarm1\n"
	       "What the modem received: %s/modem.log; what was sent: %s/spool/sent/\n"
	       "Ctrl-C stops.\n\n",
	       d->dir, d->dir, d->config_path, d->dir, d->dir, d->dir);
	fflush(stdout);
}

void demo_finish(struct demo *d)
{
	if (d->sim > 0) {
		kill(d->sim, SIGTERM);
		waitpid(d->sim, NULL, 0);
		d->sim = 0;
	}
}
