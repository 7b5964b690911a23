#!/bin/sh
# t_proc: osm-policyd's /proc reader adds the executable, cwd and
# SCRIPT_FILENAME of the process that ran sendmail, but only for the
# parent of the named exim process, with the named uid.
tid="proc reader"
. "$top_srcdir/tests/lib.sh"
write_config
start_redis
start_policyd

# The "sendmail" (a child of this shell) and its waiting parent (this shell).
mkdir -p "$T/site" && cd "$T/site" || fail "cd"
sleep 30 &
child=$!
me=$(id -u)
event() {	# event UID PPID PID: the exim module's request; prints the event JSON
	rcli FLUSHDB > /dev/null
	ask source=exim uid="$1" ppid="$2" pid="$3" > /dev/null
	for k in $(rcli --scan --pattern '*:w:logline:*'); do rcli LRANGE "$k" 0 -1; done
}
counted_without_exe() {	# counted_without_exe WHAT UID PPID PID
	ev=$(event "$2" "$3" "$4")
	case "$ev" in
	*'"exe"'*) fail "$1: $ev" ;;
	*'"uid"'*) ;;
	*) fail "$1: the request was not counted: $ev" ;;
	esac
}
ev=$(event "$me" $$ "$child")
case "$ev" in
*"\"exe\":\"$(readlink /proc/$$/exe)\""*) ;;
*) fail "the parent's executable is not in the event: $ev" ;;
esac
case "$ev" in *"\"parent_cwd\":\"$T/site\""*) ;; *) fail "the parent's cwd is not in the event: $ev" ;; esac
# Not the parent of that pid, or another uid: nothing is read.
counted_without_exe "read a process that is not the parent" "$me" "$(cat "$T/redis.pid")" "$child"
counted_without_exe "read a process of another uid" 4242 $$ "$child"
counted_without_exe "garbage pids read something" "$me" x1 -5
kill "$child"
pass
