# dcs-task-cleanup as a container image (README, "Scheduling the CLI"; deploy/kubernetes/cronjob.yaml).
#   docker build -t dcs-task-cleanup:0.4.0 .
#   docker run --rm --read-only -e CLOUD_SDK_AK -e CLOUD_SDK_SK -v "$PWD/cleanup.json:/config/cleanup.json:ro" \
#     dcs-task-cleanup:0.4.0 run --config /config/cleanup.json --dry-run
# The image holds what `npm pack` ships (the built dist/, schema/, README, LICENSE, CHANGELOG), installed as
# the package is installed anywhere; it runs as a non-root user and writes nothing but stdout and stderr.

FROM node:22-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# prepack builds dist/; the tarball's file list is the package's ("files" in package.json).
RUN npm pack --pack-destination /tmp && mv /tmp/dcs-task-cleanup-*.tgz /tmp/dcs-task-cleanup.tgz

FROM node:22-slim
COPY --from=build /tmp/dcs-task-cleanup.tgz /tmp/dcs-task-cleanup.tgz
RUN npm install --global --no-audit --no-fund /tmp/dcs-task-cleanup.tgz \
  && rm /tmp/dcs-task-cleanup.tgz \
  && npm cache clean --force
ENV NODE_ENV=production
# The image's own non-root user (uid 1000).
USER node
WORKDIR /home/node
ENTRYPOINT ["dcs-task-cleanup"]
CMD ["--help"]
