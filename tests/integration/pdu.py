"""Just enough TS 23.040 to check what the simulator hands out, written
independently of the codec under test."""


def swap_digits(b):
    out = ""
    for x in b:
        for nib in (x & 0xF, x >> 4):
            if nib == 0xF:
                return out
            out += "0123456789*#abc"[nib]
    return out


def parse(hexpdu):
    """SMS-DELIVER or SMS-STATUS-REPORT with its SMSC field."""
    b = bytes.fromhex(hexpdu)
    i = 1 + b[0]
    fo = b[i]
    i += 1
    mti = fo & 3
    out = {"fo": fo, "mti": mti}
    if mti == 2:
        out["mr"] = b[i]
        i += 1
    n, toa = b[i], b[i + 1]
    i += 2
    digits = swap_digits(b[i:i + (n + 1) // 2])
    out["addr"] = ("+" if toa == 0x91 else "") + digits
    i += (n + 1) // 2
    if mti == 2:
        out["scts"] = b[i:i + 7]
        out["dt"] = b[i + 7:i + 14]
        out["st"] = b[i + 14]
        return out
    out["pid"], out["dcs"] = b[i], b[i + 1]
    i += 2 + 7
    out["udl"] = b[i]
    i += 1
    ud = b[i:]
    if fo & 0x40:
        udhl = ud[0]
        udh = ud[1:1 + udhl]
        if udh[0] == 0 and udh[1] == 3:
            out["ref"], out["total"], out["seq"] = udh[2], udh[3], udh[4]
    return out
