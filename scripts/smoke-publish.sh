#!/usr/bin/env bash
# Publishes Scout with scripts/publish.sh (the Dockerfile's publish) into a temporary folder and starts
# the output the way the image does (its native binary `ScoutFunctions`, no .NET installation visible, PORT from the
# environment), against a real redis-server on a free loopback port. Checks /health reports the build arguments, /health/ready
# and /metrics answer 200, and the http/timers split of keda/ works with its setting names.
# Prints "N passed, N failed" and exits non-zero on any failure.
# Run by the test suite (Deployment/DeploymentScriptTests) and on its own; publishing takes 4-8 minutes (native AOT).
set -uo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/scout-smoke-XXXXXX)
redis_pid=""
scout_pids=()
cleanup() {
  for pid in "${scout_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   - $name"
  else failed=$((failed + 1)); echo "FAIL - $name"; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

version="9.8.7-smoke.$RANDOM"
commit="c0ffee$RANDOM"
build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)

if ! timeout 900 bash scripts/publish.sh "$work/app" "$version" "$commit" "$build_date" >"$work/publish.log" 2>&1; then
  cat "$work/publish.log" >&2
  echo "publish failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
check "the output is one native executable (ELF), no managed assemblies beside it" \
  bash -c "test \"\$(head -c 4 '$work/app/ScoutFunctions' | od -An -c | tr -d ' ')\" = '177ELF' && ! ls '$work'/app/*.dll >/dev/null 2>&1"
check "no debug symbols in the output (ScoutFunctions.dbg stays out of the image)" bash -c "! ls '$work'/app/*.dbg >/dev/null 2>&1"
check "the publish is at most 60 MB" test "$(du -sm "$work/app" | cut -f1)" -le 60
check "publish output ships host.json beside the binary" test -f "$work/app/host.json"
# The binary keeps the names of the types compiled into it: the self-host's are there, the Functions worker's gRPC client's not.
check "the self-host's timer store is compiled in (the check below can see type names)" grep -qa 'RedisTimerStore' "$work/app/ScoutFunctions"
check "the Functions worker's gRPC client is not compiled in" bash -c "! grep -qaE 'Grpc.Net.Client|Google.Protobuf' '$work/app/ScoutFunctions'"

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!

# Starts the published output as the image does: its binary from working directory /app, settings only from the
# environment, no HOME to write to, TMPDIR as the only scratch space, and no .NET installation to fall back on
# (no dotnet on PATH, DOTNET_ROOT pointing nowhere). Sets $port.
scout_pids=()
start_scout() { # log name, extra VAR=value settings...
  local log=$1; shift
  port=$(free_port)
  (cd "$work/app" && exec env -i PATH=/nonexistent DOTNET_ROOT=/nonexistent HOME=/nonexistent TMPDIR="$work" DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    PORT="$port" REDIS_ADDR=127.0.0.1 REDIS_PORT="$redis_port" SCOUT_INTERVAL=1h LOG_FORMAT=json "$@" \
    ./ScoutFunctions) >"$work/$log.log" 2>&1 &
  scout_pids+=($!)
  local pid=$!
  for _ in $(seq 1 100); do
    curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}
status() { curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$1"; }

start_scout scout
health=$(curl -fsS --max-time 2 "http://127.0.0.1:$port/health" 2>/dev/null || true)
check "/health answers 200 within 20 s" test -n "$health"
check "/health reports VERSION from the build arguments" grep -q "\"version\":\"$version\"" <<<"$health"
check "/health reports COMMIT from the build arguments" grep -q "\"commit\":\"$commit\"" <<<"$health"
check "/health reports BUILD_DATE from the build arguments" grep -q "\"date\":\"$build_date\"" <<<"$health"
check "/health/ready answers 200 with Redis up" test "$(status /health/ready)" = 200
metrics=$(curl -fsS --max-time 5 "http://127.0.0.1:$port/metrics" 2>/dev/null || true)
check "/metrics answers 200 with Scout's metrics" grep -q '^# HELP homerun2_scout_' <<<"$metrics"
# Nothing in an idle pod needs TLS: OpenSSL loaded anyway (e.g. by RandomNumberGenerator) costs ~4 MB of resident memory.
# Checked once the start-up aggregation has run, so a timer lease token has been generated.
for _ in $(seq 1 50); do grep -q '"Message":"Executed [^"]*AggregateAnalytics' "$work/scout.log" && break; sleep 0.2; done
check "the start-up aggregation ran (it took its timer lease)" grep -q '"Message":"Executed [^"]*AggregateAnalytics' "$work/scout.log"
check "an idle pod has not loaded OpenSSL (libcrypto)" bash -c "! grep -q libcrypto /proc/${scout_pids[0]}/maps"
check "invariant globalization: no ICU loaded" bash -c "! grep -q libicu /proc/${scout_pids[0]}/maps"

# keda/'s split, with the setting names its Deployments use (deploy-tests/validate.mjs holds them to these).
start_scout timers AzureWebJobs.AnalyticsSummary.Disabled=true AzureWebJobs.AnalyticsSystems.Disabled=true AzureWebJobs.AnalyticsAlerts.Disabled=true
check "a timers pod has no analytics API (404)" test "$(status /analytics/summary)" = 404
check "a timers pod keeps /health/ready and /metrics for its probes and scrapes" test "$(status /health/ready)$(status /metrics)" = 200200
start_scout http AzureWebJobs.AggregateAnalytics.Disabled=true AzureWebJobs.EvaluateAlerts.Disabled=true AzureWebJobs.PruneRetention.Disabled=true
check "an http pod serves the analytics API (answers, not 404)" test "$(status /analytics/summary)" != 404
check "an http pod logs that its timer functions are disabled" grep -q 'Function AggregateAnalytics is disabled by AzureWebJobs.AggregateAnalytics.Disabled' "$work/http.log"
check "no pod logged an error" bash -c "! grep -qi '\"LogLevel\":\"\\(Error\\|Critical\\)\"' '$work'/scout.log '$work'/timers.log '$work'/http.log"

if [ "$failed" -ne 0 ]; then
  echo "--- health: $health" >&2
  echo "--- scout log:" >&2
  tail -n 20 "$work"/*.log >&2
fi
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
