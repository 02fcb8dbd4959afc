# tracejudge: the OTLP receiver, the API and the workers (`tracejudge start`), or one role of them.

# Build: the TypeScript compiled to JavaScript in dist/ (`npm run build`), with the dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts are for running packages, not for compiling: tsc needs none of them.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/
COPY src ./src
COPY evaluators ./evaluators
RUN npm run build

# Run: production dependencies, the build and the CLI. No TypeScript tooling but tsx, a runtime
# dependency that loads users' evaluator modules written in TypeScript when there are any.
FROM node:24-bookworm-slim
# tini as PID 1: it forwards SIGTERM to Node, which then drains its workers within the shutdown
# grace, and it reaps zombie processes.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Without src/ beside it, bin/tracejudge.mjs runs the build.
USER node
EXPOSE 4318
ENV HOST=0.0.0.0 PORT=4318
# A larger young generation: each span makes short-lived copies of its texts, and with the default
# 16 MiB semi-space garbage collection took about a tenth of the workers' CPU (see README, Performance).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=32", "bin/tracejudge.mjs"]
CMD ["start"]
