# quill: container image (multi-stage).
#
#   docker build -t quill .
#   docker run --rm -p 127.0.0.1:8080:8080 -e JWT_SECRET="$(openssl rand -base64 48)" \
#     -v quill-data:/data quill
#
# Configuration is read from the environment at run time only (see docs/deploy.md): no secret is
# ever passed as a build argument or baked into a layer.

# The builder is pinned by digest: a tag can be moved upstream, a digest cannot, so every build
# compiles with the same toolchain and links against the same glibc it ships. To move to a newer
# build of the image, change tag and digest together:
#   docker buildx imagetools inspect rust:1.95-slim-bookworm     # the "Digest:" line
# A builder that cannot reach Docker Hub passes its local copy instead (scripts/container-test.sh):
#   docker build --build-arg RUST_IMAGE=rust:1.95-slim-bookworm .
ARG RUST_IMAGE=rust:1.95-slim-bookworm@sha256:caaf9ca7acd474892186860307d6f28e51fdbc1a4eada459fcff81517cf46a36

############################################################################################
# Build stage
############################################################################################
FROM ${RUST_IMAGE} AS builder

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

# 2) The crate itself. Migrations (sqlx::migrate!), page templates (askama) and the pages' static
#    files (include_bytes!) are embedded at compile time, so they are part of the build input.
#    Sources are touched so that their mtimes are newer than anything in target/, whatever mtimes
#    COPY preserved.
COPY src ./src
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
RUN find src migrations templates static -type f -exec touch {} + \
 && cargo build --release --locked \
 && test -x target/release/quill

# 3) The runtime's whole file system, assembled here because the runtime stage has no shell:
#    - the binary, and exactly the shared libraries ldd says it loads (glibc, libgcc_s) with the
#      dynamic loader, taken from this stage so that they are the ones it was linked against;
#    - nsswitch.conf with `hosts: files dns`: without the file glibc asks DNS before /etc/hosts;
#    - passwd and group entries for 10001, the fixed uid/gid that Kubernetes runAsUser / fsGroup
#      and the ECS task definition name;
#    - the system CA store, as in distroless, and the RDS CA bundle that PGSSLROOTCERT names
#      below (quill's own TLS client carries Mozilla's roots; RDS's private CAs are not among
#      them);
#    - /tmp, and /data owned by 10001: a volume mounted there starts with this owner and mode.
#    COPY --from keeps the owners and modes set here.
COPY deploy/rds-ca-bundle.pem /rootfs/etc/ssl/certs/rds-global-bundle.pem
RUN set -eu; \
    R=/rootfs; \
    mkdir -p "$R/etc/ssl/certs" "$R/usr/local/bin"; \
    install -m 0755 target/release/quill "$R/usr/local/bin/quill"; \
    ldd target/release/quill > /tmp/ldd.txt; \
    awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' /tmp/ldd.txt \
      | while read -r lib; do cp -L --parents "$lib" "$R/"; done; \
    printf 'hosts: files dns\n' > "$R/etc/nsswitch.conf"; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nquill:x:10001:10001:quill:/nonexistent:/sbin/nologin\n' \
      > "$R/etc/passwd"; \
    printf 'root:x:0:\nquill:x:10001:\n' > "$R/etc/group"; \
    install -m 0644 /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"; \
    install -d -m 1777 "$R/tmp"; \
    install -d -o 10001 -g 10001 -m 0750 "$R/data"

############################################################################################
# Runtime stage: nothing but the files above (no shell, no package manager)
############################################################################################
FROM scratch AS runtime

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
      org.opencontainers.image.base.name="scratch"

COPY --from=builder /rootfs /

# PATH: scratch sets none, and the entrypoint and health checks name `quill` without a path.
# PGSSLROOTCERT is read by quill's PostgreSQL driver: with DB_SSLMODE=verify-full the server's
# certificate must chain to one of these CAs and name DB_HOST (other modes never read the file).
ENV PATH=/usr/local/bin \
    QUILL_ENV=production \
    DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=8080 \
    PGSSLROOTCERT=/etc/ssl/certs/rds-global-bundle.pem

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080

# `quill healthcheck` GETs http://127.0.0.1:$PORT/healthz (liveness) and exits 0 on 200 (no curl
# needed). Not readiness: a database outage must not make the orchestrator restart every replica.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["quill", "healthcheck"]

# quill handles SIGTERM itself (readiness turns 503, in-flight requests finish within
# SHUTDOWN_GRACE_SECS, then up to 5 s to close the database pool, exit 0), so it runs as PID 1
# without an init. Give `docker stop` more than SHUTDOWN_GRACE_SECS + 5 s (default 20 + 5):
# docker stop -t 30 / --stop-timeout 30.
STOPSIGNAL SIGTERM
ENTRYPOINT ["quill"]
CMD ["serve"]
