#!/usr/bin/env python3
# smtp_sink.py - a loopback SMTP server that accepts everything and
# writes each message to DIR/NNNNNN.eml, the envelope first:
#   X-Sink-From: <sender>
#   X-Sink-To: <rcpt> (one line per recipient)
#
#   python3 smtp_sink.py PORT DIR
#
# Stands in for "the rest of the internet" in the exim tests: what
# arrives here is what exim delivered remotely.  A recipient whose local
# part starts with "bad" is refused (550, a bounce), one starting with
# "grey" is told to try later (451, a deferral).
import itertools
import os
import socketserver
import sys
import threading

counter = itertools.count(1)
lock = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        self.reply("220 sink.test ESMTP")
        sender, rcpts = "", []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("latin-1").strip()
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink.test")
            elif verb == "MAIL":
                sender, rcpts = cmd[10:].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpt = cmd[8:].strip()
                if rcpt.startswith("<bad"):
                    self.reply("550 5.1.1 %s: user unknown" % rcpt)
                elif rcpt.startswith("<grey"):
                    self.reply("451 4.7.1 greylisted, try again later")
                else:
                    rcpts.append(rcpt)
                    self.reply("250 OK")
            elif verb == "DATA" and not rcpts:
                self.reply("503 no valid recipients")
            elif verb == "DATA":
                self.reply("354 go ahead")
                body = []
                while True:
                    l = self.rfile.readline()
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    body.append(l[1:] if l.startswith(b"..") else l)
                with lock:
                    n = next(counter)
                path = os.path.join(out, "%06d.eml" % n)
                with open(path + ".tmp", "wb") as f:
                    f.write(("X-Sink-From: %s\n" % sender).encode())
                    for r in rcpts:
                        f.write(("X-Sink-To: %s\n" % r).encode())
                    f.write(b"".join(body))
                os.rename(path + ".tmp", path)
                self.reply("250 queued as %d" % n)
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    port, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    Server(("127.0.0.1", port), Handler).serve_forever()
