#!/usr/bin/env bash
# Publishes ScoutFunctions exactly as the Dockerfile's build stage does (the Dockerfile calls this script),
# so a local publish and the image hold the same binaries.
#   usage: scripts/publish.sh [OUTPUT_DIR] [VERSION] [COMMIT] [BUILD_DATE]   (OUTPUT_DIR defaults to artifacts/publish)
#   scripts/publish.sh --restore-only   restores with the same runtime and properties (a cached Docker layer)
# Native AOT: one self-contained binary compiled ahead of time (no JIT, no runtime files), which starts in a fraction
# of the managed publish's time and holds less memory (docs/performance.md). Trim and AOT warnings are errors
# (TreatWarningsAsErrors in Directory.Build.props), so a publish that could misbehave at run time fails here instead.
# The Functions worker path is compiled out (Program.FunctionsWorkerBuild): the Functions host image (Dockerfile.functions)
# publishes the managed worker. InvariantGlobalization: no ICU, which the chiseled image lacks. The debug symbols
# (ScoutFunctions.dbg, about 100 MB) stay out of the output. Compiling takes a few minutes and needs clang and zlib.
# PUBLISH_COMPOSITE=1: the earlier self-contained composite ReadyToRun publish instead, kept for benchmarks' comparison.
set -euo pipefail
cd "$(dirname "$0")/.."

project=ScoutFunctions/ScoutFunctions.csproj
properties=(-r linux-x64 -p:PublishAot=true -p:InvariantGlobalization=true -p:StripSymbols=true
  -p:CopyOutputSymbolsToPublishDirectory=false)
if [ "${PUBLISH_COMPOSITE:-}" = 1 ]; then
  # SelfContained as a property: `dotnet restore` does not take --self-contained, and both must agree.
  properties=(-r linux-x64 -p:SelfContained=true -p:UseAppHost=true
    -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -p:TieredPGO=true -p:InvariantGlobalization=true)
fi

if [ "${1:-}" = "--restore-only" ]; then
  dotnet restore "$project" "${properties[@]}"
  exit 0
fi

out=${1:-artifacts/publish}
version=${2:-0.0.0-dev}
commit=${3:-unknown}
build_date=${4:-unknown}

dotnet publish "$project" -c Release -o "$out" "${properties[@]}" \
  -p:Version="$version" -p:ScoutCommit="$commit" -p:ScoutBuildDate="$build_date"
echo "published to $out (start it with $out/ScoutFunctions)" >&2
