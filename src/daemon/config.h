/*
 * The config file (INI, see DESIGN.md "Config file"): our own small strict
 * parser. Every key is one line of the table in config.c (name, section,
 * type, range, storage, default). Anything not understood is an error
 * "FILE:LINE: reason", never a guess: an alarm path must not start with a
 * config that means something other than what its author thought.
 */
#ifndef SMSGATE_DAEMON_CONFIG_H
#define SMSGATE_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "request.h"

#define CONFIG_MODEMS_MAX 8
#define CONFIG_LISTEN_MAX 8
#define CONFIG_TOKENS_MAX 8
#define CONFIG_LINE_MAX 1024            /* bytes in one line, without the newline */
#define CONFIG_FILE_MAX (1024 * 1024)   /* config_load refuses bigger files */
/* Sizes with the NUL; the modem ones match struct modem_config. */
#define CONFIG_NAME_SIZE 32             /* [modem NAME] */
#define CONFIG_PATH_SIZE 256
#define CONFIG_CMD_SIZE 512             /* reset_command: path and arguments */
#define CONFIG_CMD_ARGS_MAX 16          /* words in reset_command */
#define CONFIG_TOKEN_SIZE 129           /* up to 128 printable bytes */
#define CONFIG_PIN_SIZE 16              /* 4..8 digits (ETSI TS 102 221, PIN) */
#define CONFIG_PHONE_SIZE 24            /* '+' and up to 20 digits (TS 23.040 9.1.2.5) */
#define CONFIG_RECIPIENT_SIZE 32        /* a number, or a [group] name (REQ_GROUP_NAME_SIZE) */
#define CONFIG_ADDR_SIZE 46             /* INET6_ADDRSTRLEN */
#define CONFIG_PREFIXES_MAX 16          /* allow_prefixes entries */
#define CONFIG_WEBHOOKS_MAX 4           /* [webhook NAME] sections */
#define CONFIG_URL_SIZE 512
#define CONFIG_GROUPS_MAX REQ_GROUPS_MAX /* [group NAME] sections */
#define CONFIG_MQTT_NAME_SIZE 65        /* client_id, group, gateway: 1..64 of A-Z a-z 0-9 _ . - */
#define CONFIG_MQTT_TOPIC_SIZE 129      /* prefix */
#define CONFIG_RATE_MAX 64              /* rate_limit = N/PERIOD: N at most (a ring of N times per recipient) */
#define CONFIG_HEARTBEATS_MAX 32        /* [heartbeat NAME] sections */
#define CONFIG_TEXT_SIZE 512            /* text = ... of a heartbeat, UTF-8 */

struct config_listen {
	int family;                     /* AF_INET or AF_INET6 */
	char addr[CONFIG_ADDR_SIZE];    /* numeric, without brackets */
	uint16_t port;
};

struct config_gateway {
	char spool[CONFIG_PATH_SIZE];
	enum log_level log_level;
	char eventhandler[CONFIG_PATH_SIZE];    /* "" when none */
	unsigned eventhandler_timeout;          /* seconds */
	unsigned retry_max;
	unsigned retry_base, retry_cap;         /* seconds */
	unsigned max_parts;
	unsigned incomplete_timeout;            /* seconds */
	unsigned keep_sent, keep_failed, keep_incoming; /* files; 0: unlimited */
	unsigned keep_days;                     /* 0: unlimited */
	char admin[CONFIG_RECIPIENT_SIZE];          /* "" when none: self-alarms go to syslog only */
	/* Self-alarms (alarm.c); 0: that alarm is off. */
	unsigned alarm_no_send;                 /* seconds a modem (or every modem) cannot send */
	unsigned alarm_stuck;                   /* seconds queued messages wait while a modem could send */
	unsigned alarm_spool_full;              /* percent of the spool's file system in use */
	struct config_rate {
		unsigned count, period;
	} alarm_resets;                         /* line losses of one modem in a period */
	/* Alert-storm control (limit.c): at most rate_count messages per
	 * recipient in rate_period seconds (0: off); an identical text to
	 * the same recipient again within suppress_duplicates seconds (0:
	 * off) is suppressed. */
	struct config_rate rate_limit;
	unsigned suppress_duplicates;           /* seconds */
	/* Numbers must start with one of these; none: any number. */
	struct config_prefixes {
		char p[CONFIG_PREFIXES_MAX][CONFIG_PHONE_SIZE];
		unsigned n;
	} allow_prefixes;
};

