#!/bin/sh
# t_actions: every action that runs outside exim, end to end from bursts
# of policy requests: the cPanel and csf command lines (stand-ins that
# record their argv), the nftables fallback, rename_path/rename_script
# and osmctl restore, the attacks on them (symlinks at the path, at a
# parent, pointing outside the home; another account's directory), the
# custom action in its four formats read by real parsers with a hostile
# subject, a custom script that never exits, a flood of reports against
# a small action queue, and monitor mode.  (The report email and exim's
# queue are in t_exim.sh.)
tid="actions"
. "$top_srcdir/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "skip: $tid (needs root: users, privileged helper)"; exit 77; }
users=""
for s in a b c d e; do users="$users osmy$$$s"; done
set -- $users
A2=$1 A3=$2 A4=$3 A5=$4 A1=$5
trap 'for u in $users; do userdel "$u" 2>/dev/null; done; cleanup' EXIT INT TERM
chmod 755 "$T"
mkdir -p "$T/bin" "$T/home" "$T/out" "$T/outside"
chown "$RUN_USER" "$T/out"			# the custom program runs as the daemon's user
for u in $users; do
	useradd -m -d "$T/home/$u" -s /bin/sh "$u" 2>/dev/null || fail "useradd $u"
	chmod 755 "$T/home/$u"
done

# Stand-ins for what cannot exist here: each records its argv, one
# bracketed word per argument, so spaces and quoting are visible.
for p in suspendacct whmapi1 uapi csf nft exim; do
	cat > "$T/bin/$p" <<EOS
#!/bin/sh
{ printf '%s' "$p"; for a in "\$@"; do printf ' [%s]' "\$a"; done; echo; } >> "$T/argv.log"
EOS
	chmod 755 "$T/bin/$p"
done
# the custom action's script: keeps its input per format, or hangs
cat > "$T/bin/custom" <<EOS
#!/bin/sh
case "\$(cat "$T/custom.mode")" in
sleep) exec sleep 1000 ;;
slow) cat > /dev/null; sleep 1; echo slow done ;;
*) cat > "$T/out/\$OSM_FORMAT.\$OSM_REPORT"; echo "custom got \$OSM_REPORT"; env | sort > "$T/out/env.\$OSM_REPORT"
   id -u > "$T/out/uid.\$OSM_REPORT" ;;
esac
EOS
chmod 755 "$T/bin/custom"
echo capture > "$T/custom.mode"
printf 'shop.example: %s\n' "$A2" > "$T/userdomains"

