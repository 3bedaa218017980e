#!/usr/bin/env bash
# Runs Scout's whole test suite on a fresh machine: installs what the tests use (redis-server, promtool, docker-compose,
# clang for the native AOT publish, Azurite), then runs every test and writes a TRX report to TestResults/
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests start or check with, from Debian's packages (as root, or through sudo).
install_debian() {
  local why=$1; shift
  echo "$why: installing the Debian package(s) $*" >&2
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
# The package may start a system redis on 6379; the tests start their own on free ports.
command -v redis-server >/dev/null 2>&1 || install_debian "redis-server not found" redis-server
# promtool checks and unit-tests the alert rules and the dashboard's PromQL. The package may start a Prometheus
# server on 9090; the tests use only promtool.
command -v promtool >/dev/null 2>&1 || install_debian "promtool not found" prometheus
# docker-compose checks compose.yaml offline (`config`); no Docker engine is needed.
command -v docker-compose >/dev/null 2>&1 || install_debian "docker-compose not found" docker-compose
# clang and zlib link the native AOT publish of the self-host.
{ command -v clang >/dev/null 2>&1 && [ -f /usr/include/zlib.h ]; } || install_debian "clang or zlib1g-dev not found" clang zlib1g-dev
# Headless Chromium loads the status page (GET / for a browser) from a running Scout and reads what its script drew.
command -v chromium >/dev/null 2>&1 || install_debian "chromium not found" chromium

# Azurite (npm) for the Blob Storage timer store and the Redocly CLI that lints the OpenAPI document; pinned in
# test-tools/package-lock.json, installed again when the lock file is newer than what is installed.
if [ ! -x test-tools/node_modules/.bin/azurite-blob ] || [ ! -x test-tools/node_modules/.bin/redocly ] \
  || [ test-tools/package-lock.json -nt test-tools/node_modules/.package-lock.json ]; then
  echo "Azurite or Redocly CLI missing or outdated: installing test-tools/ (npm ci)" >&2
  npm ci --prefix test-tools --no-audit --no-fund --loglevel=error
fi

# What the deployment tests use, installed here so the tests themselves stay off the network: the npm
# schema packages (pinned in deploy-tests/package-lock.json) and the runtime packs of the image's publish.
if [ ! -d deploy-tests/node_modules ] || [ deploy-tests/package-lock.json -nt deploy-tests/node_modules/.package-lock.json ]; then
  npm ci --prefix deploy-tests --no-audit --no-fund --loglevel=error
fi
bash scripts/publish.sh --restore-only >/dev/null

# The contract suite, the end-to-end cycle and the cluster tests run on a real engine: SCOUT_TEST_REDIS_STACK=host:port,
# else the fixtures start redis-server with the query engine and JSON modules of SCOUT_TEST_REDIS_STACK_MODULES, of
# Redis 8 as its official image lays them out (/usr/local/lib/redis/modules, /usr/local/bin/redis-server), or of Redis
# Stack (/opt/redis-stack/lib); with none, those tests are reported skipped, and the reason is the last thing printed.
engine=$(bash scripts/engine.sh) && stack=yes || stack=""
echo "$engine" >&2
# When the engine is Redis 8 and Redis Stack's modules are here too, the engine tests run once more on Redis Stack
# (RediSearch 2.x words its errors and shapes its replies differently; TRX prefix redis-stack).
older=""
if [ -z "${SCOUT_TEST_REDIS_STACK:-}${SCOUT_TEST_REDIS_STACK_MODULES:-}" ] && [[ "$engine" == *"/usr/local/lib/redis/modules"* ]] \
  && [ -f /opt/redis-stack/lib/redisearch.so ] && [ -f /opt/redis-stack/lib/rejson.so ]; then
  older=/opt/redis-stack/lib
  echo "$(SCOUT_TEST_REDIS_STACK_MODULES=$older bash scripts/engine.sh) [engine tests again]" >&2
fi

# The image's self-host, compiled with native AOT (scripts/publish.sh, about 5 minutes): the tests that start the
# self-host as a process run a second time against it (SCOUT_TEST_NATIVE_SELFHOST), after the whole suite.
native=artifacts/native
mkdir -p artifacts
if ! bash scripts/publish.sh "$native" > artifacts/native-publish.log 2>&1; then
  tail -n 30 artifacts/native-publish.log >&2
  echo "FAIL: the native AOT publish failed (log: artifacts/native-publish.log)" >&2
  exit 1
fi

rm -rf TestResults
mkdir -p TestResults
# The tests run in a session of their own (setsid): every server they start inherits it, so the ones left behind are
# found by it (never another run's or another user's), and an interrupt stops them all.
session_file=TestResults/session
stop_session() { [ -s "$session_file" ] && kill -KILL -- "-$(cat "$session_file")" 2>/dev/null; exit 130; }
trap stop_session INT TERM
# In the background with `wait`, so the trap runs as soon as the signal arrives.
(setsid --wait bash -c 'echo $$ > "$0"; native=$1; older=$2; shift 2
  dotnet test "$@"; status=$?
  SCOUT_TEST_NATIVE_SELFHOST=$native dotnet test ScoutFunctions.Tests -c Release --no-build --filter "Process=self-host" \
    --logger "trx;LogFilePrefix=native" --logger "console;verbosity=normal" --results-directory TestResults || status=1
  if [ -n "$older" ]; then
    SCOUT_TEST_REDIS_STACK_MODULES=$older dotnet test ScoutFunctions.Tests -c Release --no-build \
      --filter "Category=Contract|FullyQualifiedName~Integration.Cluster|FullyQualifiedName~Integration.EndToEnd" \
      --logger "trx;LogFilePrefix=redis-stack" --logger "console;verbosity=normal" --results-directory TestResults || status=1
  fi
  echo $status > "$0.status"' "$session_file" "$PWD/$native/ScoutFunctions" "$older" Scout.sln -c Release \
  --logger "trx;LogFilePrefix=scout" \
  --logger "console;verbosity=normal" \
  --results-directory TestResults "$@" 2>&1 | tee TestResults/console.log) &
wait $! || true
trap - INT TERM
status=$(cat "$session_file.status" 2>/dev/null || echo 1)

# The apps the tests start log to their test's output, never to this console: an application JSON log line here
# (the console logger's format) means a test started an app without TestLogging.RouteAwayFromConsole.
# A failed test's own output (its "Standard Output Messages:", where its app's captured logs belong) is not a leak.
leaked_lines() {
  awk '/^  Standard Output Messages:/ { own = 1; next }
       /^  (Passed|Failed|Skipped) |^(Passed|Failed)!|^Results File:|^Test Run / { own = 0 }
       !own && /^[[:space:]]*\{"Timestamp"/' TestResults/console.log
}
leaked=$(leaked_lines | wc -l)
if [ "$leaked" -ne 0 ]; then
  echo "FAIL: $leaked application log line(s) reached the test console (see TestResults/console.log), e.g.:" >&2
  leaked_lines | head -n 3 | cut -c1-200 >&2
  [ "$status" -ne 0 ] || status=1
fi

# No server the tests started (redis-server, Azurite, a ScoutFunctions process) may outlive the run: each one still
# alive is printed, killed, and fails the run. (dotnet's build servers share the session and are left alone.)
leftovers=$(ps -eo pid=,sid=,args= | awk -v sid="$(cat "$session_file" 2>/dev/null)" '$2 == sid' \
  | grep -E 'redis-server|azurite|ScoutFunctions' || true)
if [ -n "$leftovers" ]; then
  echo "FAIL: the tests left these servers running (now killed):" >&2
  echo "$leftovers" | cut -c1-200 >&2
  kill -KILL $(echo "$leftovers" | awk '{print $1}') 2>/dev/null || true
  [ "$status" -ne 0 ] || status=1
fi
# Skipped tests are said last, with their reasons, so a green run cannot hide that the real engine was not there.
bash scripts/skipped.sh TestResults >&2 || true
[ -n "$stack" ] || echo "NO ENGINE: the tests of the real FT.*/JSON.* path were skipped (see docs/testing.md, 'A real engine')" >&2
echo "$engine" >&2
exit "$status"
