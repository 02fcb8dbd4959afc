# tracejudge: the OTLP receiver, the API and the workers (`tracejudge start`), or one role of them.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Dev dependencies are left out; tsx (a runtime dependency) runs the TypeScript sources as they are.
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY evaluators ./evaluators
COPY tsconfig.json ./
USER node
EXPOSE 4318
ENV HOST=0.0.0.0 PORT=4318
# A larger young generation: each span makes short-lived copies of its texts, and with the default
# 16 MiB semi-space garbage collection took about a tenth of the workers' CPU (see README, Performance).
ENTRYPOINT ["node", "--max-semi-space-size=32", "bin/tracejudge.mjs"]
CMD ["start"]