config() {	# config MODE FORMAT QUEUE TIMEOUT
	cat > "$T/extra.yaml" <<EOC
socket_mode: "0666"
mode: $1
min_uid: 1000
ignore:
  ips: [127.0.0.1, "::1", 198.51.100.0/24]
  accounts: [quiet]
triggers:
  default:
    logline: { events: 2, seconds: 60, actions: [store] }
    logline:subject: { enabled: false }
    cwdcheck: { enabled: false }
    cwdcheck:cwd: { enabled: false }
  accounts:
    $A1: { logline: { actions: [store, suspend_account, block_account_mail] } }
    $A2: { logline: { actions: [store, rename_path, rename_script] } }
    $A3: { logline: { events: 3, actions: [store, rename_path, rename_script] } }
    $A4: { logline: { actions: [store, rename_path, rename_script] } }
    $A5:
      logline: { events: 100 }
      cwdcheck: { enabled: true, events: 2, actions: [store, rename_path] }
    cust: { logline: { actions: [store, custom] } }
    flood: { logline: { events: 0, actions: [store, custom] } }
  email_accounts:
    "sales@shop.example": { logline: { actions: [store, block_login, block_outgoing, suspend_email, block_ip] } }
actions:
  timeout: $4
  queue: $3
  exim: $T/bin/exim
  exim_spool: $T/spool
  commands:
    suspend_account: [$T/bin/suspendacct, "%account", "osm report %report"]
    block_account_mail: [$T/bin/whmapi1, suspend_outgoing_email, "user=%account"]
    suspend_email:
      - [$T/bin/uapi, "--user=%account", Email, suspend_login, "email=%email"]
      - [$T/bin/uapi, "--user=%account", Email, suspend_outgoing, "email=%email"]
    block_login: [$T/bin/uapi, "--user=%account", Email, suspend_login, "email=%email"]
    block_outgoing: [$T/bin/uapi, "--user=%account", Email, suspend_outgoing, "email=%email"]
    block_ip:
      - [$T/bin/csf, -d, "%ip", "osm report %report"]
      - [$T/bin/nft, add, element, inet, filter, osm_block, "{ %ip }"]
  custom: { command: [$T/bin/custom], format: $2 }
EOC
	write_config "$T/extra.yaml"
}
reconfig() {	# reconfig ARGS...: a new configuration for the running daemon
	config "$@"
	kill -HUP "$PD_PID"
	sleep 0.5
}
send() {	# send N ATTR=VALUE...: N events from one sender
	n=$1; shift
	burst "$n" source=exim protocol_state=END-OF-MESSAGE "$@" > /dev/null || fail "burst $*"
}
report_of() {	# report_of KEY: the newest report id for KEY
	osmctl reports -n 500 | awk -v k="$1" '$5 == k {print $1; exit}'
}
results() {	# results ID: wait until its actions ran, then print them as JSON
	for _ in $(seq 1 100); do
		osmctl report "$1" --json > "$T/r.json" 2>/dev/null
		python3 -c 'import json,sys; sys.exit(0 if "results" in json.load(open(sys.argv[1])) else 1)' \
			"$T/r.json" && break
		sleep 0.1
	done
	python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])).get("results")))' "$T/r.json"
}
tamper() {	# tamper TAG ID PYTHON: rewrite report ID's results in Redis (r: the list)
	k="osm:test:{$1}:report:$2"
	rcli HGET "$k" results > "$T/results.json"
	python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
exec(sys.argv[2])
print(json.dumps(r))' "$T/results.json" "$3" > "$T/results.new" || fail "tamper: $3"
	rcli HSET "$k" results "$(cat "$T/results.new")" > /dev/null
}
status_of() {	# status_of ID ACTION [N]: status of the Nth result of ACTION
	results "$1" | python3 -c 'import json,sys
r = [x for x in json.load(sys.stdin) if x["action"] == sys.argv[1]]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 0
print(r[n]["status"] + " " + r[n].get("detail", "") if len(r) > n else "none")' "$2" ${3:-}
}

config enforce json 50 3s
start_redis
start_policyd

# --- cPanel account actions: exact command lines ------------------------
tid="actions cpanel account"
send 3 account="$A1" uid="$(id -u "$A1")"
id=$(report_of "$A1")
[ -n "$id" ] || fail "no report for $A1"
expect_eq "$(status_of "$id" suspend_account | cut -d' ' -f1)" ok "suspend_account ok"
expect_eq "$(status_of "$id" block_account_mail | cut -d' ' -f1)" ok "block_account_mail ok"
expect_eq "$(grep '^suspendacct' "$T/argv.log")" "suspendacct [$A1] [osm report $id]" "suspendacct argv"
expect_eq "$(grep '^whmapi1' "$T/argv.log")" "whmapi1 [suspend_outgoing_email] [user=$A1]" "whmapi1 argv"
pass

# --- email account actions and block_ip (csf, then the fallback) ---------
tid="actions email account"
: > "$T/argv.log"
send 3 sasl_username=Sales@Shop.Example client_address=192.0.2.7
id=$(report_of sales@shop.example)
[ -n "$id" ] || fail "no report for sales@shop.example"
for a in block_login block_outgoing suspend_email block_ip; do
	expect_eq "$(status_of "$id" $a | cut -d' ' -f1)" ok "$a ok"
