#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""pconc - many concurrent policy clients, for the fault tests.

  pconc.py [-c CONNS] [-n COUNT | -d SECONDS] [-p MS] [-T MS] ADDRESS name=value...
      CONNS connections (default 1), each sending one request at a time,
      as Postfix's policy client does: COUNT requests each, or as many
      as fit in SECONDS.  -p pauses MS between a reply and the next
      request.  In a value "{c}" becomes the connection's number and
      "{i}" the request's number on it.  A reply later than -T MS
      (default 5000) counts as a timeout and ends that connection.
  pconc.py -i SECONDS [-c CONNS] ADDRESS
      open CONNS connections, send nothing, hold them for SECONDS.

Prints one line of key=value: sent, answered, timeouts, closed (by the
server), refused (connect failed), max_ms, p50_ms, p99_ms and one
action_WORD=count per action.  Always exits 0 unless the arguments are
wrong: the test decides what the figures mean.
"""
import getopt
import resource
import selectors
import socket
import sys
import time


def connect(addr):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(addr[5:])
    elif addr.startswith("inet:"):
        host, port = addr[5:].rsplit(":", 1)
        s = socket.create_connection((host, int(port)))
    else:
        raise SystemExit("pconc: bad address " + addr)
    return s


def main():
    opts, args = getopt.getopt(sys.argv[1:], "c:n:d:p:T:i:")
    o = dict(opts)
    if not args:
        raise SystemExit(__doc__)
    conns = int(o.get("-c", 1))
    count = int(o.get("-n", 0))
    secs = float(o.get("-d", 0))
    pause = float(o.get("-p", 0)) / 1000.0
    tmo = float(o.get("-T", 5000)) / 1000.0
    addr, attrs = args[0], args[1:]
    # Many connections need descriptors; the daemon's limit is its own.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    st = {"sent": 0, "answered": 0, "timeouts": 0, "closed": 0, "refused": 0}
    acts, lat = {}, []
    socks = []
    for c in range(conns):
        try:
            socks.append(connect(addr))
        except OSError:
            st["refused"] += 1
    if "-i" in o:
        time.sleep(float(o["-i"]))
        print("held=%d refused=%d" % (len(socks), st["refused"]))
        return
    sel = selectors.DefaultSelector()
    end = time.monotonic() + secs if secs else None
    # per connection: [number, requests sent, sent at, input, next send]
    state = {}
    for c, s in enumerate(socks):
        s.setblocking(False)
        state[s] = [c, 0, 0.0, b"", 0.0]
        sel.register(s, selectors.EVENT_READ)

    def send(s, now):
        c, i = state[s][0], state[s][1]
        req = "".join(a.replace("{c}", str(c)).replace("{i}", str(i)) + "\n" for a in attrs) + "\n"
        try:
            s.sendall(req.encode())
        except OSError:
            drop(s, "closed")
            return
        state[s][1] += 1
        state[s][2] = now
        st["sent"] += 1

    def drop(s, why):
        st[why] += 1
        sel.unregister(s)
        del state[s]
        s.close()

    now = time.monotonic()
    for s in list(state):
        send(s, now)
    while state:
        now = time.monotonic()
        # due: connections pausing between requests, and overdue replies
        waits = []
        for s, v in list(state.items()):
            if v[4]:
                if now >= v[4]:
                    v[4] = 0.0
                    send(s, now)
                else:
                    waits.append(v[4] - now)
            elif now - v[2] > tmo:
                drop(s, "timeouts")
            else:
                waits.append(v[2] + tmo - now)
        if not state:
            break
        for key, _ in sel.select(min(waits) if waits else 0.05):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                drop(s, "closed")
                continue
            v = state[s]
            v[3] += data
            while b"\n\n" in v[3]:
                rep, v[3] = v[3].split(b"\n\n", 1)
                t = time.monotonic()
                lat.append((t - v[2]) * 1000.0)
                st["answered"] += 1
                word = rep.split(b"\n")[0].decode(errors="replace").split("=", 1)[-1].split(" ")[0]
                acts[word] = acts.get(word, 0) + 1
                if (count and v[1] >= count) or (end and t >= end):
                    sel.unregister(s)
                    del state[s]
                    s.close()
                    break
                if pause:
                    v[4] = t + pause
                else:
                    send(s, t)
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(len(lat) * p))] if lat else 0.0
    out = ["%s=%d" % kv for kv in st.items()]
    out += ["max_ms=%.1f" % (lat[-1] if lat else 0.0), "p50_ms=%.2f" % pct(0.5), "p99_ms=%.2f" % pct(0.99)]
    out += ["action_%s=%d" % kv for kv in sorted(acts.items())]
    print(" ".join(out))


if __name__ == "__main__":
    main()
