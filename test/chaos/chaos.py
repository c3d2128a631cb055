#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The chaos soak's driver and checker (started by test/chaos/run, which has set up the
namespaces and started both daemons).

A seeded schedule of faults, one at a time with quiet gaps between them: kill -9 of a daemon
(its VIP left behind) and its restart, a crash (the daemon and its addresses gone, then back),
SIGTERM and restart, a stall of a whole node (SIGSTOP of its processes) shorter and longer
than deadtime, the link down, a partition both ways and one way, loss bursts (nftables
numgen), heartbeats delayed, reordered or duplicated (relay.py), hb_standby and
hb_takeover, a reload (SIGHUP), and the group's second resource failing or hanging. Every
50 ms the checker reads what happened since: VIP additions and removals on both nodes (ip
monitor, in order), both daemons' logs (who hears whom), whether each daemon is alive, and
which MAC addresses answered the client's ARP requests and pings for the VIP (probe.py).
Invariants:

  two-holders  never both nodes holding the VIP longer than one keepalive once both daemons
               run and hear each other (with a 3.0.6 peer: 3.5 s, its own heal, counted
               from the end of its resource activity, which holds the heal back);
  client-two   the same, seen by the client: both nodes answering its ARP requests;
  no-holder    never nobody holding it longer than max(deadtime, initdead) + 1 s after the
               last disruption (a daemon starting is one, 3.0.6 restarting itself too; with
               a 3.0.6 peer a start counts 10 s later, its RQSTDELAY), while a daemon runs,
               unstopped, with its scripts behaving;
  client-none  the same, seen by the client: no answer to its pings;
  crash        no daemon of ours exits that we did not stop;
  leak         after a graceful stop, no process is left in a node of ours;
  memory       no daemon of ours grows (RSS) by more than 1 MiB per hour of its life,
               counted from when it is 20 s old (at least 1 MiB is allowed).

A failure prints the seed and the schedule: `test/chaos/run --seed N` replays it.
--selftest plants one violation of each ownership invariant and passes only when the checker
reports exactly those (each seen from the nodes and from the client).
"""

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import time

KEEPALIVE = 0.5
DEADTIME = 2.0
INITDEAD = 4.0
TICK = 0.05
PEER_BUSY_MAX = 15.0
RQSTDELAY = 10.0
NODES = ("lvs-01", "lvs-02")

# Fault kinds and their weights.
KINDS = [
    ("kill9", 3), ("crash", 2), ("sigterm", 1), ("stall_short", 2), ("stall_long", 2),
    ("link", 2), ("partition", 2), ("oneway", 2), ("loss", 2), ("standby", 2),
    ("takeover", 1), ("reload", 1), ("rsc_fail", 1), ("rsc_hang", 1),
    ("delay", 1), ("reorder", 1), ("dup", 1),
]
# What ends a daemon: left out by --keep-daemons, so one daemon lives through the whole run
# and its memory can be watched for an hour (a normal soak restarts them every minute).
RESTARTS = ("kill9", "crash", "sigterm")
# Bridge ports of the directors (netns.sh: p-OCTET), where relay.py works.
PORTS = {"lvs-01": "p-11", "lvs-02": "p-12"}


def other(node):
    return NODES[1] if node == NODES[0] else NODES[0]


def signal_all(pids, sig):
    """Sends `sig` to each of `pids` (ours, by PID) that is still there."""
    for p in pids:
        if p is None:
            continue
        try:
            os.kill(p, sig)
        except OSError:
            pass


def make_schedule(seed, seconds, keep_daemons=False):
    """[(at, kind, node, duration, value)] from the seed alone: the same seed, the same
    faults. `value` is the relay's: the delay in seconds, or how many copies."""
    rng = random.Random(seed)
    kinds = [k for k, w in KINDS for _ in range(w) if not (keep_daemons and k in RESTARTS)]
    out = []
    at = 15.0  # the pair comes up first (3.0.6 takes ~12 s at a joint start)
    while at < seconds - 12:
        kind = rng.choice(kinds)
        node = rng.choice(NODES)
        if kind == "stall_short":
            duration = rng.uniform(0.2, DEADTIME * 0.6)
        elif kind == "stall_long":
            duration = rng.uniform(DEADTIME * 1.5, DEADTIME * 2.5)
        elif kind in ("standby", "takeover", "reload"):
            duration = 0.0
        else:
            duration = rng.uniform(1.0, 6.0)
        value = 0.0
        if kind == "delay":
            value = rng.uniform(0.2, 1.0)  # each heartbeat up to half deadtime late
        elif kind == "reorder":
            value = rng.uniform(0.3, 1.0)
        elif kind == "dup":
            value = float(rng.choice((2, 3)))
        out.append((round(at, 2), kind, node, round(duration, 2), round(value, 2)))
        at += duration + rng.uniform(3.0, 8.0)
    return out