done
cat > "$T/want" <<EOW
uapi [--user=$A2] [Email] [suspend_login] [email=sales@shop.example]
uapi [--user=$A2] [Email] [suspend_outgoing] [email=sales@shop.example]
uapi [--user=$A2] [Email] [suspend_login] [email=sales@shop.example]
uapi [--user=$A2] [Email] [suspend_outgoing] [email=sales@shop.example]
csf [-d] [192.0.2.7] [osm report $id]
EOW
diff -u "$T/want" "$T/argv.log" > "$T/diff" || fail "argv: $(cat "$T/diff")"
rm "$T/bin/csf"				# no csf: the configured fallback
: > "$T/argv.log"
osmctl release sales@shop.example > /dev/null
send 3 sasl_username=sales@shop.example client_address=2001:db8::9
id=$(report_of sales@shop.example)
results "$id" > /dev/null
expect_eq "$(grep -c . "$T/argv.log")" 5 "four uapi calls and one firewall call"
expect_grep "^nft \[add\] \[element\] \[inet\] \[filter\] \[osm_block\] \[{ 2001:db8::9 }\]$" "$T/argv.log" "nft fallback argv"
# never a local address (an ignored one makes no event at all)
: > "$T/argv.log"
send 3 sasl_username=sales@shop.example client_address=127.0.0.2
id=$(report_of sales@shop.example)
expect_eq "$(status_of "$id" block_ip)" "skipped 127.0.0.2 is a local address" "a local address is not blocked"
grep -q '^nft' "$T/argv.log" && fail "a local address went to the firewall"
pass

# --- rename_path and rename_script, then osmctl restore -----------------
tid="actions rename"
wp="$T/home/$A2/public_html/wp"
mkdir -p "$wp"
echo '<?php mail(...);' > "$wp/send.php"
chmod 755 "$wp"; chmod 644 "$wp/send.php"
chown -R "$A2:" "$T/home/$A2/public_html"
send 3 account="$A2" cwd="$wp" script="$wp/send.php"
id=$(report_of "$A2")
expect_eq "$(status_of "$id" rename_script | cut -d' ' -f1)" ok "rename_script ok"
expect_eq "$(status_of "$id" rename_path | cut -d' ' -f1)" ok "rename_path ok"
[ -e "$wp" ] && fail "the directory is still there"
d="$wp.osm-disabled-$id"
expect_eq "$(stat -c %a "$d")" 0 "the directory is mode 000"
expect_eq "$(stat -c %a "$d/send.php.osm-disabled-$id")" 0 "the script is mode 000"
# Redis is not trusted: a setuid, setgid or sticky bit in the recorded
# mode never comes back
tamper "$A2" "$id" 'for x in r:
    if x["action"] == "rename_script": x["mode"] = "4644"
    if x["action"] == "rename_path": x["mode"] = "3755"'
osmctl restore "$id" > "$T/restore.txt" || fail "osmctl restore: $(cat "$T/restore.txt")"
expect_eq "$(stat -c %a "$wp")" 755 "directory restored with its mode, no setgid or sticky bit"
expect_eq "$(stat -c %a "$wp/send.php")" 644 "script restored with its mode, no setuid bit"
expect_eq "$(stat -c %U "$wp/send.php")" "$A2" "still the account's"
osmctl restore "$id" | grep -q "renamed nothing that is not restored already" || fail "restore twice"
pass

# --- osmctl restore trusts nothing in Redis -----------------------------
tid="actions restore attacks"
# results a rename never made: a system account below min_uid (its own
# directory, so only the uid check stops it), and a name that is not
# PATH.osm-disabled-ID (another of the account's files)
S="osms$$"
useradd -r -m -d "$T/home/$S" -s /bin/sh "$S" 2>/dev/null || fail "useradd -r $S"
users="$users $S"
[ "$(id -u "$S")" -lt 1000 ] || fail "$S has uid $(id -u "$S"), want a system uid"
mkdir -m 0 "$T/home/$S/site.osm-disabled-$id"
chown "$S:" "$T/home/$S/site.osm-disabled-$id"
echo "<?php // config" > "$wp/config.php"
chown "$A2:" "$wp/config.php"
tamper "$A2" "$id" "r += [
    dict(action='rename_path', status='ok', account='$S', path='$T/home/$S/site',
         renamed_to='site.osm-disabled-$id', mode='0755'),
    dict(action='rename_script', status='ok', account='$A2', path='$wp/index.php',
         renamed_to='config.php', mode='0644'),
    dict(action='rename_script', status='ok', account='root', path='/root/osm-t$$',
         renamed_to='osm-t$$.osm-disabled-$id', mode='4755')]"
