#!/bin/sh
# rep.sh - the report pages with many stored reports: bench/rep-bench
# fills a private redis-server with REPORTS reports over ACCOUNTS
# accounts (indexes written by osm-policyd's own pd_store_index) and
# times, through lib/osm_rep, page 1, a filtered page, one account's
# page and finding a report by id (see bench/rep-bench.c).
#
#   sh bench/rep.sh [REPORTS [ACCOUNTS [REPEAT]]]   (default 100000 10000 21)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
B="$top/build-bench"
W=$(mktemp -d /tmp/osm-rep-bench.XXXXXX)
cleanup() {
	bench_kill "$W/redis.pid"
	rm -rf "$W"
}
trap cleanup INT TERM EXIT
bench_build bench/rep-bench
bench_redis
redis-cli -s "$W/redis.sock" info server | grep -E '^redis_version' || true
"$B/bench/rep-bench" "unix:$W/redis.sock" "${1:-100000}" "${2:-10000}" "${3:-21}"
redis-cli -s "$W/redis.sock" info memory | grep -E '^used_memory_human' || true
