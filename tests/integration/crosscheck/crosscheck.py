#!/usr/bin/python3
"""Cross-checks `smsgate pdu encode` / `smsgate pdu decode --json` against
libGammu (python3-gammu) and against a third, minimal reading of the PDU
written here from TS 23.038 / TS 23.040.

Forward: every text of the corpus is encoded by smsgate (several numbers and
flag combinations); each printed PDU must decode with gammu.DecodePDU to the
same number, coding, class, concatenation UDH and text, and the parts must
join to the original text.

Reverse: gammu.EncodeSMS + gammu.EncodePDU build SMS-DELIVER (and some
SMS-SUBMIT) PDUs of the same texts; `smsgate pdu decode --json` must give
the same text, number, DCS and UDH.

Usage: crosscheck.py PATH/TO/smsgate [--corpus texts.json] [-v]
Run with Debian's /usr/bin/python3: python3-gammu is installed for it only.
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys

try:
    import gammu
except ImportError:
    sys.stderr.write("crosscheck: python3-gammu is missing (apt-get install python3-gammu; "
                     "run with /usr/bin/python3)\n")
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "vectors", "texts.json")

INTL = "+491701234567"
NATIONAL = "01701234567"
SMSC = "+491710760000"
ALNUM = "DHL Express"   # python-gammu garbles non-ASCII alphanumeric addresses

# ---- TS 23.038 6.2.1: GSM 7-bit default alphabet and extension table -------
# Written out here independently of the codec. 0x1B is the escape to the
# extension table; 0x5F is the section sign, 0x09 is capital C cedilla.
GSM_DEFAULT = (
    "@£$¥èéùìòÇ\nØø\rÅå"        # 0x00-0x0F
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"        # 0x10-0x1F
    " !\"#¤%&'()*+,-./"           # 0x20-0x2F
    "0123456789:;<=>?"            # 0x30-0x3F
    "¡ABCDEFGHIJKLMNO"            # 0x40-0x4F
    "PQRSTUVWXYZÄÖÑÜ§"            # 0x50-0x5F
    "¿abcdefghijklmno"            # 0x60-0x6F
    "pqrstuvwxyzäöñüà"            # 0x70-0x7F
)
assert len(GSM_DEFAULT) == 128
GSM_EXT = {0x0A: "\x0c", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\",
           0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€"}
ENC_DEFAULT = {c: i for i, c in enumerate(GSM_DEFAULT) if i != 0x1B}
ENC_EXT = {c: i for i, c in GSM_EXT.items()}

GSM7_SINGLE, GSM7_CONCAT = 160, 153   # septets
UCS2_SINGLE, UCS2_CONCAT = 70, 67     # UTF-16 code units


def gsm_septets(ch):
    """1 for the default table, 2 for the extension table, 0 for neither."""
    if ch in ENC_DEFAULT:
        return 1
    if ch in ENC_EXT:
        return 2
    return 0


def is_gsm(text):
    return all(gsm_septets(c) for c in text)


def units_of(ch, enc):
    if enc == "gsm7":
        return gsm_septets(ch)
    return 2 if ord(ch) > 0xFFFF else 1


def split_expected(text, enc):
    """Greedy split: parts of 153 septets / 67 UTF-16 units, never splitting
    an escape pair or a surrogate pair; one part when the whole text fits."""
    single, concat = (GSM7_SINGLE, GSM7_CONCAT) if enc == "gsm7" else (UCS2_SINGLE, UCS2_CONCAT)
    total = sum(units_of(c, enc) for c in text)
    if total <= single:
        return [text]
    parts, cur, n = [], [], 0
    for c in text:
        u = units_of(c, enc)
        if n + u > concat:
            parts.append("".join(cur))
            cur, n = [], 0
        cur.append(c)
        n += u
    parts.append("".join(cur))
    return parts


# ---- A minimal independent TS 23.040 reader ---------------------------------

class PduError(Exception):
    pass


def semi_octets(b, ndigits):
    s = ""
    for o in b:
        s += "%X" % (o & 0x0F)
        s += "%X" % (o >> 4)
    return s[:ndigits]


def read_address(p, i):
    """TS 23.040 9.1.2.5: length in digits (semi-octets), TOA, digits."""
    if i + 2 > len(p):
        raise PduError("address past the end")
    ndig, toa = p[i], p[i + 1]
    nb = (ndig + 1) // 2
    if i + 2 + nb > len(p):
        raise PduError("address digits past the end")
    raw = p[i + 2:i + 2 + nb]
    if (toa >> 4) & 7 == 5:
        num = ("alphanumeric", raw)
    else:
        num = semi_octets(raw, ndig)
        if toa >> 4 & 7 == 1:
            num = "+" + num
    return num, toa, i + 2 + nb


def read_scts(b):
    """TS 23.040 9.2.3.11: seven semi-octet pairs, the last the signed
    quarter-hour time zone (bit 3 of the high digit is the sign)."""
    d = [((o & 0x0F) * 10 + (o >> 4)) for o in b[:6]]
    tzo = b[6]
    q = (tzo & 0x07) * 10 + (tzo >> 4)
    if tzo & 0x08:
        q = -q
    tz = datetime.timezone(datetime.timedelta(minutes=15 * q))
    return datetime.datetime(2000 + d[0], d[1], d[2], d[3], d[4], d[5], tzinfo=tz)


def dcs_meaning(dcs):
    """(encoding, class) per TS 23.038 4; class -1 when none."""
    grp = dcs >> 4
    if grp <= 0x3:                    # general data coding, uncompressed
        alpha = (dcs >> 2) & 3
        enc = {0: "gsm7", 1: "8bit", 2: "ucs2", 3: "reserved"}[alpha]
        cls = dcs & 3 if dcs & 0x10 else -1
        return enc, cls
    if grp == 0xF:
        return ("8bit" if dcs & 0x04 else "gsm7"), dcs & 3
    return "other", -1


def parse_tpdu(pdu):
    """Reads an SMSC field plus SMS-SUBMIT or SMS-DELIVER TPDU far enough
    to check the header fields and to decode the user data ourselves."""
    p = pdu
    r = {}
    if not p:
        raise PduError("empty")
    sl = p[0]
    r["smsc_len"] = sl
    i = 1 + sl
    if i >= len(p):
        raise PduError("no TPDU after the SMSC field")
    fo = p[i]
    r["first_octet"] = fo
    mti = fo & 3
    r["mti"] = mti
    r["udhi"] = bool(fo & 0x40)
    r["srr"] = bool(fo & 0x20)
    i += 1
    if mti == 1:  # SUBMIT
        r["mr"] = p[i]
        i += 1
        r["number"], r["toa"], i = read_address(p, i)
        r["pid"], r["dcs"] = p[i], p[i + 1]
        i += 2
        vpf = (fo >> 3) & 3
        r["vpf"] = vpf
        i += {0: 0, 2: 1, 1: 7, 3: 7}[vpf]
    elif mti == 0:  # DELIVER
        r["number"], r["toa"], i = read_address(p, i)
        r["pid"], r["dcs"] = p[i], p[i + 1]
        i += 2
        r["scts"] = read_scts(p[i:i + 7])
        i += 7
    else:
        raise PduError("unexpected TP-MTI %d" % mti)
    if i >= len(p):
        raise PduError("no TP-UDL")
    r["udl"] = p[i]
    ud = p[i + 1:]
    r["ud"] = ud
    enc, cls = dcs_meaning(r["dcs"])
    r["enc"], r["cls"] = enc, cls
    udhl = 0
    r["udh"] = b""
    if r["udhi"]:
        udhl = ud[0]
        r["udh"] = ud[1:1 + udhl]
    if enc == "gsm7":
        need = (r["udl"] * 7 + 7) // 8
        if len(ud) != need:
            raise PduError("GSM TP-UDL %d septets needs %d octets, PDU has %d" % (r["udl"], need, len(ud)))
        hdr_septets = ((udhl + 1) * 8 + 6) // 7 if r["udhi"] else 0
        bits = int.from_bytes(ud[::-1], "big") if ud else 0
        septets = [(bits >> (7 * k)) & 0x7F for k in range(r["udl"])]
        r["text"] = gsm7_text(septets[hdr_septets:])
    elif enc == "ucs2":
        if len(ud) != r["udl"]:
            raise PduError("UCS-2 TP-UDL %d octets, PDU has %d" % (r["udl"], len(ud)))
        body = ud[udhl + 1:] if r["udhi"] else ud
        r["text"] = body.decode("utf-16-be", errors="strict")
    else:
        r["text"] = None
    return r


def gsm7_text(septets):
    out, esc = [], False
    for s in septets:
        if esc:
            # TS 23.038 6.2.1.1: an unknown extension code shows the default character
            out.append(GSM_EXT.get(s, GSM_DEFAULT[s] if s != 0x1B else " "))
            esc = False
        elif s == 0x1B:
            esc = True
        else:
            out.append(GSM_DEFAULT[s])
    if esc:
        out.append(" ")
    return "".join(out)


def concat_ie(udh):
    """(ref, total, seq, bits) of the first concatenation IE, or None."""
    i = 0
    while i + 2 <= len(udh):
        iei, ln = udh[i], udh[i + 1]
        data = udh[i + 2:i + 2 + ln]
        if iei == 0x00 and ln == 3:
            return data[0], data[1], data[2], 8
        if iei == 0x08 and ln == 4:
            return (data[0] << 8) | data[1], data[2], data[3], 16
        i += 2 + ln
    return None


def gammu_text(d):
    """gammu.DecodePDU's Text, with python-gammu's known quirk (A) undone.

    (A) For GSM 7-bit, Text is 'Length' characters long, where Length counts
    septets: every escape pair decoded leaves one junk character (often
    U+0000) at the end. The text is cut where its septets add up to Length.
    """
    t = d["Text"]
    if d["Coding"] == "Default_No_Compression":
        n = 0
        for k, c in enumerate(t):
            n += gsm_septets(c) or 1
            if n > d["Length"]:
                return t[:k]
        return t
    return t


def gammu_blind(text, enc):
    """True where python-gammu's text conversion cannot be compared.

    (B) In UCS-2, python-gammu maps U+007E '~' to "~~" and U+0001 to "~"
    when decoding (then cuts the text to its original length, losing the
    end), and '~' to U+0001 when encoding (EncodeSMS). GSM 7-bit '~' (the
    escape pair 1B 3D) is not affected. For such parts our own reader,
    written from the spec above, is the reference.
    """
    return enc == "ucs2" and ("~" in text or "\x01" in text)


# ---- Reporting --------------------------------------------------------------

class Checker:
    def __init__(self, verbose):
        self.verbose = verbose
        self.mismatches = 0
        self.pdus = 0
        self.runs = 0
        self.blind = 0          # parts where python-gammu's text is not comparable (quirk B)
        self.schema = {}        # JSON schema deviation -> first PDU showing it
        self.fields = {}        # field -> mismatch count

    def fail(self, what, text, field, got, want, pdu=None, cmd=None):
        self.mismatches += 1
        self.fields[field] = self.fields.get(field, 0) + 1
        if self.mismatches > 200:
            return
        sys.stdout.write("MISMATCH [%s] field=%s\n  text: %s\n" % (what, field, ascii_preview(text)))
        if cmd:
            sys.stdout.write("  cmd:  %s\n" % " ".join(ascii_preview(a, 80) for a in cmd))
        if pdu is not None:
            sys.stdout.write("  pdu:  %s\n" % pdu)
        sys.stdout.write("  got:  %s\n  want: %s\n" % (ascii_preview(got, 400), ascii_preview(want, 400)))

    def eq(self, what, text, field, got, want, pdu=None, cmd=None):
        if got != want:
            self.fail(what, text, field, got, want, pdu, cmd)
            return False
        return True


def ascii_preview(v, limit=120):
    s = v if isinstance(v, str) else repr(v)
    s = s.encode("unicode_escape").decode("ascii")
    if len(s) > limit:
        s = s[:limit] + "...(%d chars)" % len(s)
    return s


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)


# ---- Forward: smsgate encodes, gammu decodes --------------------------------

LINE = re.compile(r"^(\d+) ([0-9A-Fa-f]+)$")


def forward(ck, smsgate, text, number, flags):
    ucs2 = "--ucs2" in flags
    flash = "--flash" in flags
    report = "--report" in flags
    enc = "ucs2" if ucs2 or not is_gsm(text) else "gsm7"
    want_parts = split_expected(text, enc)
    what = "encode %s %s" % (number, " ".join(flags) or "-")
    # getopt would take a text starting with '-' for options: end them with --
    cmd = [smsgate, "pdu", "encode"] + list(flags) + (["--"] if text.startswith("-") else []) + [number, text]
    ck.runs += 1
    pr = run(cmd)
    if pr.returncode != 0:
        ck.fail(what, text, "exit status", "%d, stderr %r" % (pr.returncode, pr.stderr.decode(errors="replace")),
                0, cmd=cmd)
        return
    lines = pr.stdout.decode("ascii", errors="replace").splitlines()
    if not ck.eq(what, text, "number of parts", len(lines), len(want_parts), cmd=cmd):
        return
    refs = set()
    own_parts, gammu_parts = [], []
    for k, line in enumerate(lines):
        m = LINE.match(line)
        if not m:
            ck.fail(what, text, "output line %d format" % (k + 1), line, "<length> <hex>", cmd=cmd)
            return
        ck.pdus += 1
        hexpdu = m.group(2)
        pdu = bytes.fromhex(hexpdu)
        ck.eq(what, text, "SMSC field", pdu[0], 0x00, hexpdu, cmd)
        ck.eq(what, text, "AT+CMGS length", int(m.group(1)), len(pdu) - 1, hexpdu, cmd)
        try:
            mine = parse_tpdu(pdu)
        except (PduError, IndexError, UnicodeDecodeError) as e:
            ck.fail(what, text, "TPDU structure (own reader)", str(e), "well-formed", hexpdu, cmd)
            continue
        ck.eq(what, text, "TP-MTI", mine["mti"], 1, hexpdu, cmd)
        ck.eq(what, text, "TP-MR", mine["mr"], 0, hexpdu, cmd)
        ck.eq(what, text, "TP-SRR", mine["srr"], report, hexpdu, cmd)
        ck.eq(what, text, "TP-UDHI", mine["udhi"], len(want_parts) > 1, hexpdu, cmd)
        ck.eq(what, text, "TP-PID", mine["pid"], 0, hexpdu, cmd)
        want_toa = (0x91,) if number.startswith("+") else (0x81, 0xA1)
        if mine["toa"] not in want_toa:
            ck.fail(what, text, "TOA", "0x%02X" % mine["toa"], " or ".join("0x%02X" % t for t in want_toa), hexpdu, cmd)
        ck.eq(what, text, "encoding (own DCS reading)", mine["enc"], enc, hexpdu, cmd)
        ck.eq(what, text, "class (own DCS reading)", mine["cls"], 0 if flash else -1, hexpdu, cmd)
        ck.eq(what, text, "text of part %d (own reader)" % (k + 1), mine["text"], want_parts[k], hexpdu, cmd)
        try:
            d = gammu.DecodePDU(pdu)
        except gammu.GSMError as e:
            ck.fail(what, text, "gammu.DecodePDU", repr(e), "decodes", hexpdu, cmd)
            continue
        ck.eq(what, text, "gammu Type", d["Type"], "Submit", hexpdu, cmd)
        ck.eq(what, text, "gammu Number", d["Number"], number, hexpdu, cmd)
        ck.eq(what, text, "gammu Coding", d["Coding"],
              "Unicode_No_Compression" if enc == "ucs2" else "Default_No_Compression", hexpdu, cmd)
        ck.eq(what, text, "gammu Class", d["Class"], 0 if flash else -1, hexpdu, cmd)
        udh = d["UDH"]
        if len(want_parts) > 1:
            ck.eq(what, text, "gammu UDH Type", udh["Type"], "ConcatenatedMessages", hexpdu, cmd)
            ck.eq(what, text, "gammu UDH AllParts", udh["AllParts"], len(want_parts), hexpdu, cmd)
            ck.eq(what, text, "gammu UDH PartNumber", udh["PartNumber"], k + 1, hexpdu, cmd)
            refs.add(udh["ID8bit"])
            ie = concat_ie(mine["udh"])
            if ie is None or ie[3] != 8:
                ck.fail(what, text, "UDH concat IE (own reader)", mine["udh"].hex(), "IEI 00 with 8-bit ref", hexpdu, cmd)
            else:
                ck.eq(what, text, "UDH ref (own reader vs gammu)", ie[0], udh["ID8bit"], hexpdu, cmd)
                ck.eq(what, text, "UDH total/seq (own reader)", (ie[1], ie[2]), (len(want_parts), k + 1), hexpdu, cmd)
        else:
            ck.eq(what, text, "gammu UDH Type", udh["Type"], "NoUDH", hexpdu, cmd)
        own_parts.append(mine["text"])
        if gammu_blind(want_parts[k], enc):
            ck.blind += 1
            continue
        gt = gammu_text(d)
        ck.eq(what, text, "gammu Text of part %d" % (k + 1), gt, want_parts[k], hexpdu, cmd)
        gammu_parts.append(gt)
    if len(want_parts) > 1:
        ck.eq(what, text, "concat reference the same in every part", len(refs), 1, cmd=cmd)
    if len(gammu_parts) == len(want_parts):
        ck.eq(what, text, "joined text (gammu)", "".join(gammu_parts), text, cmd=cmd)
    if len(own_parts) == len(want_parts):
        ck.eq(what, text, "joined text (own reader)", "".join(own_parts), text, cmd=cmd)


# ---- Reverse: gammu encodes, smsgate decodes --------------------------------

SCHEMA = {
    "type": (str,), "smsc": (str, type(None)), "number": (str,), "toa": (int,),
    "mr": (int, type(None)), "pid": (int,), "dcs": (int,), "encoding": (str,),
    "class": (int, type(None)), "text": (str,), "udh": (dict, type(None)),
    "scts": (str, type(None)), "status": (int, type(None)),
    "compressed": (bool,), "smsc_field": (bool,),
}
# Keys present only for some PDU types (README: smsgate pdu decode --json).
SCHEMA_BY_TYPE = {
    "submit": {"srr": (bool,), "validity_minutes": (int, type(None))},
    "status-report": {"discharge": (str, type(None)), "status_class": (str,)},
}


def pr_json(j):
    return json.dumps(j, ensure_ascii=True)


def check_schema(ck, what, text, j, hexpdu, cmd):
    schema = dict(SCHEMA, **SCHEMA_BY_TYPE.get(j.get("type"), {}))
    extra = sorted(set(j) - set(schema))
    missing = sorted(set(schema) - set(j))
    ok = True
    if extra or missing:
        # reported once per distinct deviation, at the end
        key = "extra keys %s, missing keys %s" % (extra, missing)
        if key not in ck.schema:
            ck.schema[key] = (hexpdu, pr_json(j))
            ck.mismatches += 1
        ok = False
    for k, types in schema.items():
        if k in j and (not isinstance(j[k], types) or (isinstance(j[k], bool) and bool not in types)):
            ck.fail(what, text, "JSON type of %s" % k, type(j[k]).__name__,
                    "/".join(t.__name__ for t in types), hexpdu, cmd)
            ok = False
    return ok


def reverse(ck, smsgate, text, layout, unicode, cls, concat_id, number, smsc):
    what = "decode gammu %s %s%s%s" % (layout, "ucs2" if unicode else "gsm7",
                                       " class%d" % cls if cls >= 0 else "",
                                       " 16bit-ref" if concat_id.endswith("16bit") else "")
    try:
        parts = gammu.EncodeSMS({"Class": cls, "Unicode": unicode,
                                 "Entries": [{"ID": concat_id, "Buffer": text}]})
    except gammu.GSMError as e:
        ck.fail(what, text, "gammu.EncodeSMS", repr(e), "encodes")
        return
    got_parts, own_parts = [], []
    for k, part in enumerate(parts):
        part["Number"] = number
        part["SMSC"]["Number"] = smsc
        part["Type"] = layout
        pdu = bytes(gammu.EncodePDU(part, Layout=layout))
        hexpdu = pdu.hex().upper()
        ck.pdus += 1
        gd = gammu.DecodePDU(pdu)
        gt = gammu_text(gd)
        try:
            mine = parse_tpdu(pdu)
        except (PduError, IndexError, UnicodeDecodeError) as e:
            ck.fail(what, text, "gammu-built PDU unreadable (own reader)", str(e), "well-formed", hexpdu)
            return
        own_parts.append(mine["text"])
        cmd = [smsgate, "pdu", "decode", "--json", hexpdu]
        ck.runs += 1
        pr = run(cmd)
        if pr.returncode != 0:
            ck.fail(what, text, "exit status", "%d, stderr %r" % (pr.returncode, pr.stderr.decode(errors="replace")),
                    0, hexpdu, cmd)
            continue
        try:
            j = json.loads(pr.stdout.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            ck.fail(what, text, "JSON output", "%s: %r" % (e, pr.stdout[:200]), "one JSON object", hexpdu, cmd)
            continue
        if not isinstance(j, dict):
            ck.fail(what, text, "JSON output", type(j).__name__, "one JSON object", hexpdu, cmd)
            continue
        check_schema(ck, what, text, j, hexpdu, cmd)
        g = j.get
        ck.eq(what, text, "type", g("type"), layout.lower(), hexpdu, cmd)
        ck.eq(what, text, "number", g("number"), gd["Number"], hexpdu, cmd)
        ck.eq(what, text, "toa", g("toa"), mine["toa"], hexpdu, cmd)
        want_smsc = (smsc,) if smsc else (None, "")
        if g("smsc") not in want_smsc:
            ck.fail(what, text, "smsc", g("smsc"), " or ".join(repr(s) for s in want_smsc), hexpdu, cmd)
        ck.eq(what, text, "pid", g("pid"), mine["pid"], hexpdu, cmd)
        ck.eq(what, text, "dcs", g("dcs"), mine["dcs"], hexpdu, cmd)
        ck.eq(what, text, "encoding", g("encoding"), "ucs2" if unicode else "gsm7", hexpdu, cmd)
        ck.eq(what, text, "class", g("class"), None if gd["Class"] == -1 else gd["Class"], hexpdu, cmd)
        ck.eq(what, text, "status", g("status"), None, hexpdu, cmd)
        if layout == "Submit":
            ck.eq(what, text, "mr", g("mr"), mine["mr"], hexpdu, cmd)
            ck.eq(what, text, "scts", g("scts"), None, hexpdu, cmd)
        else:
            ck.eq(what, text, "mr", g("mr"), None, hexpdu, cmd)
            try:
                got_t = datetime.datetime.fromisoformat(g("scts")) if g("scts") else None
            except ValueError:
                got_t = "unparseable %r" % g("scts")
            ck.eq(what, text, "scts", got_t, mine["scts"], hexpdu, cmd)
            if isinstance(got_t, datetime.datetime) and gd["DateTime"] is not None:
                ck.eq(what, text, "scts (gammu local time)", got_t.replace(tzinfo=None), gd["DateTime"], hexpdu, cmd)
        udh = gd["UDH"]
        ju = g("udh")
        if udh["Type"] == "NoUDH":
            ck.eq(what, text, "udh", ju, None, hexpdu, cmd)
        elif not isinstance(ju, dict):
            ck.fail(what, text, "udh", ju, "an object", hexpdu, cmd)
        else:
            ck.eq(what, text, "udh.length", ju.get("length"), len(udh["Text"]) - 1, hexpdu, cmd)
            ref = udh["ID8bit"] if udh["ID16bit"] == -1 else udh["ID16bit"]
            ck.eq(what, text, "udh.ref", ju.get("ref"), ref, hexpdu, cmd)
            ck.eq(what, text, "udh.total", ju.get("total"), udh["AllParts"], hexpdu, cmd)
            ck.eq(what, text, "udh.seq", ju.get("seq"), udh["PartNumber"], hexpdu, cmd)
        # gammu and our own reader must agree, or the reference itself is off
        if gammu_blind(mine["text"], mine["enc"]):
            ck.blind += 1
        elif gt != mine["text"]:
            ck.fail(what, text, "reference disagreement (gammu vs own reader)", gt, mine["text"], hexpdu, cmd)
        ck.eq(what, text, "text of part %d" % (k + 1), g("text"), mine["text"], hexpdu, cmd)
        got_parts.append(g("text"))
    if "".join(own_parts) == text:
        if all(isinstance(p, str) for p in got_parts) and len(got_parts) == len(parts):
            ck.eq(what, text, "joined text", "".join(got_parts), text)
    else:
        # gammu built PDUs that do not carry the text (quirk B: '~' in UCS-2)
        ck.blind += 1
        if ck.verbose:
            print("note: gammu's PDUs do not carry the text (%s): %s" % (what, ascii_preview(text)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("smsgate")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    with open(a.corpus, encoding="utf-8") as f:
        texts = json.load(f)
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        sys.exit("crosscheck: %s is not a JSON list of strings" % a.corpus)

    ck = Checker(a.verbose)
    for i, text in enumerate(texts):
        gsm = is_gsm(text)
        # forward: every text plain with both number forms, flags on a rotating subset
        forward(ck, a.smsgate, text, INTL, ())
        forward(ck, a.smsgate, text, NATIONAL, ())
        extra = [("--ucs2",), ("--flash",), ("--report",), ("--flash", "--report")][i % 4]
        forward(ck, a.smsgate, text, INTL, extra)
        if gsm and i % 4 != 0:
            forward(ck, a.smsgate, text, INTL, ("--ucs2",))
        # reverse: gammu builds DELIVERs (the direction a modem hands us)
        reverse(ck, a.smsgate, text, "Deliver", not gsm, -1, "ConcatenatedTextLong", INTL, SMSC)
        if i % 3 == 0:
            reverse(ck, a.smsgate, text, "Deliver", True, -1, "ConcatenatedTextLong16bit", NATIONAL, SMSC)
        if i % 3 == 1:
            reverse(ck, a.smsgate, text, "Submit", not gsm, -1, "ConcatenatedTextLong", NATIONAL, "")
        if i % 3 == 2 and len(text) < 300:
            reverse(ck, a.smsgate, text, "Deliver", not gsm, 0, "ConcatenatedTextLong", INTL, SMSC)
        if i % 5 == 0 and len(text) < 500:
            # alphanumeric sender (7-bit packed, TOA 0xD0) and message classes 1..3
            reverse(ck, a.smsgate, text, "Deliver", not gsm, 1 + i % 3, "ConcatenatedTextLong", ALNUM, SMSC)
    for key, (hexpdu, j) in ck.schema.items():
        print("MISMATCH [decode --json schema] %s\n  first pdu: %s\n  output: %s" % (key, hexpdu, j))
    if ck.fields:
        print("mismatches by field: " + ", ".join("%s: %d" % kv for kv in sorted(ck.fields.items())))
    print("crosscheck: %d texts, %d PDUs, %d smsgate runs, %d mismatches "
          "(%d checks fell back to our own reader: python-gammu '~' quirk in UCS-2)"
          % (len(texts), ck.pdus, ck.runs, ck.mismatches, ck.blind))
    return 1 if ck.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