class Tail:
    """New lines of a file that another process appends to."""

    def __init__(self, path):
        self.path = path
        self.pos = 0
        self.rest = ""

    def lines(self):
        try:
            with open(self.path, "r", errors="replace") as f:
                f.seek(self.pos)
                data = f.read()
                self.pos = f.tell()
        except FileNotFoundError:
            return []
        data = self.rest + data
        parts = data.split("\n")
        self.rest = parts.pop()
        return parts


class Soak:
    def __init__(self, args):
        self.a = args
        self.schedule = make_schedule(args.seed, args.seconds, args.keep_daemons)
        if args.selftest:
            # Negative controls: the VIP added to lvs-02 behind its daemon's back while both
            # hear each other, then removed from everyone (v1 does not watch resources).
            self.schedule = [(15.0, "selftest_double", "lvs-02", 3.0, 0.0),
                             (23.0, "selftest_drop", "lvs-01", 0.0, 0.0)]
        self.done = []  # (t, text) of what was injected
        self.violations = []
        self.t0 = time.monotonic()
        self.holds = {n: False for n in NODES}
        self.hears = {n: False for n in NODES}  # n hears its peer (from n's log)
        self.stopped = set()  # SIGSTOPped nodes
        self.expect_down = set()  # daemons we killed or stopped
        self.rsc_broken = set()
        self.last_disruption = 0.0
        self.both_since = None
        self.none_since = None
        self.client_both_since = None
        self.client_none_since = None
        self.answers = {"arp": set(), "ping": set()}  # the probe's last round
        self.probe = Tail(f"{args.state}/probe.out")
        self.macs = {}  # MAC -> node, read once both nodes exist
        self.rss = {}  # daemon pid of ours -> [first t, first KiB, last t, last KiB]
        self.rss_read_at = 0.0
        self.hearing_since = None
        self.ever_held = False  # the start-up is not an outage
        # 3.0.6 keeps what it took for 2 s after it hears us again, then gives it up one
        # resource at a time (chain_sim_test documents it): its grace, not ours.
        self.grace = KEEPALIVE if args.peer == "ours" else 2.0 + 1.0 + KEEPALIVE
        # ... but not while its own resource activity runs ("Shutdown delayed until current
        # resource activity finishes"): seen to last 10 s after a takeover at its start-up
        # (seed 31). The grace counts from its end; past PEER_BUSY_MAX it counts anyway.
        self.peer_busy_since = None
        self.peer_settled_at = 0.0
        self.kinds = {}
        self.monitors = {n: Tail(f"{args.state}/amon-{n}.out") for n in NODES}
        self.logs = {n: Tail(self.log_path(n)) for n in NODES}
        self.counts = {}
        self.strays = 0  # times a 3.0.6 node still ran at its start (clear_306)

    # ---- plumbing -------------------------------------------------------------------
    def now(self):
        return time.monotonic() - self.t0

    def log_path(self, node):
        return f"{self.a.state}/nodes/{node}/log/ha-log"

    def pid(self, node):
        """The node's daemon: the one we started, or the master a 3.0.6 started in its place
        (after a healed partition it gives everything up and runs again as a new process)."""
        try:
            with open(f"{self.a.state}/pids/{node}.pid") as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            return None
        if self.is_alive(pid) or self.kind(node) != "real":
            return pid
        for p in self.ns_pids(node):
            try:
                cmd = open(f"/proc/{p}/cmdline").read()
            except OSError:
                continue
            if cmd.startswith("heartbeat: master control process") and self.is_alive(p):
                with open(f"{self.a.state}/pids/{node}.pid", "w") as f:
                    f.write(f"{p}\n")
                return int(p)
        return pid

    def kind(self, node):
        if node not in self.kinds:
            with open(f"{self.a.state}/kind-{node}") as f:
                self.kinds[node] = f.read().strip()
        return self.kinds[node]

    @staticmethod
    def is_alive(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().split(") ")[1][0] not in "ZX"
        except (OSError, IndexError):
            return False

    def alive(self, node):
        pid = self.pid(node)
        return pid is not None and self.is_alive(pid)

    def ns_pids(self, node):
        """Every process in the node's network namespace (the monitors included)."""
        out = self.sh("ip", "netns", "pids", f"{self.a.prefix}-{node}").stdout.split()
        return [int(p) for p in out]

    def node_pids(self, node):
        """Every process of the node: in its network namespace and the daemon's mount one."""
        pid = self.pid(node)
        if pid is None:
            return []
        try:
            mnt = os.readlink(f"/proc/{pid}/ns/mnt")
        except OSError:
            return []
        pids = []
        for p in self.ns_pids(node):
            try:
                if os.readlink(f"/proc/{p}/ns/mnt") == mnt:
                    pids.append(p)
            except OSError:
                pass
        return pids

    def sh(self, *cmd, stdin=None):
        return subprocess.run(list(cmd), input=stdin, capture_output=True, text=True)

    def in_ns(self, node, *cmd, stdin=None):
        return self.sh("ip", "netns", "exec", f"{self.a.prefix}-{node}", *cmd, stdin=stdin)

    def bash(self, script):
        """A line of the system tests' shell helpers, with this run's prefix and state."""
        lib = f"{self.a.root}/test/system/lib"
        return subprocess.run(
            ["bash", "-c", f'. {lib}/netns.sh; . {lib}/cluster.sh; P={self.a.prefix}; '
                           f'state={self.a.state}; {script}'],
            capture_output=True, text=True)

    def node_leftovers(self, node):
        """What runs in the node's network namespace but our address monitors."""
        left = []
        for p in self.ns_pids(node):
            try:
                cmd = open(f"/proc/{p}/cmdline").read().replace("\0", " ").strip()
            except OSError:
                continue
            if "monitor address" not in cmd:
                left.append((p, cmd))
        return left

    def masters(self, node):
        """The node's daemon: the pid we track, and for 3.0.6 any master control process
        beside it (one restarting after a heal may briefly be two processes)."""
        pids = [self.pid(node)]
        if self.kind(node) == "real":
            pids += [p for p, cmd in self.node_leftovers(node)
                     if cmd.startswith("heartbeat: master control process") and p not in pids]
        return pids

    def clear_306(self, node):
        """A 3.0.6 node about to start must not run already. 3.0.6 restarts itself after a
        heal (exec, then a new master), and a kill or SIGTERM that reached the old master
        while the new one came up left the new one running, untracked; the next start added
        another beside it, and each such pair multiplied at their next restart (seed 1002:
        five at once). What is left is ours (it descends from what we started, in our
        namespace): killed by PID, its VIP removed, and counted."""
        left = self.node_leftovers(node)
        if not left:
            return
        self.strays += 1
        self.note(f"{node}: 3.0.6 left {len(left)} process(es) running; killed before its start")
        signal_all([p for p, _ in left], signal.SIGKILL)
        end = time.monotonic() + 5.0
        while self.node_leftovers(node) and time.monotonic() < end:
            time.sleep(TICK)
        self.flush_vip(node)

    def start(self, node):
        kind = self.kind(node)
        if kind == "real":
            self.clear_306(node)
        # The new daemon writes a new log; the old one is kept beside it.
        if os.path.exists(self.log_path(node)):
            os.replace(self.log_path(node), self.log_path(node) + f".{int(self.now() * 1000)}")
        self.logs[node] = Tail(self.log_path(node))
        self.hears[node] = False
        self.bash(f'cluster_start_{kind} "$P" {node} "$state/conf-{node}"')
        self.expect_down.discard(node)
        self.wait_started(node)

    def wait_started(self, node, limit=10.0):
        """The recorded pid is first the wrapper (ip netns exec, unshare, the shell that
        mounts the node's directories) that execs the daemon. A fault sent to it before the
        exec (a SIGHUP, a SIGSTOP, a kill) would miss the daemon and leave it untracked, and
        the next start would add a second one (seed 1002, +2573 s). So the schedule waits
        until the pid is the daemon and its log exists, observing meanwhile."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            try:
                with open(f"/proc/{self.pid(node)}/cmdline") as f:
                    argv0 = f.read().split("\0")[0]
            except OSError:  # no pid yet, or it just went
                argv0 = ""
            if "heartbeat" in os.path.basename(argv0) and os.path.exists(self.log_path(node)):
                return
            self.observe()
            time.sleep(TICK)
        self.note(f"{node}: no daemon {limit:g} s after its start")

    def nft(self, node, table, rules):
        self.in_ns(node, "nft", "-f", "-", stdin=f"table inet {table} {{\n{rules}\n}}\n")

    def nft_delete(self, node, table):
        self.in_ns(node, "nft", "delete", "table", "inet", table)

    def note(self, text):
        self.done.append((self.now(), text))

    # ---- faults ---------------------------------------------------------------------
    def inject(self, kind, node, duration, value):
        """Starts fault `kind` on `node`; returns what ends it (or None)."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.note(f"{kind} {node}" + (f" for {duration:.2f} s" if duration else "") +
                  (f" ({value:g})" if value else ""))
        if kind in ("kill9", "crash"):
            self.expect_down.add(node)
            signal_all(self.node_pids(node) if kind == "crash" else self.masters(node),
                       signal.SIGKILL)
            if kind == "crash":
                self.flush_vip(node)
            elif self.kind(node) == "real":
                # 3.0.6 restarted does not look for what its killed self left: the VIP
                # would stay on its interface, unclaimed, until it next takes and releases
                # the group (seed 1002). Ours removes it at start; that is tested with ours.
                return lambda: (self.flush_vip(node), self.start(node))
            return lambda: self.start(node)
        if kind == "sigterm":
            self.expect_down.add(node)
            signal_all(self.masters(node), signal.SIGTERM)
            return lambda: (self.wait_gone(node), self.check_leftovers(node), self.start(node))
        if kind in ("stall_short", "stall_long"):
            pids = self.node_pids(node)
            signal_all(pids, signal.SIGSTOP)
            self.stopped.add(node)

            def resume():
                signal_all(pids, signal.SIGCONT)
                self.stopped.discard(node)
            return resume
        if kind == "link":
            self.in_ns(node, "ip", "link", "set", "ens32", "down")

            return lambda: self.in_ns(node, "ip", "link", "set", "ens32", "up")
        if kind in ("partition", "oneway"):
            victims = [node] if kind == "oneway" else list(NODES)
            for n in victims:
                self.nft(n, "chaos_cut", "chain input { type filter hook input priority -10; "
                         "udp dport 694 drop; }")
            return lambda: [self.nft_delete(n, "chaos_cut") for n in victims]
        if kind == "loss":
            percent = 30
            for n in NODES:
                self.nft(n, "chaos_loss", "chain input { type filter hook input priority -10; "
                         f"udp dport 694 numgen random mod 100 < {percent} drop; }}")
            return lambda: [self.nft_delete(n, "chaos_loss") for n in NODES]
        if kind in ("delay", "reorder", "dup"):
            return self.impair(kind, value)
        if kind in ("standby", "takeover"):
            # The node's own tool: ours from the staged package, Debian's on a 3.0.6 node.
            tool = "hb_standby" if kind == "standby" else "hb_takeover"
            ours = self.kind(node) == "ours"
            where = "$HB_STAGE/usr/share/heartbeat" if ours else "/usr/share/heartbeat"
            # HB_WAIT=0: send the request and go on, as 3.0.6's tools do; ours would wait up
            # to 120 s for the move and hold the schedule back meanwhile.
            self.bash(f'HB_WAIT=0 netns_node_exec "$P" {node} {where}/{tool}')
            return None
        if kind == "reload":
            pid = self.pid(node)
            if pid:
                os.kill(pid, signal.SIGHUP)
            return None
        if kind == "selftest_double":  # the VIP added behind the daemon's back
            self.in_ns(node, "ip", "addr", "add", f"{self.a.vip}/24", "dev", "ens32")
            return lambda: self.in_ns(node, "ip", "addr", "del", f"{self.a.vip}/24", "dev", "ens32")
        if kind == "selftest_drop":  # the VIP removed from whoever holds it
            for n in NODES:
                self.in_ns(n, "ip", "addr", "del", f"{self.a.vip}/24", "dev", "ens32")
            return None
        if kind in ("rsc_fail", "rsc_hang"):
            with open(f"{self.a.state}/control-{node}/chaos-rsc", "w") as f:
                f.write("fail\n" if kind == "rsc_fail" else "hang\n")
            self.rsc_broken.add(node)

            def fix():
                with open(f"{self.a.state}/control-{node}/chaos-rsc", "w") as f:
                    f.write("ok\n")
                self.rsc_broken.discard(node)
            return fix
        raise ValueError(kind)

    def flush_vip(self, node):
        self.in_ns(node, "ip", "addr", "flush", "dev", "ens32", "to", f"{self.a.vip}/32")

    def impair(self, mode, value):
        """Both directions of the heartbeat traffic through relay.py (both nodes: `node` is
        only the schedule's). The relay listens before nftables takes the frames away from
        the bridge, and the table goes before the relay, so no frame is lost on the way."""
        br = f"{self.a.prefix}-br"
        relay = subprocess.Popen(
            ["ip", "netns", "exec", br, "python3", f"{self.a.root}/test/chaos/relay.py", mode,
             str(value), PORTS["lvs-01"], PORTS["lvs-02"], str(self.a.seed)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.2)
        chains = "\n".join(
            f'chain {p.replace("-", "")} {{ type filter hook ingress device "{p}" priority 0; '
            f"ether type ip ip protocol udp udp dport 694 drop; }}" for p in PORTS.values())
        self.sh("ip", "netns", "exec", br, "nft", "-f", "-",
                stdin=f"table netdev chaos_relay {{\n{chains}\n}}\n")

        def end():
            self.sh("ip", "netns", "exec", br, "nft", "delete", "table", "netdev", "chaos_relay")
            time.sleep(0.05)
            relay.terminate()  # ours, by PID
            relay.wait()
        return end

    def wait_gone(self, node, limit=30.0):
        end = time.monotonic() + limit
        while self.alive(node) and time.monotonic() < end:
            self.observe()
            time.sleep(TICK)

    def check_leftovers(self, node):
        """After a graceful stop nothing of the node may be left but what we started."""
        left = [f"{p} {cmd}" for p, cmd in self.node_leftovers(node)]
        if left and self.kind(node) == "real":
            print(f"  note: 3.0.6 on {node} left {len(left)} process(es) after SIGTERM: {left[:2]}")
        elif left:
            self.violate("leak", f"{node} left {len(left)} process(es) after SIGTERM: {left[:3]}")

    # ---- observation ----------------------------------------------------------------
    ADDR_RE = re.compile(r"inet (\d+\.\d+\.\d+\.\d+)/")
    HEARD_RE = re.compile(r"Status update for node (\S+): status (\S+)|[Nn]ode (\S+): is dead|"
                          r"Link (\S+):\S+ (up|dead)")

    def observe(self):
        before = (dict(self.holds), dict(self.hears))
        self.read_events()
        if self.a.verbose and before != (self.holds, self.hears):
            print(f"  +{self.now():7.2f} s  holds {self.holds}  hears {self.hears}  "
                  f"answers {self.answers}", flush=True)
        alive = [n for n in NODES if self.alive(n)]
        for n in NODES:
            # 3.0.6 restarts itself after a healed partition (a new master, seconds later):
            # crash and leak are invariants of ours.
            if n not in alive and n not in self.expect_down and self.kind(n) == "ours":
                self.violate("crash", f"the daemon of {n} is gone and nobody stopped it")
                self.expect_down.add(n)
        if self.now() - self.rss_read_at >= 1.0:
            self.rss_read_at = self.now()
            for n in alive:
                if self.kind(n) == "ours":
                    self.watch_memory(n)
        self.judge(alive)

    def watch_memory(self, node):
        pid = self.pid(node)
        try:
            with open(f"/proc/{pid}/status") as f:
                kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            with open(f"/proc/{pid}/stat") as f:
                started = int(f.read().rsplit(") ", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
            with open("/proc/uptime") as f:
                age = float(f.read().split()[0]) - started
        except (OSError, StopIteration, ValueError, IndexError):
            return
        if age < 20.0:
            return  # still warming up: pools, the first script runs, the API socket
        t = self.now()
        entry = self.rss.setdefault(pid, [t, kib, t, kib])
        entry[2], entry[3] = t, kib
        allowed = 1024.0 * max(1.0, (t - entry[0]) / 3600.0)
        if kib - entry[1] > allowed:
            self.violate("memory", f"the daemon of {node} (pid {pid}) grew from {entry[1]} to "
                         f"{kib} KiB in {t - entry[0]:.0f} s")

    def mac_owner(self, mac):
        if not self.macs:
            for n in NODES:
                m = self.in_ns(n, "cat", "/sys/class/net/ens32/address").stdout.strip()
                if m:
                    self.macs[m] = n
        return self.macs.get(mac, mac)

    def read_events(self):
        for line in self.probe.lines():
            fields = dict(f.split("=", 1) for f in line.split()[2:] if "=" in f)
            self.answers = {k: {self.mac_owner(m) for m in fields.get(k, "").split(",") if m}
                            for k in ("arp", "ping")}
        for n in NODES:
            for line in self.monitors[n].lines():
                m = self.ADDR_RE.search(line)
                if m and m.group(1) == self.a.vip:
                    self.holds[n] = not line.split("] ", 1)[-1].startswith("Deleted")
            for line in self.logs[n].lines():
                self.read_activity(n, line)
                m = self.HEARD_RE.search(line)
                if not m:
                    continue
                if m.group(1) == other(n):
                    self.hears[n] = m.group(2) in ("up", "active", "init")
                elif m.group(3) == other(n):
                    self.hears[n] = False
                elif m.group(4) == other(n):
                    self.hears[n] = m.group(5) == "up"

    PEER_BUSY_RE = re.compile(r"Resources being acquired from|Taking over resource group|"
                              r"acquire local HA resources|standby: acquire")
    PEER_SETTLED_RE = re.compile(r"local resource transition completed|"
                                 r"Heartbeat shutdown in progress")

    def read_activity(self, node, line):
        """A daemon (re)starting is a disruption: no-holder counts from it. That also covers
        3.0.6 restarting itself, in the same process, after a healed partition (seed 31: it
        was exec'ing itself anew when ours crashed). With a 3.0.6 peer a start counts from
        10 s later: the first to start waits that long (3.0.6's RQSTDELAY, which ours keeps
        with a 3.0.6 peer) for the other's word before it takes a group (seed 1002). And
        with a 3.0.6 peer, its resource activity, which holds back its heal."""
        starting = "Configuration validated. Starting heartbeat" in line
        if starting:
            self.disrupted(RQSTDELAY if self.a.peer == "real" else 0.0)
        if self.kind(node) != "real":
            return
        if starting:
            self.peer_busy_since = None
        if self.PEER_BUSY_RE.search(line) and self.peer_busy_since is None:
            self.peer_busy_since = self.now()
        elif self.PEER_SETTLED_RE.search(line):
            self.peer_busy_since = None
            self.peer_settled_at = self.now()

    def disrupted(self, later=0.0):
        """A disruption now (counted from `later` seconds on); an earlier one's end stays."""
        self.last_disruption = max(self.last_disruption, self.now() + later)

    def judge(self, alive):
        t = self.now()
        running = [n for n in alive if n not in self.stopped]
        hearing = len(running) == 2 and all(self.hears[n] for n in NODES)
        if hearing and self.hearing_since is None:
            self.hearing_since = t
        if not hearing:
            self.hearing_since = None
        self.both_since = self.judge_two("two-holders", all(self.holds[n] for n in NODES),
                                         hearing, self.both_since, "hold")
        self.client_both_since = self.judge_two(
            "client-two", all(n in self.answers["arp"] for n in NODES), hearing,
            self.client_both_since, "answer the client's ARP for")
        nobody = not any(self.holds[n] for n in NODES)
        self.ever_held = self.ever_held or not nobody
        # A failing or hanging script may keep the group down: no judgement meanwhile.
        judged = running and not self.rsc_broken and self.ever_held
        self.none_since = self.judge_none("no-holder", nobody and judged, self.none_since,
                                          "holds", running)
        self.client_none_since = self.judge_none(
            "client-none", not self.answers["ping"] and judged, self.client_none_since,
            "answers the client's ping to", running)

    def judge_two(self, kind, both, hearing, since, what):
        """Both nodes at once, while they hear each other: past the grace, a violation.
        Returns since when it lasts (None: not now)."""
        if not (both and hearing):
            return None
        t = self.now()
        since = t if since is None else since
        start = max(self.hearing_since, since, self.peer_settled_at)
        if self.peer_busy_since is not None and t - self.peer_busy_since < PEER_BUSY_MAX:
            return since
        if t - start > self.grace + TICK:
            self.violate(kind, f"both {what} {self.a.vip} for {t - start:.2f} s while "
                         "hearing each other")
        return since

    def judge_none(self, kind, nobody, since, what, running):
        """Nobody, while it is to be judged: past max(deadtime, initdead) + 1 s after the
        last disruption, a violation. Returns since when it lasts (None: not now)."""
        if not nobody:
            return None
        t = self.now()
        since = t if since is None else since
        start = max(since, self.last_disruption)
        if t - start > max(DEADTIME, INITDEAD) + 1.0:
            self.violate(kind, f"nobody {what} {self.a.vip} for {t - start:.2f} s "
                         f"with {', '.join(running)} up")
        return since

    def violate(self, kind, text):
        key = (kind, text.split(" for ")[0])
        if any(k == key for k, _, _ in self.violations):
            return
        self.violations.append((key, self.now(), text))
        print(f"  VIOLATION at +{self.now():.2f} s [{kind}]: {text}", flush=True)

    # ---- the run --------------------------------------------------------------------
    def sleep(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.observe()
            time.sleep(TICK)

    def run(self):
        print(f"chaos: seed {self.a.seed}, {self.a.seconds} s, peer {self.a.peer}, "
              f"{len(self.schedule)} faults", flush=True)
        for at, kind, node, duration, value in self.schedule:
            self.sleep(max(0.0, at - self.now()))
            end = self.inject(kind, node, duration, value)
            self.disrupted()
            if end is not None:
                self.sleep(duration)
                end()
                self.note(f"end of {kind} {node}")
            self.disrupted()
        self.sleep(max(0.0, self.a.seconds - self.now()))
        # The end: every daemon stops gracefully and leaves nothing behind.
        for n in NODES:
            if self.alive(n):
                self.expect_down.add(n)
                os.kill(self.pid(n), signal.SIGTERM)
        for n in NODES:
            self.wait_gone(n)
            self.check_leftovers(n)
        return self.report()

    def report(self):
        if self.a.selftest:
            seen = {k for (k, _), _, _ in self.violations}
            want = {"two-holders", "client-two", "no-holder", "client-none"}
            if seen == want:
                print("ok   the checker saw both planted violations, from the nodes and from "
                      "the client, and nothing else")
                return 0
            print(f"FAIL: planted {sorted(want)}, the checker saw {sorted(seen)}")
            return 1
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        print(f"chaos: {sum(self.counts.values())} faults injected ({kinds})")
        if self.strays:
            print(f"chaos: a 3.0.6 node still ran at {self.strays} of its starts (killed first)")
        if self.rss:
            pid, (t0, k0, t1, k1) = max(self.rss.items(), key=lambda e: e[1][2] - e[1][0])
            # A rate from minutes of watching says nothing about an hour: not printed.
            rate = (f" ({(k1 - k0) * 3600.0 / (t1 - t0):+.0f} KiB per hour)"
                    if t1 - t0 >= 600 else "")
            print(f"chaos: the longest-watched daemon of ours (pid {pid}): RSS {k0} -> {k1} KiB "
                  f"over {t1 - t0:.0f} s{rate}")
        if not self.violations:
            print(f"ok   no invariant broken in {self.a.seconds} s (seed {self.a.seed})")
            return 0
        print(f"FAIL: {len(self.violations)} invariant(s) broken; the schedule (seed "
              f"{self.a.seed}, replay: test/chaos/run --seed {self.a.seed} "
              f"--seconds {self.a.seconds} --peer {self.a.peer}):")
        for t, text in self.done:
            print(f"  +{t:7.2f} s  {text}")
        return 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--seconds", type=int, required=True)
    p.add_argument("--peer", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--vip", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--selftest", action="store_true")
    p.add_argument("--keep-daemons", action="store_true")
    sys.exit(Soak(p.parse_args()).run())


if __name__ == "__main__":
    main()
