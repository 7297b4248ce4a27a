#!/usr/bin/lua5.4
-- The original setup's CGI, as a reference for bench/http: GET
-- /cgi-bin/sms?phone=P&message=M writes an smstools3 file under a
-- temporary name and renames it into smsd's outgoing/, then prints "done".
-- Like the original it checks nothing and does not fsync (Lua has no
-- fsync). run.sh installs it with OUTGOING set to the bench's spool.
local OUTGOING = "/var/spool/sms/outgoing"

local function decode(s)
	s = s:gsub("+", " ")
	return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local args = {}
for k, v in (os.getenv("QUERY_STRING") or ""):gmatch("([^&=]+)=([^&]*)") do
	args[decode(k)] = decode(v)
end

io.write("Content-Type: text/plain\r\n\r\n")
if not args.phone or not args.message or args.phone == "" or args.message == "" then
	io.write('The GET parameters "message" and/or "phone" are missing.\n')
	return
end

-- A unique name: this process's PID and the clock.
local stat = io.open("/proc/self/stat"):read("l")
local name = string.format("send_%s_%d_%d", stat:match("^(%d+)"), os.time(), math.random(1, 1e9))
local tmp = OUTGOING .. "/../" .. name .. ".tmp"
local f = assert(io.open(tmp, "w"))
f:write("To: ", args.phone, "\n\n", args.message)
f:close()
assert(os.rename(tmp, OUTGOING .. "/" .. name))
io.write("done\n")