osmctl restore "$id" > "$T/restore.txt" && fail "restore accepted forged results: $(cat "$T/restore.txt")"
expect_grep "$T/home/$S/site: cannot restore: $S is not an account (uid >= 1000, not root)" "$T/restore.txt" \
	"a system account is refused"
expect_grep "/root/osm-t$$: cannot restore: root is not an account" "$T/restore.txt" "root is refused"
expect_grep "$wp/index.php: cannot restore: the report names config.php, a rename makes index.php.osm-disabled-$id" \
	"$T/restore.txt" "a name that is not PATH.osm-disabled-ID is refused"
[ -d "$T/home/$S/site.osm-disabled-$id" ] && [ ! -e "$T/home/$S/site" ] || fail "the system account's directory was renamed"
[ -f "$wp/config.php" ] && [ ! -e "$wp/index.php" ] || fail "another file of the account was renamed"
pass

# --- attacks on the rename actions --------------------------------------
tid="actions rename attacks"
h3="$T/home/$A3"
echo secret > "$T/outside/file"; chmod 644 "$T/outside/file"
mkdir -p "$h3/real/sub" "$h3/foreign"
ln -s /etc "$h3/link"				# symlink at the path
ln -s "$h3/real" "$h3/linkdir"			# symlink at a parent
ln -s "$T/outside/file" "$h3/evil.php"		# pointing outside the home
chown -h -R "$A3:" "$h3"
chown "$A4:" "$h3/foreign"			# another account's directory
send 1 account="$A3" cwd="$h3/link" script="$h3/evil.php"
send 1 account="$A3" cwd="$h3/linkdir/sub"
send 1 account="$A3" cwd="$h3/foreign"
send 1 account="$A3" cwd=/etc
id=$(report_of "$A3")
[ -n "$id" ] || fail "no report for $A3"
results "$id" > "$T/attack.json"
python3 - "$T/attack.json" <<'EOP' || fail "attack results: $(cat "$T/attack.json")"
import json, sys
r = json.load(open(sys.argv[1]))
paths = [x for x in r if x["action"] == "rename_path"]
scripts = [x for x in r if x["action"] == "rename_script"]
assert len(paths) == 4 and all(x["status"] == "failed" for x in paths), paths
d = " | ".join(x["detail"] for x in paths)
assert "link: a symlink" in d, d
assert "linkdir: a symlink or not a directory" in d, d
assert "foreign: not owned by the account" in d, d
assert "/etc: not a clean absolute path inside the home" in d, d
assert len(scripts) == 1 and scripts[0]["status"] == "failed" and "a symlink" in scripts[0]["detail"], scripts
EOP
[ -d /etc ] && [ ! -e /etc.osm-disabled-"$id" ] || fail "/etc was touched"
expect_eq "$(stat -c %a "$T/outside/file")" 644 "the file outside keeps its mode"
[ -L "$h3/link" ] && [ -L "$h3/evil.php" ] && [ -d "$h3/real/sub" ] && [ -d "$h3/foreign" ] ||
	fail "an attacked path was renamed"
pass

# --- one account's process in another account's home -------------------
tid="actions cross-home"
h5="$T/home/$A5"; shop="$h5/public_html/shop"
mkdir -p "$shop"; echo '<?php mail(...);' > "$shop/x.php"
chown -R "$A5:" "$h5/public_html"
# A4 runs A5's script from A5's directory, naming A5's uid in the PHP
# header: counted for A4; nothing lands on A5
send 3 uid="$(id -u "$A4")" cwd="$shop" script="$(id -u "$A5"):$shop/x.php"
id=$(report_of "$A4")
[ -n "$id" ] || fail "no report for $A4"
expect_eq "$(status_of "$id" rename_path | cut -d' ' -f1)" failed "rename_path refused outside $A4's home"
expect_eq "$(status_of "$id" rename_script)" "skipped no script path in the report" \
	"a header naming another uid is no rename target"
