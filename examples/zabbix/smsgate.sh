#!/bin/sh
# Zabbix media type "smsgate" (Administration > Media types > Script).
# Install as AlertScriptsPath/smsgate.sh (e.g. /usr/lib/zabbix/alertscripts),
# executable by the zabbix user, with the script parameters, in order:
#   {ALERT.SENDTO}   a number (+491701234567) or a [group NAME] of smsgated (oncall)
#   {ALERT.SUBJECT}
#   {ALERT.MESSAGE}
# The SMS is "SUBJECT" and "MESSAGE" on two lines. Exit status 0 when
# smsgated accepted it (durably queued), else non-zero with the reason on
# stderr, which Zabbix shows as the error of the alert.
#
# Where smsgated is, and its token ([http] token), if not the defaults:
SMSGATE_URL=${SMSGATE_URL:-http://127.0.0.1:8080}
SMSGATE_TOKEN=${SMSGATE_TOKEN:-}

to=$1 subject=$2 message=$3
if [ -z "$to" ]; then
	echo "usage: $0 NUMBER-or-GROUP SUBJECT MESSAGE" >&2
	exit 2
fi
text=$subject
[ -n "$message" ] && text="$subject
$message"
exec curl -sS --fail-with-body --max-time 20 \
	${SMSGATE_TOKEN:+-H "Authorization: Bearer $SMSGATE_TOKEN"} \
	--data-urlencode "to=$to" --data-urlencode "text=$text" \
	"$SMSGATE_URL/api/v1/messages"
