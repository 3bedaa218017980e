#!/usr/bin/env bash
# Regenerates the committed OpenAPI document (docs/openapi/v1.json) from the code: runs the test that compares the
# two, which leaves the generated document in TestResults/openapi/v1.json when they differ, and copies it over.
set -euo pipefail
cd "$(dirname "$0")/.."

rm -f TestResults/openapi/v1.json
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test ScoutFunctions.Tests -c Release --filter "FullyQualifiedName~OpenApiDocumentTests.The_committed_document_is_the_one_the_code_generates" \
  --logger "console;verbosity=minimal" >"$log" 2>&1 || status=$?
if [ -f TestResults/openapi/v1.json ]; then
  cp TestResults/openapi/v1.json docs/openapi/v1.json
  echo "docs/openapi/v1.json regenerated; review it with: git diff docs/openapi/v1.json" >&2
elif [ "$status" -ne 0 ]; then
  # The comparison failed without writing a document: the build or the test itself failed.
  cat "$log" >&2
  echo "could not generate the OpenAPI document (dotnet test exited $status; output above)" >&2
  exit 1
else
  echo "docs/openapi/v1.json is already what the code generates" >&2
fi
