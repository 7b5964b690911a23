#!/bin/sh
# t_rundir: root never works by name in a directory the daemon's user
# can change.  The run directory (sockets, pid file) is created root's
# and 0755 and stays so; the status file lives in a directory of its
# own that belongs to the user, never the run directory; sockets come
# out with socket_mode and socket_group; the pid file is created anew
# (a symlink or another user's file in its place is refused, a stale one
# of root's replaced); osmctl reload and status believe a pid file only
# if root alone could have written it and the pid is osm-policyd of the
# configured user.
tid="rundir"
. "$top_srcdir/tests/lib.sh"
[ "$(id -u)" = 0 ] || { echo "skip: $tid (needs root)"; exit 77; }
R="$T/run"
PD_SOCK="$R/policyd.sock"
GROUP=$(id -gn nobody)
rundir_config() {	# rundir_config STATUS_FILE: the base config, its files in $R
	printf 'socket_mode: "0660"\nsocket_group: "%s"\n' "$GROUP" > "$T/extra.yaml"
	write_config "$T/extra.yaml"
	sed -i -e "s|^  - unix:.*|  - unix:$PD_SOCK|" -e "s|^pid_file: .*|pid_file: $R/osm-policyd.pid|" \
		-e "s|^status_file: .*|status_file: $1|" "$CONF"
}
start_fg() {	# start_fg: osm-policyd in the foreground; it must fail
	timeout 10 "$PD" -f -c "$CONF" > "$T/fg.log" 2>&1 && fail "osm-policyd started: $(cat "$T/fg.log")"
	return 0
}

start_redis
rundir_config "$R/daemon/status"
start_policyd
pid_is() { [ "$(cat "$R/osm-policyd.pid" 2>/dev/null)" = "$1" ]; }
wait_until pid_is "$PD_PID" || fail "the pid file does not hold the daemon's pid"
expect_eq "$(stat -c '%U %a' "$R")" "root 755" "the run directory stays root's"
expect_eq "$(stat -c '%U %a %F' "$R/osm-policyd.pid")" "root 644 regular file" "the pid file is root's"
expect_eq "$(stat -c '%U %G %a' "$PD_SOCK")" "root $GROUP 660" "the socket's owner, group and mode"
expect_eq "$(stat -c '%U %a' "$R/daemon")" "nobody 755" "the status directory is the user's"
wait_for -f "$R/daemon/status" || fail "no status file in $R/daemon"
pass

# --- osmctl reload and status ---------------------------------------------
tid="rundir osmctl"
osmctl reload > "$T/ctl.txt" 2>&1 || fail "reload: $(cat "$T/ctl.txt")"
expect_grep "sent SIGHUP to osm-policyd (pid $PD_PID)" "$T/ctl.txt" "reload signals the daemon"
wait_until grep -q "reloaded" "$T/pd.log" || fail "the daemon did not reload"
osmctl status > "$T/ctl.txt" 2>&1
expect_grep "daemon: running (pid $PD_PID)" "$T/ctl.txt" "status sees the daemon"
# a pid that is not the daemon's: not signalled
sleep 60 &
victim=$!
echo "$victim" > "$R/osm-policyd.pid"
osmctl reload > "$T/ctl.txt" 2>&1 && fail "reload signalled pid $victim: $(cat "$T/ctl.txt")"
expect_grep "pid $victim is not osm-policyd" "$T/ctl.txt" "reload says why"
kill -0 "$victim" 2>/dev/null || fail "the process in a forged pid file got a signal"
osmctl status > "$T/ctl.txt" 2>&1
expect_grep "daemon: not running" "$T/ctl.txt" "status does not believe the forged pid"
kill "$victim"
# the daemon's pid, but in a file others may write
echo "$PD_PID" > "$R/osm-policyd.pid"
chmod 666 "$R/osm-policyd.pid"
osmctl reload > "$T/ctl.txt" 2>&1 && fail "reload believed a world-writable pid file"
expect_grep "osm-policyd.pid is writable by group or others (mode 0666)" "$T/ctl.txt" "reload refuses the file"
chmod 644 "$R/osm-policyd.pid"
ln -s "$R/osm-policyd.pid" "$T/pid.link"
sed -i "s|^pid_file: .*|pid_file: $T/pid.link|" "$CONF"
osmctl reload > "$T/ctl.txt" 2>&1 && fail "reload followed a symlinked pid file"
expect_grep "pid.link is a symlink" "$T/ctl.txt" "reload refuses a symlink"
rundir_config "$R/daemon/status"
stop_policyd
pass

# --- the pid file --------------------------------------------------------
tid="rundir pid file"
echo keep > "$T/victim"
rm -f "$R/osm-policyd.pid"
ln -s "$T/victim" "$R/osm-policyd.pid"
start_fg
expect_eq "$(cat "$T/victim")" keep "the symlink's target is untouched"
expect_grep "osm-policyd.pid exists and is not a regular file of uid 0; refusing to replace it" "$T/fg.log" \
	"a symlinked pid file is refused"
rm "$R/osm-policyd.pid"
echo 12345 > "$R/osm-policyd.pid"
chown nobody "$R/osm-policyd.pid"
start_fg
expect_grep "refusing to replace it" "$T/fg.log" "another user's pid file is refused"
chown root "$R/osm-policyd.pid"			# a stale one of root's is replaced
start_policyd
wait_until pid_is "$PD_PID" || fail "a stale pid file is not replaced: $(cat "$R/osm-policyd.pid")"
stop_policyd
pass

# --- directories root must not work in ---------------------------------
tid="rundir directories"
chown nobody "$R"; chmod 775 "$R"		# as an older osm-policyd left it
start_policyd
expect_eq "$(stat -c '%U %a' "$R")" "root 755" "a run directory of the user's is taken back"
expect_grep "$R belonged to nobody; making it root's again" "$T/pd.log" "and that is logged"
stop_policyd
chown daemon "$R"
start_fg
expect_grep "$R: not trusted: $R is owned by uid $(id -u daemon), not root" "$T/fg.log" \
	"a run directory of someone else's is refused"
chown root "$R"
rundir_config "$R/status"
start_fg
expect_grep "status_file $R/status: its directory must be one of its own" "$T/fg.log" \
	"the status file may not share the run directory"
pass
