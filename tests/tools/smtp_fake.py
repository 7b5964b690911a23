#!/usr/bin/env python3
# smtp_fake.py - both ends of the sniffer tests.
#
#   smtp_fake.py serve [--delay=MS] PORT...
#       a fake MTA: on [::] (IPv4 too) it answers "220" after MS
#       milliseconds (a stand-in for the network's round trips) and waits
#       for QUIT
#   smtp_fake.py connect HOST PORT MODE N
#       N connections, each from a new socket, one after another:
#       banner  read the 220, send QUIT, close (a script sending mail)
#       hold    read the 220, keep the connection 1 s, close
#       close   close right after connect
#       refused expect the connection to fail (closed port, firewall)
#     prints "ok N" / "failed N" counts at the end.
import socket
import sys
import threading
import time


def serve(ports, delay):
    def client(c):
        try:
            time.sleep(delay)
            c.sendall(b"220 fake.test ESMTP\r\n")
            c.settimeout(5)
            buf = b""
            while b"QUIT" not in buf.upper():
                d = c.recv(1024)
                if not d:
                    break
                buf += d
            c.sendall(b"221 bye\r\n")
        except OSError:
            pass
        finally:
            c.close()

    def listen(port):
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
        s.listen(1024)
        while True:
            c, _ = s.accept()
            threading.Thread(target=client, args=(c,), daemon=True).start()

    for p in ports:
        threading.Thread(target=listen, args=(int(p),), daemon=True).start()
    print("listening", flush=True)
    while True:
        time.sleep(3600)


def connect(host, port, mode, n):
    ok = failed = 0
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(n):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(3)
        try:
            s.connect((host, port))
            if mode in ("banner", "hold"):
                if not s.recv(1024).startswith(b"220"):
                    raise OSError("no banner")
                if mode == "hold":
                    time.sleep(1)
                s.sendall(b"QUIT\r\n")
                s.recv(1024)
            ok += 1
        except OSError:
            failed += 1
        finally:
            s.close()
    print("ok %d failed %d" % (ok, failed))


if sys.argv[1] == "serve":
    args = sys.argv[2:]
    delay = 0.0
    if args and args[0].startswith("--delay="):
        delay = int(args.pop(0)[8:]) / 1000.0
    serve(args, delay)
else:
    connect(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