struct config_http {
	struct config_listen listen[CONFIG_LISTEN_MAX];
	unsigned nlisten;                       /* 0: no HTTP */
	char token[CONFIG_TOKENS_MAX][CONFIG_TOKEN_SIZE];
	unsigned ntoken;
	bool legacy_cgi;
	unsigned max_body;                      /* bytes */
	/* HTTPS on every listener when both are set (PEM files). */
	char tls_cert[CONFIG_PATH_SIZE], tls_key[CONFIG_PATH_SIZE];
	unsigned alert_parts;                   /* the receivers' texts (alerts.c) cut to this many parts, and max_parts */
};

struct config_modem {
	char name[CONFIG_NAME_SIZE];
	char device[CONFIG_PATH_SIZE];
	unsigned baud;
	char pin[CONFIG_PIN_SIZE];              /* "" when none */
	char smsc[CONFIG_PHONE_SIZE];           /* "" when the SIM's */
	char reset_command[CONFIG_CMD_SIZE];    /* "" when none; split with proc_split() */
	unsigned submit_timeout;                /* seconds */
	unsigned poll_interval;                 /* seconds */
	int line;                               /* of its [modem NAME] header */
};

struct config_webhook {
	char name[CONFIG_NAME_SIZE];
	char url[CONFIG_URL_SIZE];              /* http:// or https:// */
	char secret[CONFIG_TOKEN_SIZE];         /* "" : deliveries unsigned */
	unsigned events;                        /* enum webhook_event bits (webhook/event.h) */
	unsigned timeout;                       /* seconds per attempt */
	unsigned retry_cap;                     /* seconds */
	unsigned max_queued;                    /* events */
	int line;                               /* of its [webhook NAME] header */
};

/* A dead-man's switch: silent longer than every, one SMS to to. */
struct config_heartbeat {
	char name[CONFIG_NAME_SIZE];
	char to[CONFIG_RECIPIENT_SIZE];
	unsigned every;                         /* seconds, > 0 */
	char text[CONFIG_TEXT_SIZE];            /* "" for the default sentence */
	int line;                               /* of its [heartbeat NAME] header */
};

/* [mqtt]: a pool of gateways sharing one queue through a broker (docs/mqtt.md). */
struct config_mqtt {
	bool enabled;                           /* the section is present */
	char url[CONFIG_URL_SIZE];              /* mqtt://HOST[:PORT] or mqtts://HOST[:PORT] */
	char host[256];                         /* from url: a name or a numeric address, no brackets */
	uint16_t port;                          /* from url; 1883 by default, 8883 for mqtts */
	bool tls;                               /* from url: mqtts:// */
	char ca_file[CONFIG_PATH_SIZE];         /* "": the system's trust store */
	char cert_file[CONFIG_PATH_SIZE];       /* "": no client certificate */
	char key_file[CONFIG_PATH_SIZE];
	char client_id[CONFIG_MQTT_NAME_SIZE];  /* "" : the host name */
	char username[CONFIG_TOKEN_SIZE], password[CONFIG_TOKEN_SIZE];
	char prefix[CONFIG_MQTT_TOPIC_SIZE];    /* topic prefix, may contain '/' */
	char group[CONFIG_MQTT_NAME_SIZE];      /* shared subscription group */
	char gateway[CONFIG_MQTT_NAME_SIZE];    /* "" : client_id; names this gateway's topics */
	bool forward;                           /* locally accepted messages go to the pool */
	unsigned forward_fallback;              /* seconds before a local modem sends one the pool did not take; 0 never */
	unsigned keepalive;                     /* seconds */
	unsigned max_queued;                    /* events waiting for the broker */
	unsigned prefetch;                      /* pool messages waiting for our modems at most */
	unsigned takeover_after;                /* seconds a peer is offline before its session is drained; 0 never */
	int line;                               /* of the [mqtt] header */
};

struct config {
	struct config_gateway gateway;
	struct config_http http;
	struct config_modem modem[CONFIG_MODEMS_MAX];
	unsigned nmodem;
	struct config_webhook webhook[CONFIG_WEBHOOKS_MAX];
	unsigned nwebhook;
	/* [group NAME] members = ...: "to=NAME" wherever a number is taken. */
	struct req_group group[CONFIG_GROUPS_MAX];
	unsigned ngroup;
	struct config_heartbeat heartbeat[CONFIG_HEARTBEATS_MAX];
	unsigned nheartbeat;
	struct config_mqtt mqtt;
};

/* The defaults of every key, and no modem. */
void config_defaults(struct config *c);

/* Parses len bytes of text (any bytes; no NUL needed) named filename in
 * messages. Returns 0, or -EINVAL with "FILE:LINE: reason" in err. On
 * error *c holds a partial result: parse into a spare struct (SIGHUP). */
int config_parse(struct config *c, const char *filename, const char *text, size_t len, char *err,
		 size_t errlen);

/* Reads path and parses it. File errors are -errno with "FILE: strerror"
 * in err; content errors as config_parse. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

#endif
