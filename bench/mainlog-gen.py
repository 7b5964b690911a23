#!/usr/bin/env python3
# mainlog-gen.py N FILE - a realistic exim 4.96 mainlog of about N lines:
# local submissions from scripts (cwd line, arrival, delivery, Completed),
# authenticated SMTP (arrival, two deliveries), inbound mail (arrival,
# local delivery), a few bounces, failures and deferrals, and the daemon's
# own lines.  Deterministic (seeded).
import random, sys

n, path = int(sys.argv[1]), sys.argv[2]
r = random.Random(42)
al = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
def mid(k):
    return "1x%s-%06d-%s" % ("".join(r.choice(al) for _ in range(4)), k % 1000000, "".join(r.choice(al) for _ in range(2)))
out = open(path, "w")
lines, k, sec = 0, 0, 0
while lines < n:
    k += 1
    sec += r.random() * 0.05
    t = "2026-11-23 %02d:%02d:%02d" % (int(sec // 3600) % 24, int(sec // 60) % 60, int(sec) % 60)
    pid = 10000 + k % 50000
    i = mid(k)
    kind = r.random()
    acct = "user%d" % r.randrange(500)
    if kind < 0.4:
        out.write('%s [%d] cwd=/home/%s/public_html/wp-content/plugins/x 3 args: /usr/sbin/sendmail -t -i\n' % (t, pid, acct))
        out.write('%s [%d] %s <= %s@example.com U=%s P=local S=%d T="Your order %d has shipped" for c%d@remote.example\n'
                  % (t, pid, i, acct, acct, 800 + r.randrange(4000), k, k))
        out.write('%s [%d] %s => c%d@remote.example R=dnslookup T=remote_smtp H=mx%d.remote.example [192.0.2.%d] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C="250 2.0.0 OK"\n'
                  % (t, pid + 1, i, k, k % 9, k % 250))
        out.write('%s [%d] %s Completed\n' % (t, pid + 1, i))
        lines += 4
    elif kind < 0.7:
        ip = "198.51.100.%d" % r.randrange(250)
        out.write('%s [%d] %s <= box%d@example.net H=(laptop) [%s]:%d P=esmtpsa X=TLS1.3:TLS_AES_128_GCM_SHA256:128 CV=no A=dovecot_login:box%d@example.net S=%d id=%d.%d@laptop T="Re: meeting \\"notes\\"" for a%d@remote.example b%d@remote.example\n'
                  % (t, pid, i, k % 300, ip, 40000 + k % 20000, k % 300, 2000 + r.randrange(9000), k, pid, k, k))
        out.write('%s [%d] %s => a%d@remote.example R=dnslookup T=remote_smtp H=mx.remote.example [203.0.113.5] C="250 OK"\n' % (t, pid + 1, i, k))
        out.write('%s [%d] %s -> b%d@remote.example R=dnslookup T=remote_smtp H=mx.remote.example [203.0.113.5] C="250 OK"\n' % (t, pid + 1, i, k))
        lines += 3
    elif kind < 0.95:
        out.write('%s [%d] %s <= news@list.example.org H=mail.list.example.org [192.0.2.77]:25 P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=%d id=%d@list T="Weekly digest" for %s@example.com\n'
                  % (t, pid, i, 5000 + r.randrange(20000), k, acct))
        out.write('%s [%d] %s => %s <%s@example.com> R=virtual_user T=dovecot_delivery\n' % (t, pid + 1, i, acct, acct))
        out.write('%s [%d] %s Completed\n' % (t, pid + 1, i))
        lines += 3
    else:
        out.write('%s [%d] %s ** nobody%d@remote.example R=dnslookup T=remote_smtp H=mx.remote.example [203.0.113.5]: SMTP error from remote mail server after RCPT TO:<nobody%d@remote.example>: 550 5.1.1 User unknown\n' % (t, pid, i, k, k))
        out.write('%s [%d] %s == slow%d@remote.example R=dnslookup T=remote_smtp defer (-44) H=mx.slow.example [203.0.113.9]: SMTP error from remote mail server after RCPT TO:<slow%d@remote.example>: 451 4.7.1 Greylisted\n' % (t, pid, i, k, k))
        out.write('%s [%d] Start queue run: pid=%d\n' % (t, pid, pid))
        lines += 3
out.close()
