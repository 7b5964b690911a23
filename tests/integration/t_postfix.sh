#!/bin/sh
# t_postfix: Postfix's own attributes over TCP; only END-OF-MESSAGE
# counts; other states get the sender's current verdict.
tid="postfix"
. "$top_srcdir/tests/lib.sh"
port=$((20000 + $$ % 20000))
cat > "$T/extra.yaml" <<EOC
triggers:
  default:
    logline: { events: 2, seconds: 60, actions: [store, hold] }
    logline:subject: { enabled: false }
EOC
write_config "$T/extra.yaml"
sed -i "s|^  - unix:$PD_SOCK|  - unix:$PD_SOCK\n  - inet:127.0.0.1:$port|" "$CONF"
start_redis
start_policyd
pf() {	# pf STATE: one Postfix-style request over TCP
	"$PCLIENT" -T 3000 "inet:127.0.0.1:$port" request=smtpd_access_policy "protocol_state=$1" \
		protocol_name=ESMTP helo_name=pc.example queue_id=8045F2AB23 sender=joe@example.org \
		recipient=x@remote.example recipient_count=1 client_address=198.51.100.9 \
		client_name=pc.example reverse_client_name=pc.example instance=123.456.7 \
		sasl_method=plain sasl_username=joe@example.org sasl_sender= size=12345 \
		ccert_subject= ccert_issuer= ccert_fingerprint= encryption_protocol=TLSv1.3 \
		encryption_cipher=TLS_AES_256_GCM_SHA384 encryption_keysize=256 etrn_domain= \
		stress= server_address=192.0.2.1 server_port=587 policy_context= \
		compatibility_level=3.6 mail_version=3.7.11
}
for i in 1 2 3 4 5; do
	expect_eq "$(pf RCPT)" "action=DUNNO" "RCPT state $i not counted"
done
expect_eq "$(rcli LLEN 'osm:test:{joe@example.org}:w:logline:joe@example.org:60')" 0 "RCPT not counted"
pf END-OF-MESSAGE > /dev/null
pf END-OF-MESSAGE > /dev/null
expect_eq "$(pf END-OF-MESSAGE)" "action=HOLD osm: email:joe@example.org held by report $(osmctl reports | awk 'NR==2{print $1}')" "third message held"
case "$(pf RCPT)" in "action=HOLD osm: email:joe@example.org held"*) ;; *) fail "RCPT after hold gets the verdict";; esac
osmctl report "$(osmctl reports | awk 'NR==2{print $1}')" > "$T/rep.txt"
expect_grep 'ip="198.51.100.9"' "$T/rep.txt" "client IP in report"
expect_grep 'queue_id="8045F2AB23"' "$T/rep.txt" "queue id in report"
pass
