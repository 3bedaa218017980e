#!/usr/bin/env bash
# Validates Scout's Kubernetes manifests (keda/, kcl/rendered/, tests/) with deploy-tests/validate.mjs:
# Kubernetes, KEDA, Gateway API and Prometheus Operator schemas, the ScoutProfile CRD, Scout's own deployment invariants,
# the monitoring copies against monitoring/, and a negative self-check. Needs Node.js and npm; installs the pinned packages from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

# Installed again when package-lock.json changed since the last install (a new schema package).
if [ ! -d deploy-tests/node_modules ] || [ deploy-tests/package-lock.json -nt deploy-tests/node_modules/.package-lock.json ]; then
  npm ci --prefix deploy-tests --prefer-offline --no-audit --no-fund --loglevel=error
fi
node deploy-tests/validate.mjs
