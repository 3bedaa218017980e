#!/usr/bin/env bash
# The self-host before and after a change, interleaved in one run on one machine: cold start (process start to
# the first 200 from /health, wall and CPU time), idle RSS after start-up, and HTTP req/s of GET /analytics/summary.
#   usage: bash bench/before-after.sh [BEFORE_COMMIT]   (default: the merge base with main; about 5 minutes on 2 cores,
#   15 or more with PUBLISH=1, which compiles two composite publishes)
# Both builds are `dotnet build -c Release` outputs started as `dotnet ScoutFunctions.dll` with the same settings
# (PUBLISH=1: each tree's scripts/publish.sh output instead, the image's binaries, started through the apphost);
# rounds alternate before/after so the machine's drift hits both alike. Prints a markdown table (also
# bench/before-after.md) with the medians side by side and after ÷ before.
# RUNS: cold-start rounds (default 11); WRK_ROUNDS: load rounds per build (default 5); WRK_SECONDS (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
before=$(git rev-parse --short "${1:-$(git merge-base HEAD main)}")
after=$(git rev-parse --short HEAD)
runs=${RUNS:-11}
wrk_rounds=${WRK_ROUNDS:-5}
work=$(mktemp -d /tmp/scout-before-after.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ensure_wrk

log "building $before (before) and $after (after; uncommitted changes included)"
mkdir -p "$work/before"
git archive "$before" | tar -x -C "$work/before"
dotnet build bench/Scout.Bench -c Release -v q -nologo >/dev/null
bench=bench/Scout.Bench/bin/Release/net10.0/Scout.Bench # seeds the snapshot the load reads
declare -A dll
if [ "${PUBLISH:-0}" = 1 ]; then
  kind="scripts/publish.sh outputs (self-contained composite ReadyToRun, apphost)"
  bash "$work/before/scripts/publish.sh" "$work/before-publish" >/dev/null
  bash scripts/publish.sh "$work/after-publish" >/dev/null
  dll=([before]=$work/before-publish/ScoutFunctions [after]=$work/after-publish/ScoutFunctions)
else
  kind="dotnet build outputs"
  dotnet build "$work/before/ScoutFunctions" -c Release -v q -nologo >/dev/null
  dotnet build ScoutFunctions -c Release -v q -nologo >/dev/null
  dll=([before]=$work/before/ScoutFunctions/bin/Release/net10.0/ScoutFunctions.dll [after]=$root/ScoutFunctions/bin/Release/net10.0/ScoutFunctions.dll)
fi
run_entry() { case $1 in *.dll) exec dotnet "$1" ;; *) exec "$1" ;; esac; }

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null 2>&1 &
pids+=($!)
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done

# One cold start: process start to the first 200 from /health (wall time, and the process's CPU time then, which
# other load on the machine changes far less), then its resident memory after 3 s idle. Prints "wall_ms cpu_ms rss_mb".
cold_start() { # dll
  local port pid start end
  port=$(free_port)
  start=$(date +%s%N)
  (cd "$(dirname "$1")" && PORT=$port REDIS_ADDR=127.0.0.1 REDIS_PORT=$redis_port AUTH_TOKEN=bench-token SCOUT_INTERVAL=1h LOG_LEVEL=warn \
    run_entry "$1" >/dev/null 2>&1) &
  pid=$!
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health" || true)" = 200 ]; do
    kill -0 "$pid" 2>/dev/null || { log "$1 exited"; return 1; }
    sleep 0.005
  done
  end=$(date +%s%N)
  local cpu
  cpu=$(awk -v t="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / t }' "/proc/$pid/stat")
  sleep 3
  local rss
  rss=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$(( (end - start) / 1000000 )) $cpu $rss"
}

log "cold start and idle RSS: $runs rounds, before and after alternating"
for round in $(seq 1 "$runs"); do
  for build in before after; do
    read -r wall cpu rss <<< "$(cold_start "${dll[$build]}")"
    echo "$wall" >> "$work/$build.start"; echo "$cpu" >> "$work/$build.cpu"; echo "$rss" >> "$work/$build.rss"
  done
  log "round $round: before $(tail -1 "$work/before.start") ms ($(tail -1 "$work/before.cpu") ms CPU) $(tail -1 "$work/before.rss") MB, after $(tail -1 "$work/after.start") ms ($(tail -1 "$work/after.cpu") ms CPU) $(tail -1 "$work/after.rss") MB"
done

log "HTTP req/s: $wrk_rounds rounds each, alternating"
"$bench" seed-snapshot "$redis_port"
token=bench-token-0123456789
declare -A url
for build in before after; do
  port=$(free_port)
  (cd "$(dirname "${dll[$build]}")" && PORT=$port REDIS_ADDR=127.0.0.1 REDIS_PORT=$redis_port AUTH_TOKEN=$token LOG_LEVEL=warn \
    SCOUT_INTERVAL=1h AzureWebJobs__AggregateAnalytics__Disabled=true AzureWebJobs__PruneRetention__Disabled=true \
    run_entry "${dll[$build]}" >/dev/null 2>&1) &
  pids+=($!)
  url[$build]="http://127.0.0.1:$port/analytics/summary"
  wait_200 "http://127.0.0.1:$port/health" 30
  wrk -t1 -c16 -d3s -H "Authorization: Bearer $token" "${url[$build]}" >/dev/null # warm-up
done
[ "$(curl -s -H "Authorization: Bearer $token" "${url[before]}")" = "$(curl -s -H "Authorization: Bearer $token" "${url[after]}")" ] \
  || { log "before and after answer differently"; exit 1; }
for round in $(seq 1 "$wrk_rounds"); do
  for build in before after; do
    out=$(wrk -t1 -c16 -d"${WRK_SECONDS:-10}"s -H "Authorization: Bearer $token" "${url[$build]}")
    if echo "$out" | grep -q "Non-2xx"; then log "$build: non-2xx answers"; echo "$out" >&2; exit 1; fi
    echo "$out" | awk '/Requests\/sec/ {print $2}' >> "$work/$build.rps"
  done
  log "round $round: before $(tail -1 "$work/before.rps") req/s, after $(tail -1 "$work/after.rps") req/s"
done

row() { # measure, unit, file suffix
  local b a
  b=$(median < "$work/before.$3"); a=$(median < "$work/after.$3")
  echo "| $1 | $b $2 | $a $2 | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }') |"
}
{
  echo "Self-host before ($before) and after ($after), $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(dotnet --version) SDK, $kind, interleaved"
  echo
  echo "| Measure (median) | before | after | after ÷ before |"
  echo "|---|---|---|---|"
  row "cold start: start → first 200 /health, wall ($runs runs each)" ms start
  row "cold start: CPU time of the process at that first 200 ($runs runs each)" ms cpu
  row "idle RSS 3 s after start ($runs runs each)" MB rss
  row "GET /analytics/summary, wrk 1 thread 16 connections (${wrk_rounds}×${WRK_SECONDS:-10} s each)" req/s rps
} | tee "bench/before-after$([ "${PUBLISH:-0}" = 1 ] && echo -publish).md"
