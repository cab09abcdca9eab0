# The login-security gateway. Build: docker build -t gateway .
# Run:  docker run -p 8080:8080 -e GATEWAY_UPSTREAM=http://invoices:3001 -v gateway-data:/app/data \
#         -v $PWD/config/container.yaml:/etc/gateway/gateway.yaml:ro gateway
# The mounted file listens on 0.0.0.0 (the HEALTHCHECK follows its port and TLS); the volume keeps
# the keys and the LMDB store, so that a new container can open what the old one sealed.

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-slim
ENV NODE_ENV=production GATEWAY_CONFIG=/etc/gateway/gateway.yaml
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# data_dir (generated keys, the LMDB store) defaults to ./data: writable by the gateway's user
# only, and a volume so that enrollments survive a new container.
RUN mkdir -m 0700 data && chown node:node data
VOLUME /app/data
USER node
EXPOSE 8080
# Asks on the port and scheme the mounted gateway.yaml sets (listen.port, listen.tls).
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s \
  CMD ["node", "bin/gateway.js", "healthcheck"]
ENTRYPOINT ["node", "bin/gateway.js"]
CMD ["start"]
