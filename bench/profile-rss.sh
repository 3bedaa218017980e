#!/usr/bin/env bash
# The self-host's idle memory with and without a ScoutProfile (issue 37's footprint goals): starts the given build
# (a native publish's executable, or a .dll) against a Redis on loopback, once without SCOUT_PROFILE_NAME and once
# following a profile on a loopback Kubernetes API (a small Python server: get, list, watch with bookmarks, a Secret),
# waits until it is idle, and prints markdown rows: VmRSS of each and the publish's size.
# Usage: bash bench/profile-rss.sh <ScoutFunctions executable or .dll> <redis port>
set -euo pipefail
entry=$1; redis_port=$2
[ -e "$entry" ] || { echo "no build at $entry" >&2; exit 1; }
work=$(mktemp -d /tmp/scout-profile-rss.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
run_entry() { case $1 in *.dll) exec dotnet "$1" ;; *) exec "$1" ;; esac; }

api_port=$(free_port)
cat > "$work/api.py" <<'EOF'
import http.server, json, sys, time
PROFILE = {"apiVersion": "homerun2.stuttgart-things.com/v1alpha1", "kind": "ScoutProfile",
           "metadata": {"name": "bench", "namespace": "homerun2", "resourceVersion": "7"},
           "spec": {"scoutInterval": "30m", "windows": "15m,1h"}}
class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def send(self, body):
        data = json.dumps(body).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self):
        if "watch=true" in self.path:  # kept open: one bookmark a second, as a quiet watch
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked"); self.end_headers()
            try:
                for i in range(600):
                    line = (json.dumps({"type": "BOOKMARK", "object": {"kind": "ScoutProfile", "metadata": {"resourceVersion": str(8 + i)}}}) + "\n").encode()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line)); self.wfile.flush(); time.sleep(1)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif self.path.endswith("/scoutprofiles/bench"):
            self.send(PROFILE)
        else:
            self.send({"apiVersion": "homerun2.stuttgart-things.com/v1alpha1", "kind": "ScoutProfileList",
                       "metadata": {"resourceVersion": "7"}, "items": [PROFILE]})
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Api).serve_forever()
EOF
python3 "$work/api.py" "$api_port" & pids+=($!)
cat > "$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
current-context: bench
clusters: [{name: bench, cluster: {server: "http://127.0.0.1:$api_port"}}]
users: [{name: bench, user: {token: bench-token}}]
contexts: [{name: bench, context: {cluster: bench, user: bench}}]
EOF

# Starts the build with the given extra settings, waits for /health and 5 s of idling, prints VmRSS in MB.
idle_rss() {
  local port; port=$(free_port)
  (env PORT="$port" REDIS_ADDR=127.0.0.1 REDIS_PORT="$redis_port" AUTH_TOKEN=bench-token LOG_LEVEL=warn SCOUT_INTERVAL=1h \
    AzureWebJobs__AggregateAnalytics__Disabled=true AzureWebJobs__PruneRetention__Disabled=true "$@" \
    bash -c "$(declare -f run_entry); run_entry '$entry'" >/dev/null 2>&1) &
  local pid=$!; pids+=($pid)
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health" -o "$work/health.json" && break; sleep 0.1; done
  sleep 5
  curl -sf "http://127.0.0.1:$port/health" -o "$work/health.json"
  local child; child=$(pgrep -P "$pid" | head -n 1 || true)
  awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/${child:-$pid}/status"
  kill "$pid" "$child" 2>/dev/null || true
}

without=$(idle_rss)
with=$(idle_rss SCOUT_PROFILE_NAME=bench POD_NAMESPACE=homerun2 KUBECONFIG="$work/kubeconfig")
source=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["profile"]["source"])' "$work/health.json")
[ "$source" = "ScoutProfile" ] || { echo "the profile was not applied (/health profile.source=$source)" >&2; exit 1; }
size=$(du -sm "$(dirname "$entry")" | cut -f1)
echo "| Footprint | $(basename "$entry"): idle RSS without a ScoutProfile (no Kubernetes client created) | $without MB | ≤ 40 MB (native) |"
echo "| Footprint | $(basename "$entry"): idle RSS following a ScoutProfile (list, watch with bookmarks) | $with MB | ≤ 60 MB (native) |"
echo "| Footprint | publish folder size | $size MB | ≤ 60 MB (native) |"
