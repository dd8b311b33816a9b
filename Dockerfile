# Clawback in a container: the daemon is the container's main process and supervises the service
# it runs (the bundled demo gateway by default, OpenClaw with the build args below).
#
#   docker build -t clawback:0.1.0 .
#   docker run --rm --init -p 127.0.0.1:18790:18790 clawback:0.1.0      # embedded demo
#
# OpenClaw needs Node 24; build the variant with:
#   docker build --build-arg NODE_MAJOR=24 --build-arg OPENCLAW_VERSION=2026.9.6 -t clawback:0.1.0-openclaw .
#
# Signals and zombies: tini is PID 1 (it forwards SIGTERM to clawback and reaps orphans that the
# supervised service leaves behind), so `--init` / compose `init: true` is not needed, but harmless.

# Runtime Node major: 20 for Clawback and the demo gateway, 24 when the image also runs OpenClaw.
ARG NODE_MAJOR=20

# ---- build: compile TypeScript with the dev dependencies -------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the "prepare" script would build before the sources are copied.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
# tsc, then scripts/bundle-cli.mjs makes `status` one file and scripts/copy-assets.mjs puts the dashboard's static
# files beside the compiled server.
RUN npm run build

# ---- deps: production dependencies only ----------------------------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# ---- runtime ---------------------------------------------------------------------------------------
FROM node:${NODE_MAJOR}-bookworm-slim AS runtime
ARG OPENCLAW_VERSION=""
# tini: PID 1. procps: ps for the doctor's port and process checks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini procps \
 && rm -rf /var/lib/apt/lists/*
# Only with --build-arg OPENCLAW_VERSION=...: the OpenClaw CLI, installed globally as root.
RUN if [ -n "$OPENCLAW_VERSION" ]; then \
      npm install --global "openclaw@${OPENCLAW_VERSION}" && npm cache clean --force; \
    fi
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY examples ./examples
RUN chmod 0755 dist/cli/main.js \
 && ln -s /app/dist/cli/main.js /usr/local/bin/clawback \
 && mkdir -p /data/clawback /config \
 && chown -R 1000:1000 /data /config

# The node image's "node" user, numeric so that Kubernetes runAsNonRoot can verify it.
USER 1000:1000
# /data holds Clawback's state (journal, snapshots, token) and the service's own config; mount a
# volume there so last-known-good copies survive the container. /config is searched for
# clawback.yaml (the working directory); without one the embedded demo runs.
ENV NODE_ENV=production \
    CLAWBACK_STATE_DIR=/data/clawback
VOLUME ["/data"]
WORKDIR /config
EXPOSE 18789 18790

# The daemon's own health: `clawback status` reads daemon.json and the token from the state
# directory and asks the API; exit 3 when the daemon does not answer. The supervised service's
# health is Clawback's business (probes, ladder); compose files may check the service instead.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
  CMD ["clawback", "status", "--json"]

ENTRYPOINT ["/usr/bin/tini", "--", "clawback", "run"]
CMD []
