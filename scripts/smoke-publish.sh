#!/usr/bin/env bash
# Publishes Scout with scripts/publish.sh (the Dockerfile's publish) into a temporary folder and starts
# the output the way the image does (its apphost `ScoutFunctions`, no .NET installation visible, PORT from the
# environment), against a real redis-server on a free loopback port. Checks /health reports the build arguments, /health/ready
# and /metrics answer 200, and the http/timers split of keda/ works with its setting names.
# Prints "N passed, N failed" and exits non-zero on any failure.
# Run by the test suite (Deployment/DeploymentScriptTests) and on its own; publishing takes 3-5 minutes (the
# composite ReadyToRun image of app and framework).
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
# A ReadyToRun image records its native code in the CLI header's ManagedNativeHeader directory (plain IL has 0 there),
# which points at a READYTORUN_HEADER ("RTR"); a component of a composite image has flag 0x20 set in it.
ready_to_run() { # file, [component]
  python3 - "$1" "${2:-}" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
pe = struct.unpack_from("<I", data, 0x3C)[0]
magic = struct.unpack_from("<H", data, pe + 24)[0]
directories = pe + 24 + (96 if magic == 0x10B else 112)
cli_rva = struct.unpack_from("<I", data, directories + 14 * 8)[0]
sections = pe + 24 + struct.unpack_from("<H", data, pe + 20)[0]
for i in range(struct.unpack_from("<H", data, pe + 6)[0]):
    _, size, rva, _, raw = struct.unpack_from("<8sIIII", data, sections + 40 * i)
    if rva <= cli_rva < rva + size:
        native_rva = struct.unpack_from("<I", data, raw + cli_rva - rva + 0x40)[0]
        if not native_rva: sys.exit(1)
        for j in range(struct.unpack_from("<H", data, pe + 6)[0]):
            _, size, rva, _, raw = struct.unpack_from("<8sIIII", data, sections + 40 * j)
            if rva <= native_rva < rva + size:
                signature, _, _, flags = struct.unpack_from("<IHHI", data, raw + native_rva - rva)
                component = flags & 0x20 != 0
                sys.exit(0 if signature == 0x00525452 and (component or sys.argv[2] != "component") else 1)
sys.exit(1)
PY
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
check "the entry dll holds ReadyToRun code, as a component of a composite image" ready_to_run "$work/app/ScoutFunctions.dll" component
check "the framework is compiled into the same composite (System.Private.CoreLib is a component)" \
  ready_to_run "$work/app/System.Private.CoreLib.dll" component
check "the composite image ScoutFunctions.r2r.dll ships beside the apphost" test -f "$work/app/ScoutFunctions.r2r.dll" -a -x "$work/app/ScoutFunctions"
check "publish output ships host.json beside the binary" test -f "$work/app/host.json"
check "runtimeconfig enables TieredPGO" \
  grep -q '"System.Runtime.TieredPGO": true' "$work/app/ScoutFunctions.runtimeconfig.json"
check "runtimeconfig uses invariant globalization" \
  grep -q '"System.Globalization.Invariant": true' "$work/app/ScoutFunctions.runtimeconfig.json"

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!

# Starts the published output as the image does: its apphost from working directory /app, settings only from the
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
# Self-hosted, the Functions worker's gRPC client is never used: its assemblies must not load (only the host mode needs them).
check "the self-host has its own assembly mapped (the check below can see assemblies)" grep -q 'ScoutFunctions.dll' "/proc/${scout_pids[0]}/maps"
check "the self-host has not loaded the Functions worker's gRPC assemblies" bash -c "! grep -qE 'Microsoft.Azure.Functions.Worker.Grpc.dll|Grpc.Net.Client.dll' /proc/${scout_pids[0]}/maps"

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
