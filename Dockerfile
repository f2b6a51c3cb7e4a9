# syntax=docker/dockerfile:1
# The Lockstep controller image. Node 24 runs the TypeScript sources directly (type
# stripping), so there is no build step: one stage installs the production dependencies,
# the runtime stage copies them with the sources and runs as a non-root user.
#
#   docker build -t lockstep/lockstep:0.1.0 .

# ---- dependencies: production only, from the lockfile ----------------------------------
FROM node:24.21.0-bookworm-slim AS deps
ENV CI=true
RUN npm install --global --no-audit --no-fund --loglevel=error pnpm@10.34.9
WORKDIR /app
# Manifests first, so the install layer is cached until a dependency changes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/core/package.json packages/core/
COPY packages/generic/package.json packages/generic/
COPY packages/vault-native/package.json packages/vault-native/
COPY packages/controller/package.json packages/controller/
# --prod leaves out devDependencies (the sandbox, TypeScript, Biome); the filter installs
# the controller and the workspace packages it depends on, nothing else.
RUN pnpm install --frozen-lockfile --prod --filter "@lockstep/controller..."
COPY packages/core/src packages/core/src
COPY packages/generic/src packages/generic/src
COPY packages/vault-native/src packages/vault-native/src
COPY packages/controller/src packages/controller/src

# ---- runtime ---------------------------------------------------------------------------
FROM node:24.21.0-bookworm-slim AS runtime
ENV NODE_ENV=production
# The package managers are not needed at run time; fewer tools in the image, less to patch.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
  && groupadd --system --gid 65532 lockstep \
  && useradd --system --uid 65532 --gid 65532 --no-create-home --shell /usr/sbin/nologin lockstep
WORKDIR /app
# Owned by root and read-only for the controller: it writes nothing to its filesystem.
COPY --from=deps /app /app
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "packages/controller/src/main.ts"]