expect_eq "$(report_of "$A5")" "" "no report for $A5 on $A4's word"
osmctl report "$id" --json > "$T/r4.json"
expect_grep "\"cwd_owner\": *\"$A5\"" "$T/r4.json" "the report still says whose directory it was"
[ -d "$shop" ] && [ -f "$shop/x.php" ] || fail "$A5's files were renamed"
# the web server's user (not an account) in A5's docroot: A5's, as before
send 3 uid="$(id -u www-data)" cwd="$shop"
id=$(report_of "$A5")
[ -n "$id" ] || fail "no cwdcheck report for $A5"
expect_eq "$(status_of "$id" rename_path | cut -d' ' -f1)" ok "rename_path of the web user's cwd"
[ -d "$shop.osm-disabled-$id" ] || fail "the docroot was not disabled"
osmctl restore "$id" > /dev/null || fail "restore"
[ -d "$shop" ] || fail "not restored"
pass

# --- the privileged helper checks what the unprivileged side names -------
tid="actions helper checks"
PRIV="$top_builddir/tests/tools/privcall"
priv() { "$PRIV" "$CONF" "$@" 2>> "$T/priv.log"; }
case "$(priv rename path "$A4" "$shop" 1a2b)" in
"failed $shop: not a clean absolute path inside the home"*) ;; *) fail "a rename outside the named account's home" ;; esac
[ -d "$shop" ] || fail "$shop renamed"
case "$(priv command suspend_account root "" "" 1a2b)" in
failed*"not an account"*) ;; *) fail "root accepted as an account" ;; esac
case "$(priv command suspend_account daemon "" "" 1a2b)" in
failed*"not an account"*) ;; *) fail "an account below min_uid accepted" ;; esac
useradd -M -u 1999 -d /nonexistent quiet 2>/dev/null
case "$(priv command suspend_account quiet "" "" 1a2b)" in
skipped*"ignore.accounts"*) ;; *) fail "an ignored account acted on" ;; esac
userdel quiet 2>/dev/null
case "$(priv command suspend_email "$A4" sales@shop.example "" 1a2b)" in
failed*"not an email account of $A4"*) ;; *) fail "another account's mailbox acted on" ;; esac
grep -q "^uapi.*$A4" "$T/argv.log" && fail "uapi ran for a foreign mailbox"
# exim's queue: a message id that is another sender's is left alone
mkdir -p "$T/spool/input"
for m in "1xYdgy-0007nR-0g $A4" "1xYdgy-0007nS-0g $A5"; do
	set -- $m
	printf '%s-H\n%s %s %s\n<%s@mx.test.example>\n1796192388 0\n-ident %s\n' \
		"$1" "$2" "$(id -u "$2")" "$(id -g "$2")" "$2" "$2" > "$T/spool/input/$1-H"
done
: > "$T/argv.log"
out=$(priv queue hold "account:$A4" 1a2b 1xYdgy-0007nS-0g)
# (the stand-in exim says nothing, so none counts as frozen)
case "$out" in *" 0 of 1 message(s) of account:$A4: 1xYdgy-0007nR-0g "*) ;; *) fail "queue hold: $out" ;; esac
expect_eq "$(grep '^exim' "$T/argv.log")" "exim [-Mf] [1xYdgy-0007nR-0g]" "exim ran on $A4's message only"
pass

