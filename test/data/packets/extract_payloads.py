#!/usr/bin/env python3
"""Read a heartbeat pcap (tcpdump -w, Ethernet), decode every UDP payload as a
heartbeat 3.0.6 wire message and save one raw payload per message type.

    extract_payloads.py FILE.pcap OUTDIR METHOD      write OUTDIR/METHOD-<type>.bin
    extract_payloads.py FILE.pcap                    only print the decoded messages

The first datagram of each `t=` value is kept; `status` is split by `st`
(status = st=active in steady state, status-early = the first st=active one
when its dt differs, status-init, status-up) and `resource` by `info`
(resource = no info, resource-shutdown, resource-mach_down, ...). Raw payload = the UDP data, byte for
byte. Standard library only (the pcap format is parsed by hand).
"""
import struct
import sys


def read_pcap(path):
    """Yield (timestamp, src_ip, dst_ip, sport, dport, udp_payload)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        endian, nano = "<", False
    elif magic == b"\xa1\xb2\xc3\xd4":
        endian, nano = ">", False
    elif magic == b"\x4d\x3c\xb2\xa1":
        endian, nano = "<", True
    elif magic == b"\xa1\xb2\x3c\x4d":
        endian, nano = ">", True
    else:
        raise ValueError("not a pcap file: " + path)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        pkt = data[off:off + incl]
        off += incl
        ts = sec + frac / (1e9 if nano else 1e6)
        if linktype == 1:  # Ethernet
            etype = struct.unpack(">H", pkt[12:14])[0]
            l3 = 14
            if etype == 0x8100:  # VLAN
                etype = struct.unpack(">H", pkt[16:18])[0]
                l3 = 18
            if etype != 0x0800:
                continue
        elif linktype == 113:  # Linux cooked (any)
            if struct.unpack(">H", pkt[14:16])[0] != 0x0800:
                continue
            l3 = 16
        elif linktype in (101, 12):  # raw IP
            l3 = 0
        else:
            raise ValueError("unsupported linktype %d" % linktype)
        ip = pkt[l3:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 17:
            continue
        total = struct.unpack(">H", ip[2:4])[0]
        src = ".".join(str(b) for b in ip[12:16])
        dst = ".".join(str(b) for b in ip[16:20])
        udp = ip[ihl:total]
        sport, dport, ulen = struct.unpack(">HHH", udp[:6])
        yield ts, src, dst, sport, dport, udp[8:ulen]


def parse_netstring_msg(buf):
    """Decode `###\\n` + fields + `%%%\\n` + trailer `<len>:<N> <hex>,` [+ rest].

    Returns dict: fields = [(type, name, value_bytes)], body = bytes covered by the
    trailer digest (### .. %%%\\n inclusive), trailer = (index, hexdigest) or None,
    rest = bytes after the trailer (e.g. a NUL), raw_trailer.
    """
    if not buf.startswith(b"###\n"):
        raise ValueError("no ###\\n header: %r" % buf[:8])
    pos = 4
    fields = []
    while True:
        if buf.startswith(b"%%%\n", pos):
            pos += 4
            break
        colon = buf.index(b":", pos)
        n = int(buf[pos:colon])
        item = buf[colon + 1:colon + 1 + n]
        if buf[colon + 1 + n:colon + 2 + n] != b",":
            raise ValueError("netstring without ',' at %d" % pos)
        pos = colon + 2 + n
        if item[:1] != b"(" or item[2:3] != b")":
            raise ValueError("field without (type): %r" % item)
        ftype = int(item[1:2])
        eq = item.index(b"=")
        fields.append((ftype, item[3:eq].decode(), item[eq + 1:]))
    body = buf[:pos]
    trailer = None
    raw_trailer = b""
    rest = buf[pos:]
    if rest:
        colon = rest.index(b":")
        n = int(rest[:colon])
        t = rest[colon + 1:colon + 1 + n]
        assert rest[colon + 1 + n:colon + 2 + n] == b","
        raw_trailer = rest[:colon + 2 + n]
        idx, digest = t.decode().split(" ", 1)
        trailer = (int(idx), digest)
        rest = rest[colon + 2 + n:]
    return {"fields": fields, "body": body, "trailer": trailer,
            "raw_trailer": raw_trailer, "rest": rest}


def field(msg, name):
    for _t, n, v in msg["fields"]:
        if n == name:
            return v.decode(errors="replace")
    return None


def show(msg):
    out = []
    for t, n, v in msg["fields"]:
        if t == 1:
            out.append("(1)%s=<%d bytes %s>" % (n, len(v), v.hex()))
        else:
            out.append("%s=%s" % (n, v.decode(errors="replace")))
    tr = msg["trailer"]
    s = " | ".join(out)
    if tr:
        s += " || trailer %d %s" % tr
    if msg["rest"]:
        s += " || extra %r" % msg["rest"]
    return s


def variant_key(msg, mtype):
    """File name key: the type, refined for status (by st) and resource (by info),
    whose field sets differ between variants."""
    if mtype == "status":
        st = field(msg, "st")
        return "status" if st == "active" else "status-%s" % st
    if mtype == "resource":
        info = field(msg, "info")
        if info:
            return "resource-%s" % "".join(c for c in info if c.isalnum() or c == "_")
    return mtype


def main():
    if len(sys.argv) not in (2, 4):
        print(__doc__, file=sys.stderr)
        return 2
    pcap = sys.argv[1]
    outdir, method = (sys.argv[2], sys.argv[3]) if len(sys.argv) == 4 else (None, None)
    saved = {}
    actives = []
    t0 = None
    for ts, src, dst, sp, dp, payload in read_pcap(pcap):
        if t0 is None:
            t0 = ts
        try:
            msg = parse_netstring_msg(payload)
        except Exception as e:  # report, keep going
            print("%8.3f %s -> %s  UNPARSED (%s) %r" % (ts - t0, src, dst, e, payload[:40]))
            continue
        mtype = field(msg, "t") or "none"
        print("%8.3f %s:%d -> %s:%d len=%d  %s" % (ts - t0, src, sp, dst, dp, len(payload), show(msg)))
        key = variant_key(msg, mtype)
        if key == "status":
            actives.append((field(msg, "dt"), payload))
        elif key not in saved:
            saved[key] = payload
    # st=active: `status` = steady state (dt of the last one sent), `status-early`
    # = the first one if its dt differs (deadtime + 2000 ms for the first 5 s).
    if actives:
        steady = actives[-1][0]
        saved["status"] = next(p for dt, p in actives if dt == steady)
        if actives[0][0] != steady:
            saved["status-early"] = actives[0][1]
    if outdir:
        for key, payload in sorted(saved.items()):
            path = "%s/%s-%s.bin" % (outdir, method, key)
            with open(path, "wb") as f:
                f.write(payload)
            print("wrote %s (%d bytes)" % (path, len(payload)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
