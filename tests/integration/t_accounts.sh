#!/bin/sh
# t_accounts: uid -> user, path -> home owner, email domain -> owner via
# userdomains; ignore lists for accounts, emails, IPs/CIDRs, paths and
# subjects.  Needs root to create the users.
tid="accounts"
. "$top_srcdir/tests/lib.sh"
if [ "$(id -u)" != 0 ]; then echo "skip: needs root for useradd"; exit 77; fi
u1=osmt$$a; u2=osmt$$b
useradd -m -d "$T/home/$u1" -u $((40000 + $$ % 10000)) "$u1" 2>/dev/null || fail "useradd $u1"
useradd -m -d "$T/home/$u2" "$u2" 2>/dev/null || fail "useradd $u2"
trap 'userdel "$u1" 2>/dev/null; userdel "$u2" 2>/dev/null; cleanup' EXIT INT TERM
uid1=$(id -u "$u1")
printf 'shop.example: %s\n*: nobody\n' "$u2" > "$T/userdomains"
cat > "$T/extra.yaml" <<EOC
min_uid: 1000
triggers:
  default:
    logline: { events: 10, seconds: 60, actions: [store] }
    logline:subject: { events: 10, seconds: 60, actions: [store] }
    cwdcheck: { events: 10, seconds: 60, actions: [store] }
    cwdcheck:cwd: { events: 10, seconds: 60, actions: [store] }
  accounts:
    $u2:
      logline: { events: 100 }
ignore:
  accounts: [trusted]
  email_accounts: [noreply@shop.example]
  ips: [10.0.0.0/8, "2001:db8::/32"]
  paths: ["/cgi-bin/"]
  subjects: ["^Order confirmation"]
EOC
write_config "$T/extra.yaml"
start_redis
start_policyd

ask source=exim "uid=$uid1" "cwd=$T/home/$u1/public_html" subject=hello >/dev/null
k="osm:test:{$u1}"
expect_eq "$(rcli LLEN "$k:w:logline:$u1:60")" 1 "uid resolved to $u1"
expect_eq "$(rcli LLEN "$k:w:cwdcheck:$u1:60")" 1 "cwd owner is $u1"
expect_eq "$(rcli --scan --pattern "$k:w:cwdcheck:cwd:*" | wc -l)" 1 "cwdcheck:cwd key"
expect_eq "$(rcli --scan --pattern "$k:w:logline:subject:*" | wc -l)" 1 "logline:subject key"

# u1's script in u2's home (homes are 0711): all of it u1's, nothing
# lands on u2 on the word of u1's process.
ask source=exim "uid=$uid1" "cwd=$T/home/$u2/www" >/dev/null
expect_eq "$(rcli LLEN "$k:w:logline:$u1:60")" 2 "u1's logline"
expect_eq "$(rcli LLEN "$k:w:cwdcheck:$u1:60")" 2 "u1's cwdcheck"
expect_eq "$(rcli --scan --pattern "osm:test:{$u2}:*" | wc -l)" 0 "nothing counted for u2"
# the web server's user in u2's home: u2's cwd
ask source=exim "uid=$(id -u www-data)" "cwd=$T/home/$u2/www" >/dev/null
expect_eq "$(rcli LLEN "osm:test:{$u2}:w:cwdcheck:$u2:60")" 1 "u2 owns the web user's cwd"
# the daemon's own user (its report emails) is never counted
ask source=exim "uid=$(id -u "$RUN_USER")" >/dev/null
expect_eq "$(rcli --scan --pattern "osm:test:{$RUN_USER}:*" | wc -l)" 0 "the daemon's user is not counted"

# Email account of a domain in userdomains counts under the owner's tag,
# with the owner's override (100) inherited by the email account.
ask source=exim sasl_username=sales@shop.example client_address=203.0.113.5 >/dev/null
ask source=exim sasl_username=sales@shop.example client_address=203.0.113.6 >/dev/null
# The second was answered from memory: it reaches Redis just after.
wait_until [ "$(rcli LLEN "osm:test:{$u2}:w:logline:sales@shop.example:60")" = 2 ]
expect_eq "$(rcli LLEN "osm:test:{$u2}:w:logline:sales@shop.example:60")" 2 "email under owner's tag, owner's level inherited"

# Ignore lists.
ask source=exim account=trusted >/dev/null
ask source=exim sasl_username=noreply@shop.example >/dev/null
ask source=exim account=relay1 client_address=10.9.8.7 >/dev/null
ask source=exim account=relay2 client_address=2001:db8::25 >/dev/null
ask source=exim "uid=$uid1" "cwd=$T/home/$u1/cgi-bin/x" >/dev/null
ask source=exim "uid=$uid1" "subject=Order confirmation 123" >/dev/null
expect_eq "$(rcli --scan --pattern 'osm:test:{trusted}:*' | wc -l)" 0 "ignored account"
expect_eq "$(rcli EXISTS "osm:test:{$u2}:w:logline:noreply@shop.example:60")" 0 "ignored email"
expect_eq "$(rcli --scan --pattern 'osm:test:{relay*' | wc -l)" 0 "ignored IPv4 and IPv6 ranges"
expect_eq "$(rcli LLEN "$k:w:cwdcheck:$u1:60")" 2 "ignored path not counted (the 2 above)"
expect_eq "$(rcli --scan --pattern "$k:w:logline:subject:*" | wc -l)" 1 "ignored subject not counted"
wait_until [ "$(rcli LLEN "$k:w:logline:$u1:60")" = 4 ]
expect_eq "$(rcli LLEN "$k:w:logline:$u1:60")" 4 "the rest of those messages still counted"
osmctl counters "sales@shop.example" > "$T/c.txt"
expect_grep "hash tag {$u2}" "$T/c.txt" "osmctl counters resolves the tag"
expect_grep "trigger above 100" "$T/c.txt" "osmctl counters shows the inherited level"
pass