# --- custom: four formats, real parsers, a hostile subject --------------
tid="actions custom formats"
subj=$(printf 'He said "hi" $(touch %s/pwned) `touch %s/pwned2` '"'"'q'"'"' <x>&amp; ]]> @ARGV \357\277\276 \377end' "$T" "$T")
for fmt in json yaml xml perl; do
	reconfig enforce "$fmt" 50 3s
	osmctl release cust > /dev/null
	send 3 account=cust subject="$subj"
	id=$(report_of cust)
	expect_eq "$(status_of "$id" custom)" "ok exit 0; output: custom got $id" "custom $fmt ran"
	f="$T/out/$fmt.$id"
	[ -s "$f" ] || fail "no $fmt payload"
	case $fmt in
	json) got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"][2]["subject"])' "$f") ;;
	yaml) got=$(python3 -c 'import yaml,sys; print(yaml.safe_load(open(sys.argv[1]))["events"][2]["subject"])' "$f") ;;
	xml) got=$(xmllint --xpath 'string(/report/events/event[3]/subject)' "$f") ;;
	perl) got=$(perl -e 'my $VAR1; my $d = eval do { local $/; <STDIN> }; die $@ if $@; print $d->{events}[2]{subject}, "\n"' < "$f")
		# an ASCII payload: the reader's "use utf8" changes nothing
		expect_eq "$(perl -e 'use utf8; my $VAR1; my $d = eval do { local $/; <STDIN> }; die $@ if $@; print $d->{events}[2]{subject}, "\n"' < "$f")" \
			"$got" "perl subject under use utf8" ;;
	esac
	# the invalid byte \377 arrives as U+00FF; XML 1.0 cannot hold U+FFFE, it is U+FFFD (osm.yaml(5))
	want=$(printf '%s' "$subj" | sed "s/$(printf '\377')/ÿ/")
	[ "$fmt" = xml ] && want=$(printf '%s' "$want" | sed "s/$(printf '\357\277\276')/$(printf '\357\277\275')/")
	expect_eq "$got" "$want" "$fmt subject intact"
	grep -q "^OSM_FORMAT=$fmt$" "$T/out/env.$id" || fail "OSM_FORMAT in the environment"
	# no actions.custom.user: the daemon's user, not root
	expect_eq "$(cat "$T/out/uid.$id")" "$(id -u "$RUN_USER")" "the custom program's uid"
	expect_eq "$(grep -vc '^\(OSM_REPORT\|OSM_FORMAT\|PATH\|LANG\|HOME\|PWD\|SHLVL\|_\)=' "$T/out/env.$id")" 0 \
		"a minimal environment"
done
[ -e "$T/pwned" ] || [ -e "$T/pwned2" ] && fail "the subject was executed"
pass

# --- a custom script that never exits -----------------------------------
tid="actions custom timeout"
reconfig enforce json 50 2s
echo sleep > "$T/custom.mode"
osmctl release cust > /dev/null
t0=$(date +%s)
send 3 account=cust
# while the script hangs, verdicts are answered at once
a0=$(date +%s%N)
ask source=exim account=bystander > /dev/null || fail "no answer while an action hangs"
ms=$((($(date +%s%N) - a0) / 1000000))
[ "$ms" -lt 500 ] || fail "an answer took $ms ms while an action hung"
id=$(report_of cust)
expect_eq "$(status_of "$id" custom | cut -d' ' -f1-7)" "timeout timed out after 2000 ms, killed" "custom timed out"
# the script sleeps 1000 s: well under that shows the kill, whatever
# the machine's load adds to the 2 s (over 10 s once under ASan, load 8)
[ $(($(date +%s) - t0)) -lt 60 ] || fail "the timeout took too long"
pgrep -f "sleep 1000" > /dev/null && fail "the hung script was not killed"
pass

# --- a flood of reports: the queue stays bounded, no report is lost -----
tid="actions flood"
reconfig enforce json 3 3s
echo slow > "$T/custom.mode"
send 40 account=flood
for _ in $(seq 1 30); do
	[ "$(sed -n 's/^actions_dropped=//p' "$STATUS")" -ge 30 ] 2>/dev/null && break
	sleep 0.1
done
expect_eq "$(osmctl reports -n 500 | awk '$5 == "flood"' | wc -l)" 40 "every report stored"
dropped=$(sed -n 's/^actions_dropped=//p' "$STATUS")
[ "${dropped:-0}" -ge 30 ] || fail "only ${dropped:-0} dropped with a queue of 3"
expect_grep "the action queue is full (actions.queue 3)" "$T/pd.log" "the drop is logged"
pass

# --- monitor mode: decided and recorded, nothing done -------------------
tid="actions monitor"
reconfig monitor json 50 3s
: > "$T/argv.log"
osmctl release "$A1" > /dev/null
send 3 account="$A1"
id=$(report_of "$A1")
expect_eq "$(status_of "$id" suspend_account)" "skipped monitor mode" "monitor: skipped"
expect_eq "$(status_of "$id" store | cut -d' ' -f1)" ok "monitor: stored"
sleep 0.5
[ -s "$T/argv.log" ] && fail "monitor mode ran a command: $(cat "$T/argv.log")"
pass
