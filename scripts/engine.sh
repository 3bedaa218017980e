#!/usr/bin/env bash
# Prints the Redis engine the tests use, found in the order the fixtures look (ScoutFunctions.Tests/Infrastructure/
# StackEngine.cs): SCOUT_TEST_REDIS_STACK=host:port, SCOUT_TEST_REDIS_STACK_MODULES=<folder>, Redis 8 as its official
# image lays it out (/usr/local/bin/redis-server, /usr/local/lib/redis/modules), Redis Stack's /opt/redis-stack/lib.
# One line: the server's version and each module's (MODULE LIST), or "none" with how to get one. Exit 1 when none.
set -uo pipefail

redis8_server=/usr/local/bin/redis-server
redis8_modules=/usr/local/lib/redis/modules
stack_modules=/opt/redis-stack/lib

has_modules() { [ -f "$1/rejson.so" ] && [ -f "$1/redisearch.so" ]; }

# The server that goes with a modules folder: Redis 8's for its layout, ../bin/redis-server beside it, else Debian's.
server_for() {
  local folder; folder=$(realpath -m "$1")
  if [ "$folder" = "$redis8_modules" ] && [ -x "$redis8_server" ]; then echo "$redis8_server"; return; fi
  if [ -x "$(dirname "$folder")/bin/redis-server" ]; then echo "$(dirname "$folder")/bin/redis-server"; return; fi
  if [ -x /usr/bin/redis-server ]; then echo /usr/bin/redis-server; else command -v redis-server; fi
}

# "search 80800, ReJSON 80800" from MODULE LIST (flat RESP2 pairs: name X ver N …).
modules_of() { redis-cli "$@" MODULE LIST | awk 'p=="name"{n=$0} p=="ver"{printf "%s%s %s", sep, n, $0; sep=", "} {p=$0} END{print ""}'; }
version_of() { redis-cli "$@" INFO server | tr -d '\r' | awk -F: '$1=="redis_version"{print $2}'; }

if [ -n "${SCOUT_TEST_REDIS_STACK:-}" ]; then
  endpoint=${SCOUT_TEST_REDIS_STACK%%,*}
  args=(-h "${endpoint%:*}" -p "${endpoint##*:}")
  password=$(echo "$SCOUT_TEST_REDIS_STACK" | grep -o 'password=[^,]*' | cut -d= -f2- || true)
  [ -z "$password" ] || args+=(--no-auth-warning -a "$password")
  echo "engine: Redis $(version_of "${args[@]}") at $endpoint with $(modules_of "${args[@]}") (SCOUT_TEST_REDIS_STACK)"
  exit 0
fi

if [ -n "${SCOUT_TEST_REDIS_STACK_MODULES:-}" ]; then
  modules=$SCOUT_TEST_REDIS_STACK_MODULES
  has_modules "$modules" || { echo "engine: none (no rejson.so and redisearch.so in SCOUT_TEST_REDIS_STACK_MODULES=$modules)"; exit 1; }
elif has_modules "$redis8_modules" && [ -x "$redis8_server" ]; then modules=$redis8_modules
elif has_modules "$stack_modules"; then modules=$stack_modules
else
  echo "engine: none (install Redis 8 as its official image lays it out, or Redis Stack's modules in $stack_modules; docs/testing.md)"
  exit 1
fi
server=$(server_for "$modules")

# Started on a Unix socket of its own (no port), read, and stopped.
dir=$(mktemp -d)
trap 'redis-cli -s "$dir/redis.sock" shutdown nosave >/dev/null 2>&1; rm -rf "$dir"' EXIT
"$server" --port 0 --unixsocket "$dir/redis.sock" --save "" --appendonly no --dir "$dir" --daemonize yes \
  --logfile "$dir/redis.log" --loadmodule "$modules/rejson.so" --loadmodule "$modules/redisearch.so" >/dev/null
for _ in $(seq 50); do [ -S "$dir/redis.sock" ] && redis-cli -s "$dir/redis.sock" ping >/dev/null 2>&1 && break; sleep 0.1; done
if ! redis-cli -s "$dir/redis.sock" ping >/dev/null 2>&1; then
  echo "engine: $server with the modules in $modules did not start: $(tail -n 3 "$dir/redis.log" | tr '\n' ' ')"
  exit 1
fi
echo "engine: Redis $(version_of -s "$dir/redis.sock") ($server) with $(modules_of -s "$dir/redis.sock") (modules in $modules)"
