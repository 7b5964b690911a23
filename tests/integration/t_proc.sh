#!/bin/sh
# t_proc: osm-policyd's /proc reader adds the executable, cwd and
# SCRIPT_FILENAME of the process that ran sendmail, but only for the
# parent of the named exim process, with the named uid.  A reader that
# misses its 20 ms once is asked again after a pause, and its late
# answer is not taken for the next query's.
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

# The reader stalls (SIGSTOP; on a saturated machine, not scheduled):
# the request is answered and counted without the details, and the
# miss is counted.  Its late answer, for another process (cwd
# $T/stale), must not be taken for the next query's.
for p in $(pgrep -P "$PD_PID"); do	# the child that kept only CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH
	grep -q '^CapEff:	0000000000080004$' "/proc/$p/status" && reader=$p
done
[ -n "${reader:-}" ] || fail "no /proc reader among the daemon's children"
mkdir -p "$T/stale"
(cd "$T/stale" && exec sh -c 'sleep 30 & echo $! > child; wait') &
stale=$!
wait_for -s "$T/stale/child" || fail "stale child"
kill -STOP "$reader"
counted_without_exe "a stopped reader answered" "$me" "$stale" "$(cat "$T/stale/child")"
expect_grep "did not answer within 20 ms" "$T/pd.log" "the miss logged"
kill -CONT "$reader"
sleep 1.2				# the pause after a first miss: 1 s
ev=$(event "$me" $$ "$child")
case "$ev" in
*"\"parent_cwd\":\"$T/site\""*) ;;
*) fail "after a miss, the reader was not asked again or its late answer was taken: $ev" ;;
esac
wait_until grep -q '^proc_misses=1$' "$STATUS" || fail "the miss is not in the status: $(grep proc_ "$STATUS")"
kill "$(cat "$T/stale/child")" "$child"
wait "$stale"
pass
