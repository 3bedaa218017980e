# syntax=docker/dockerfile:1
# Scout container image: the self-host compiled with native AOT by the .NET SDK, run on a chiseled (distroless)
# runtime-deps image. (The Functions host's image, with the managed worker, is Dockerfile.functions.)
#   docker build --build-arg VERSION=1.2.3 --build-arg COMMIT=$(git rev-parse --short HEAD) \
#     --build-arg BUILD_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ) -t homerun2-scout:1.2.3 .
# Base images are pinned to a patch tag. The output is one native binary (libc and libm; OpenSSL when TLS is used),
# so the final image needs only the native dependencies runtime-deps holds.

FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
# Native AOT links with the platform toolchain.
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# Restore first, from the project files alone, so source edits reuse the cached package layer.
COPY Directory.Build.props Directory.Build.rsp Directory.Packages.props ./
COPY ScoutFunctions/ScoutFunctions.csproj ScoutFunctions/
COPY FunctionsSelfHost/FunctionsSelfHost.csproj FunctionsSelfHost/
COPY scripts/publish.sh scripts/
RUN bash scripts/publish.sh --restore-only

COPY host.json ./
COPY FunctionsSelfHost/ FunctionsSelfHost/
COPY ScoutFunctions/ ScoutFunctions/

# Build metadata, reported by /health (version, commit, date) and the OCI labels below.
ARG VERSION=0.0.0-dev
ARG COMMIT=unknown
ARG BUILD_DATE=unknown
# The one publish command, shared with local builds: native AOT, InvariantGlobalization, no symbols in the output.
# Compiling takes a few minutes and buys a cold start and a footprint close to the Go service's.
RUN bash scripts/publish.sh /app "${VERSION}" "${COMMIT}" "${BUILD_DATE}"


FROM mcr.microsoft.com/dotnet/runtime-deps:10.0.12-noble-chiseled AS runtime
ARG VERSION=0.0.0-dev
ARG COMMIT=unknown
ARG BUILD_DATE=unknown
LABEL org.opencontainers.image.title="homerun2-scout" \
      org.opencontainers.image.description="Scout: analytics over RediSearch for the homerun2 platform" \
      org.opencontainers.image.source="https://github.com/stuttgart-things/homerun2-scout" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.created="${BUILD_DATE}"

WORKDIR /app
# Owned by root (no --chown): the app user can read its binaries but not change them. Scout writes
# nothing to disk, so the pod runs with readOnlyRootFilesystem (the runtime's diagnostics use /tmp).
COPY --from=build /app ./

# Scout binds PORT itself (it takes precedence over the base image's ASPNETCORE_HTTP_PORTS).
ENV PORT=8080
EXPOSE 8080
# The chiseled image's non-root "app" user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1654:1654
# The native binary; there is no dotnet executable in this image.
ENTRYPOINT ["/app/ScoutFunctions"]
