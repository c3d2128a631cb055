#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A stand-in for ipvsadm over a table kept in a file, for testing ipvsadm-wrapper's kernel
IPVS back end on kernels without IPVS. It accepts the commands the agent issues (-A -E -D
-a -e -d with their options, -S -n, --start-daemon/--stop-daemon) with ipvsadm's defaults
and refusals (a second -A of a service, -a to a missing service, -e of a missing server),
and prints `-S -n` in ipvsadm-save's layout.

Environment: FAKE_IPVSADM_STATE (the table file, JSON), FAKE_IPVSADM_LOG (each command line
appended), FAKE_IPVSADM_FAIL (a command line, exactly as logged, that fails with exit 2).
"""
import fcntl
import json
import os
import sys

STATE = os.environ["FAKE_IPVSADM_STATE"]


def load():
    try:
        with open(STATE) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"services": [], "daemons": []}


def save(table):
    tmp = STATE + ".tmp"  # one writer at a time: main() holds the lock
    with open(tmp, "w") as f:
        json.dump(table, f)
    os.replace(tmp, STATE)


def die(msg, code=2):
    sys.stderr.write(msg + "\n")
    sys.exit(code)


def parse(argv):
    opts = {"cmd": None}
    i = 0
    takes = {"-t": "svc", "-u": "svc", "-f": "svc", "-s": "sched", "-M": "mask", "-b": "flags",
             "-r": "rs", "-w": "weight", "-x": "upper", "-y": "lower", "--pe": "pe",
             "--mcast-interface": "mcast", "--syncid": "syncid",
             "--start-daemon": "start", "--stop-daemon": "stop"}
    while i < len(argv):
        a = argv[i]
        if a in ("-A", "-E", "-D", "-a", "-e", "-d", "-S"):
            opts["cmd"] = a
        elif a in ("--start-daemon", "--stop-daemon"):
            opts["cmd"] = a
            i += 1
            opts["state"] = argv[i]
        elif a in ("-g", "-m", "-i"):
            opts["fwd"] = a
        elif a == "-n":
            pass
        elif a == "-p":
            if i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                i += 1
                opts["persist"] = argv[i]
            else:
                opts["persist"] = "300"
        elif a in takes:
            i += 1
            if a in ("-t", "-u", "-f"):
                opts["proto"] = a
            opts[takes[a]] = argv[i]
        else:
            die("ipvsadm: invalid option `%s'" % a)
        i += 1
    return opts


def svc_key(o):
    return o["proto"] + " " + o["svc"]


def find(table, key):
    for s in table["services"]:
        if s["key"] == key:
            return s
    return None


def main():
    argv = sys.argv[1:]
    line = " ".join(argv)
    if os.environ.get("FAKE_IPVSADM_LOG"):
        with open(os.environ["FAKE_IPVSADM_LOG"], "a") as f:
            f.write(line + "\n")
    if os.environ.get("FAKE_IPVSADM_FAIL") == line:
        die("ipvsadm: Memory allocation problem (injected)")
    o = parse(argv)
    t = load()
    cmd = o["cmd"]
    if cmd == "-S":
        for s in t["services"]:
            out = "-A " + s["key"] + " -s " + s["sched"]
            if s.get("flags"):
                out += " -b " + s["flags"]
            if s.get("persist"):
                out += " -p " + s["persist"]
                if s.get("mask") and s["mask"] != "255.255.255.255":
                    out += " -M " + s["mask"]
            if s.get("pe"):
                out += " --pe " + s["pe"]
            print(out)
            for r in s["servers"]:
                print("-a " + s["key"] + " -r " + r["rs"] + " " + r["fwd"] + " -w " + r["weight"])
        return
    if cmd in ("--start-daemon", "--stop-daemon"):
        d = [x for x in t["daemons"] if x != o["state"]]
        if cmd == "--start-daemon":
            d.append(o["state"])
        t["daemons"] = d
        save(t)
        return
    key = svc_key(o)
    s = find(t, key)
    if cmd in ("-A", "-E"):
        if cmd == "-A" and s is not None:
            die("Service already exists")
        if cmd == "-E" and s is None:
            die("No such service")
        new = {"key": key, "sched": o.get("sched", "wlc"), "flags": o.get("flags", ""),
               "persist": o.get("persist", ""), "mask": o.get("mask", ""), "pe": o.get("pe", ""),
               "servers": s["servers"] if s else []}
        t["services"] = [x for x in t["services"] if x["key"] != key] + [new]
    elif cmd == "-D":
        if s is None:
            die("No such service")
        t["services"] = [x for x in t["services"] if x["key"] != key]
    elif cmd in ("-a", "-e", "-d"):
        if s is None:
            die("Service not defined")
        rs = o["rs"]
        if ":" not in rs:
            rs += ":" + key.split(":")[-1]
        have = [r for r in s["servers"] if r["rs"] == rs]
        if cmd == "-a" and have:
            die("Destination already exists")
        if cmd in ("-e", "-d") and not have:
            die("No such destination")
        s["servers"] = [r for r in s["servers"] if r["rs"] != rs]
        if cmd != "-d":
            s["servers"].append({"rs": rs, "fwd": o.get("fwd", "-g"), "weight": o.get("weight", "1")})
    else:
        die("ipvsadm: no command")
    save(t)


# The kernel serialises ipvsadm's commands; the agent and its checker run them concurrently,
# so the whole load-change-save holds a lock, or one command's change is lost.
with open(STATE + ".lock", "w") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    main()
