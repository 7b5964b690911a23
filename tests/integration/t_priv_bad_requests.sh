#!/bin/sh
# t_priv_bad_requests: malformed packets sent straight to the privileged
# helper's socket, as a compromised action worker could (truncated,
# oversize, bad fields, unknown operations): each gets a "failed" reply
# naming the fault, nothing runs, and the same helper then still
# serves a good request.
tid="priv bad requests"
. "$top_srcdir/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "skip: $tid (needs root: the privileged helper)"; exit 77; }
PRIV="$top_builddir/tests/tools/privcall"
mkdir -p "$T/bin" "$T/spool/input"
cat > "$T/bin/csf" <<EOS
#!/bin/sh
{ printf csf; for a in "\$@"; do printf ' [%s]' "\$a"; done; echo; } >> "$T/argv.log"
EOS
chmod 755 "$T/bin/csf"
cat > "$T/extra.yaml" <<EOC
actions:
  exim_spool: $T/spool
  commands:
    block_ip: [$T/bin/csf, -d, "%ip", "osm %report"]
EOC
write_config "$T/extra.yaml"

good=$(printf 'command\tblock_ip\t\t\t192.0.2.7\tR1')
# request / the reply it must get
cat > "$T/cases" <<EOC
$good|ok csf -d: exit 0
@big 16385|failed request too long
@big 16384|failed unknown request
$(printf 'command\tsusp')|failed command: wrong number of fields
$(printf 'command\tblock_ip\t\t\t192.0.2.7')|failed command: wrong number of fields
$(printf 'command\treboot\t\t\t192.0.2.7\tR1')|failed command: not a command action
$(printf 'command\tblock_ip\t\t\t192.0.2.7;reboot\tR1')|failed command: a field has a bad shape
$(printf 'command\tsuspend_account\t-rf\t\t\tR1')|failed command: a field has a bad shape
$(printf 'command\tblock_ip\t\t\t192.0.2.7\t../R1')|failed command: a field has a bad shape
$(printf 'queue\tfreeze\taccount:bob\tR1')|failed queue: bad request
$(printf 'queue\thold\tuser:bob\tR1')|failed queue: a field has a bad shape
$(printf 'rename\tpath\tbob\thome/bob/x\tR1')|failed rename: a field has a bad shape
$(printf 'rename\tpath\tbob\t/home/bob/../root\tR1')|failed rename: a field has a bad shape
$(printf 'custom\tR1')|failed custom: bad request
$(printf 'exec\t/bin/sh\t-c\tid')|failed unknown request
$(printf '\t')|failed unknown request
$(printf 'exec\033[2J\r\tx')|failed unknown request
$good|ok csf -d: exit 0
EOC
cut -d'|' -f1 "$T/cases" > "$T/in"
cut -d'|' -f2 "$T/cases" > "$T/want"
"$PRIV" -s "$CONF" < "$T/in" > "$T/out" 2>> "$T/priv.log" || fail "the helper stopped answering: $(cat "$T/out")"
sed "s|^ok $T/bin/|ok |" "$T/out" > "$T/got"
diff "$T/want" "$T/got" > "$T/diff" || fail "replies differ (want, got): $(cat "$T/diff")"
expect_eq "$(cat "$T/argv.log")" "csf [-d] [192.0.2.7] [osm R1]
csf [-d] [192.0.2.7] [osm R1]" "only the two good requests ran a command"
expect_grep "helper: exec /bin/sh: failed unknown request" "$T/priv.log" "the refusal is logged"
# the peer's words are logged short and printable
expect_grep "helper: exec?\[2J? x: failed unknown request" "$T/priv.log" "a control byte in the log"
expect_grep "helper: a\{40\} : failed unknown request" "$T/priv.log" "a 16 KiB operation name logged short"
pass
