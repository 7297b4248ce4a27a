/*
 * The event handler, smstools3's convention: `eventhandler EVENT FILE [ID]`
 * with EVENT one of SENT, FAILED, RECEIVED, REPORT and FILE the full path
 * of the spool file. Run without a shell, one at a time in arrival order,
 * each with a time limit; its exit status is logged. A queue of pending
 * runs keeps the loop free while a slow script works.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "log.h"
#include "util.h"

#define HOOKS_PENDING_MAX 1024  /* beyond this, runs are dropped with a log line */

struct hook_run {
	struct hook_run *next;
	char event[12];
	char path[512];
	char id[32];
};

struct hooks {
	struct gateway *gw;
	struct proc proc;
	struct hook_run *head, **tail, *running;
	unsigned pending;
};

static void hooks_next(struct hooks *h);

static void hook_done(struct proc *p, int status)
{
	struct hooks *h = container_of(p, struct hooks, proc);
	char how[64];

	proc_status_str(status, how, sizeof(how));
	if (status == 0)
		log_debug("eventhandler %s %s: %s", h->running->event, h->running->path, how);
	else
		log_warn("eventhandler %s %s: %s", h->running->event, h->running->path, how);
	free(h->running);
	h->running = NULL;
	hooks_next(h);
}

static void hooks_next(struct hooks *h)
{
	while (!h->running && h->head) {
		struct hook_run *r = h->head;
		char *argv[5] = { h->gw->cfg.gateway.eventhandler, r->event, r->path, r->id[0] ? r->id : NULL, NULL };
		int rc;

		h->head = r->next;
		if (!h->head)
			h->tail = &h->head;
		h->pending--;
		h->running = r;
		rc = proc_run(&h->proc, &h->gw->loop, argv, (int)h->gw->cfg.gateway.eventhandler_timeout * 1000, hook_done);
		if (rc < 0) {
			log_error("eventhandler %s cannot run: %s", h->gw->cfg.gateway.eventhandler, strerror(-rc));
			free(r);
			h->running = NULL;
		}
	}
}

struct hooks *hooks_new(struct gateway *gw)
{
	struct hooks *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->gw = gw;
	h->tail = &h->head;
	proc_init(&h->proc);
	return h;
}

void hooks_free(struct hooks *h)
{
	if (!h)
		return;
	if (proc_running(&h->proc))
		proc_cancel(&h->proc);
	free(h->running);
	while (h->head) {
		struct hook_run *r = h->head;

		h->head = r->next;
		free(r);
	}
	free(h);
}

void hooks_event(struct hooks *h, const char *event, const char *dir, const char *file, const char *id)
{
	struct hook_run *r;

	if (!h || !h->gw->cfg.gateway.eventhandler[0])
		return;
	if (h->pending >= HOOKS_PENDING_MAX) {
		log_error("eventhandler: %u runs waiting; %s %s dropped", h->pending, event, file);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	str_copy(r->event, sizeof(r->event), event);
	if ((size_t)snprintf(r->path, sizeof(r->path), "%s/%s/%s", h->gw->spool.path, dir, file) >= sizeof(r->path)) {
		log_error("eventhandler: path too long for %s", file);
		free(r);
		return;
	}
	if (id)
		str_copy(r->id, sizeof(r->id), id);
	*h->tail = r;
	h->tail = &r->next;
	h->pending++;
	hooks_next(h);
}

bool hooks_idle(const struct hooks *h)
{
	return !h || (!h->running && !h->head);
}
