#!/bin/sh
# check_docs.sh - what `make install` installs is named in the docs.
#
# Installs the build tree into a scratch DESTDIR and checks:
#   - every program (bin, sbin, libexec, lib*: the exim module) is named
#     in a README.md paragraph that says what `make install` installs;
#     every program in sbin also in the NAME line of osm.yaml(5), which
#     says who reads the file (the exim module reads no osm.yaml: its
#     options are the arguments of its ${dlfunc} call);
#   - every man page is named NAME(SECTION) in such a README paragraph,
#     and in the SEE ALSO of osm.yaml(5) (but osm.yaml(5) itself);
#   - every installed configuration file is named in such a paragraph;
#   - every config key is documented in osm.yaml(5) and named in
#     conf/osm.yaml.sample.  The config keys are the rows of the parameter
#     table (tests/tools/cfgkeys prints them), plus any mapping key that
#     lib/osm_cfg.c still compares literally inside an
#     OSM_CFG_FOREACH_PAIR loop: a top-level key must be the tag of a
#     paragraph of the KEYS section, a nested one (redis.timeout_ms,
#     actions.custom.format) a word of its top-level key's paragraph.
#     The per-trigger settings (events, seconds, windows, failure_ratio,
#     actions, enabled), the event types of osm_ev_names and default,
#     accounts and email_accounts count as keys of triggers.  The names
#     under actions.commands are action names (values elsewhere), not
#     checked here.
# Config keys are not required in README.md: it is an overview and
# sends the reader to osm.yaml(5) and the installed sample for them.
# Any installed file of a kind this script does not know fails it, so
# a new kind of file gets a rule here instead of slipping through.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
readme=$top_srcdir/README.md
man5=$top_srcdir/man/osm.yaml.5
cfg=$top_srcdir/lib/osm_cfg.c
sample=$top_srcdir/conf/osm.yaml.sample
tmp=$(mktemp -d) || exit 1
trap '[ -n "${OSM_TEST_KEEP:-}" ] || rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

if ! make -C "$top_builddir" install DESTDIR="$tmp/root" > "$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	echo "FAIL: make install DESTDIR"
	exit 1
fi

# README paragraphs (blank-line separated) that mention `make install`.
awk 'BEGIN { RS = "" } /`make install`/' "$readme" > "$tmp/readme"
# osm.yaml(5): its NAME line, SEE ALSO, and KEYS paragraphs one per line
# ("TAG<TAB>BODY"; TAG the bold words of the .TP line after it).
sed -n '/^\.SH NAME/{n;p;}' "$man5" > "$tmp/name"
sed -n '/^\.SH SEE ALSO/,/^\.SH/p' "$man5" > "$tmp/seealso"
awk '/^\.SH/ { if (inkeys && tag != "") print tag "\t" body; inkeys = ($2 == "KEYS"); tag = ""; next }
	!inkeys { next }
	/^\.TP/ { if (tag != "") print tag "\t" body; tag = ""; body = ""; want = 1; next }
	want { want = 0; tag = $0; gsub(/^\.B[RI]* |"[^"]*"/, "", tag); next }
	{ body = body " " $0 }' "$man5" > "$tmp/keys"
[ -s "$tmp/keys" ] || bad "osm.yaml(5): no KEYS section found"

# Installed files, by kind.
n=0
for f in $(cd "$tmp/root" && find . \( -type f -o -type l \) | sort); do
	b=${f##*/}
	n=$((n + 1))
	case $f in
	*/share/man/man[1-9]/*)
		sec=${f%/*}; sec=${sec##*/man}; page=${b%.*}
		grep -qF "$page($sec)" "$tmp/readme" || bad "README.md: install paragraph does not name $page($sec)"
		[ "$page($sec)" = "osm.yaml(5)" ] || grep -qE "^\.BR $page \($sec\)" "$tmp/seealso" \
			|| bad "osm.yaml(5): SEE ALSO does not name $page($sec)";;
	*/bin/*|*/sbin/*|*/libexec/*|*/lib/*|*/lib64/*)
		grep -qw -- "$b" "$tmp/readme" || bad "README.md: install paragraph does not name program $b"
		case $f in */sbin/*) grep -qw -- "$b" "$tmp/name" || bad "osm.yaml(5): NAME line does not name $b";; esac;;
	*/etc/*)
		grep -qF -- "$b" "$tmp/readme" || bad "README.md: install paragraph does not name $b";;
	*)
		bad "installed $f: a kind of file check_docs.sh does not know";;
	esac
done
[ "$n" -gt 0 ] || bad "make install installed nothing"

# Config keys as SECTION.KEY (top-level keys: KEY), from the loader.
awk '/^const char \*const osm_ev_names/ { ev = 1; next }
	ev && /};/ { ev = 0 }
	ev { s = $0; while (match(s, /"[^"]*"/)) { print "triggers." substr(s, RSTART + 1, RLENGTH - 2); s = substr(s, RSTART + RLENGTH) } }
	/OSM_CFG_FOREACH_PAIR\(/ { sec = $0; if (sec ~ /"[^"]*"\)/) { sub(/.*, "/, "", sec); sub(/".*/, "", sec) } else sec = "triggers" }
	/strcmp\(key, "/ { s = $0; while (match(s, /strcmp\(key, "[^"]*"/)) {
		k = substr(s, RSTART + 13, RLENGTH - 14); s = substr(s, RSTART + RLENGTH)
		print (sec == "configuration" ? "" : sec ".") k } }' "$cfg" > "$tmp/ladder"
if ! "$top_builddir/tests/tools/cfgkeys" > "$tmp/table"; then
	echo "FAIL: tests/tools/cfgkeys"
	exit 1
fi
cut -f1 "$tmp/table" | cat - "$tmp/ladder" | sort -u > "$tmp/cfgkeys"
[ "$(wc -l < "$tmp/cfgkeys")" -gt 50 ] || bad "found only $(wc -l < "$tmp/cfgkeys") config keys in $cfg"
while read -r key; do
	top=${key%%.*}; leaf=${key##*.}
	para=$(awk -F '\t' -v t="$top" '{ n = split($1, w, /[ ,]+/); for (i = 1; i <= n; i++) if (w[i] == t) { print $2; exit } }' "$tmp/keys")
	if [ -z "$para" ]; then
		bad "osm.yaml(5): no KEYS paragraph for $top (key $key)"
	elif [ "$top" != "$key" ] && ! printf '%s\n' "$para" | grep -qw -- "$leaf"; then
		bad "osm.yaml(5): paragraph $top does not name $key"
	fi
	case $key in triggers.*) continue;; esac	# event types and settings: values of the sample's triggers
	grep -qE "(^|[^a-z_])$leaf:" "$sample" || bad "osm.yaml.sample: does not name $key"
done < "$tmp/cfgkeys"

echo "checked $n installed files and $(wc -l < "$tmp/cfgkeys") config keys: $fail missing"
[ "$fail" -eq 0 ]
