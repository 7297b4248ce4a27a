/*
 * The MQTT pool's private header (docs/mqtt.md), shared by its parts:
 *   pool.c           the connection, the retained status, events
 *   pool_intake.c    PREFIX/send into the spool, acknowledged after the commit
 *   pool_takeover.c  peers' statuses, and draining a dead peer's session
 *   pool_forward.c   [mqtt] forward: our accepted messages published to the pool
 */
#ifndef SMSGATE_DAEMON_POOL_H
#define SMSGATE_DAEMON_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "gateway.h"
#include "mqtt_client.h"
#include "outbox.h"
#include "request.h"

#define POOL_TOPIC_SIZE (CONFIG_MQTT_TOPIC_SIZE + 2 * CONFIG_MQTT_NAME_SIZE + 32)
#define POOL_PEERS_MAX 64               /* other gateways of the pool we keep track of */
/* A taken-over session is finished when this long passes without a message. */
#define POOL_TAKEOVER_QUIET_MS 2000
/* Between the survivors' turns: the first in name order goes first, the
 * next this much later (it finds the session drained, or takes what is left). */
#define POOL_TAKEOVER_STAGGER_MS 5000

/* A received message whose files are staged: acknowledged after the commit,
 * on the connection it came on. */
struct pool_pending {
	struct mqtt_client *client;
	uint32_t ack;
	char ids[REQ_RECIPIENTS_MAX][SPOOL_ID_LEN + 1];
	unsigned nids;
};

/* A message from PREFIX/send not taken yet: this gateway has prefetch
 * messages waiting for its modems already. Unacknowledged, so it is still
 * the broker's: were we to die, it goes to the survivors (takeover). */
struct pool_held {
	struct pool_held *next;
	uint32_t ack;
	size_t len;
	uint8_t payload[];
};

/* Another gateway, as its retained status says. */
struct pool_peer {
	char gateway[CONFIG_MQTT_NAME_SIZE];
	char client_id[CONFIG_MQTT_NAME_SIZE];  /* "" : its status did not say (an older smsgated) */
	bool online, can_send;
	bool same_group;
	bool handled;                   /* this offline spell was taken over already */
	int64_t offline_since;          /* loop_now() ms */
};

/* A dead peer's session, opened under its client id and drained into our spool. */
struct pool_takeover {
	struct mqtt_client *client;     /* NULL: none running */
	char gateway[CONFIG_MQTT_NAME_SIZE];
	char client_id[CONFIG_MQTT_NAME_SIZE];
	uint64_t taken;                 /* messages stored from it */
	bool up;
	struct loop_timer timer;        /* quiet: done; or 0 ms after the connection ended */
};

struct pool {
	struct gateway *gw;
	struct mqtt_client *client;
	char send_topic[POOL_TOPIC_SIZE];       /* PREFIX/send */
	char filter[POOL_TOPIC_SIZE];           /* $share/GROUP/PREFIX/send */
	char status_filter[POOL_TOPIC_SIZE];    /* PREFIX/+/status */
	char base[POOL_TOPIC_SIZE];             /* PREFIX/GATEWAY/ */
	char client_id[CONFIG_MQTT_NAME_SIZE], gateway[CONFIG_MQTT_NAME_SIZE];
	char *status_sent;                      /* the last status published on this connection */
	bool up, subscribed;
	bool could_send;                        /* pool_can_send() at the last gw_pool_update */

	struct outbox events;
	bool event_inflight;

	struct spool_batch batch;
	struct pool_pending *pending;
	size_t npending, cap;
	struct loop_timer commit_timer;
	struct pool_held *held, **held_tail;    /* FIFO: PUBACKs go out in the order of the PUBLISHes */
	size_t nheld;

	struct pool_peer peers[POOL_PEERS_MAX];
	unsigned npeers;
	struct pool_takeover takeover;
	struct loop_timer takeover_timer;       /* the next peer whose turn comes */

	uint64_t received, rejected, duplicates, takeovers, taken_over;
	uint64_t held_total;                    /* messages that waited in held */
	uint64_t fwd_seq;                       /* publish tokens of forwards: 2, 3, ... (0 status, 1 events) */
	size_t nforwarding;                     /* published, PUBACK awaited */
	uint64_t forwarded;
};

/* pool.c */
bool pool_can_send(const struct gateway *gw);
/* "TOPIC\nBODY" into the durable event outbox, then out when connected. */
void pool_event_add(struct pool *p, const char *name, const char *body, size_t len);

/* pool_intake.c: a PUBLISH on PREFIX/send from client c (ours or a
 * taken-over session): checked, staged, acknowledged after the commit. */
void pool_intake(struct pool *p, struct mqtt_client *c, const struct mqtt_publish *pub, uint32_t ack);
/* Commits what is staged now and acknowledges it (before a connection
 * whose messages are staged goes away). */
void pool_intake_commit(struct pool *p);
/* Takes held messages while fewer than prefetch wait for the modems. */
void pool_intake_release(struct pool *p);
/* Our connection is gone: what was held comes again from the broker. */
void pool_intake_forget_held(struct pool *p);
void pool_intake_init(struct pool *p);
void pool_intake_free(struct pool *p);

/* pool_takeover.c */
void pool_takeover_init(struct pool *p);
/* A retained status on PREFIX/+/status. */
void pool_peer_status(struct pool *p, const struct mqtt_publish *pub);
/* Our own ability to take work changed. */
void pool_takeover_poke(struct pool *p);
/* Our connection is (back) up. */
void pool_takeover_connected(struct pool *p);
void pool_takeover_free(struct pool *p);
json_object *pool_peers_json(struct pool *p);
/* Another gateway of our group says it can send. */
bool pool_others_can_send(const struct pool *p);

/* pool_forward.c: the broker's PUBACK of a forward (token >= 2). */
void pool_forward_acked(struct pool *p, uint64_t token);
/* The client and its unacknowledged publishes are gone. */
void pool_forward_forget(struct pool *p);

#endif
