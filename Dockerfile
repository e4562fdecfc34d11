# quill: container image (multi-stage).
#
#   docker build -t quill .
#   docker run --rm -p 127.0.0.1:8080:8080 -e JWT_SECRET="$(openssl rand -base64 48)" \
#     -v quill-data:/data quill
#
# Configuration is read from the environment at run time only (see docs/deploy.md): no secret is
# ever passed as a build argument or baked into a layer.

############################################################################################
# Build stage
############################################################################################
FROM rust:1.95-slim-bookworm AS builder

WORKDIR /build
ENV CARGO_TERM_COLOR=never \
    CARGO_INCREMENTAL=0

# 1) Dependencies, in their own layer: this layer is rebuilt only when Cargo.toml or Cargo.lock
#    change. Empty stand-in targets let cargo compile every dependency; the stand-ins, and every
#    artefact built from them, are deleted in the same step so that nothing of them can be
#    mistaken for the real crate later (src/ is removed as a whole: a stale stand-in lib.rs must
#    not survive if the real crate has no library target).
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src \
 && echo 'fn main() {}' > src/main.rs \
 && : > src/lib.rs \
 && cargo build --release --locked \
 && rm -rf src \
           target/release/quill target/release/quill.d \
           target/release/libquill.* \
           target/release/deps/quill-* target/release/deps/libquill-* \
           target/release/.fingerprint/quill-* target/release/build/quill-*

# 2) The crate itself. Migrations are embedded at compile time (sqlx::migrate!), so they are part
#    of the build input. Sources are touched so that their mtimes are newer than anything in
#    target/, whatever mtimes COPY preserved.
COPY src ./src
COPY migrations ./migrations
RUN find src migrations -type f -exec touch {} + \
 && cargo build --release --locked \
 && test -x target/release/quill

############################################################################################
# Runtime stage
############################################################################################
FROM debian:bookworm-slim AS runtime

# Build metadata only (never secrets): docker build --build-arg VERSION=... --build-arg REVISION=...
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="quill" \
      org.opencontainers.image.description="Medium-style publishing backend: the RealWorld (Conduit) API on SQLite or PostgreSQL" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="debian:bookworm-slim"

# TLS is rustls (no OpenSSL); ca-certificates is the only runtime package.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Unprivileged user with a fixed uid/gid (Kubernetes runAsUser / fsGroup rely on 10001), and the
# data directory it owns. /data holds the SQLite database when no PostgreSQL is configured.
RUN groupadd --system --gid 10001 quill \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin quill \
 && install -d -o 10001 -g 10001 -m 0750 /data

COPY --from=builder /build/target/release/quill /usr/local/bin/quill

ENV QUILL_ENV=production \
    DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=8080

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080

# `quill healthcheck` GETs http://127.0.0.1:$PORT/healthz (liveness) and exits 0 on 200 (no curl
# needed). Not readiness: a database outage must not make the orchestrator restart every replica.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["quill", "healthcheck"]

# quill handles SIGTERM itself (readiness turns 503, in-flight requests finish within
# SHUTDOWN_GRACE_SECS, exit 0), so it runs as PID 1 without an init. Give `docker stop` more
# time than SHUTDOWN_GRACE_SECS (default 20 s): docker stop -t 30 / --stop-timeout 30.
STOPSIGNAL SIGTERM
ENTRYPOINT ["quill"]
CMD ["serve"]
