-- wrk: POST /api/v1/messages with a small JSON body.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"to": "+491701234567", "text": "wrk: disk 91% full on db1"}'
