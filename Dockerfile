# The reviewer image, built from source: a static binary, CA roots and a busybox shell on
# scratch, run as a non-root user.
#
#   docker build --target runtime --build-arg VERSION=v1.2.3 -t reviewer .
#
# Stages:
#   build    compiles the binary with scripts/build-static (cgo on for the tree-sitter
#            parsers, linked statically, so it needs no libc) and lays out the image's
#            root filesystem with scripts/rootfs
#   runtime  the image to publish and run, as uid 65532: docker run, the GitLab CI
#            template, any CI
#   action   runtime as root. It is the last stage because a GitHub Action's
#            "image: Dockerfile" builds the last stage and can not name a target, and
#            GitHub runs container actions as root: the mounted workspace and the
#            GITHUB_OUTPUT files belong to the runner's user, so uid 65532 could not
#            write its reports there.
#
# scripts/Containerfile.prebuilt makes the same runtime image from a binary built on the
# host (no base image to pull): keep the two runtime stages alike (a test checks).
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends busybox-static \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# VERSION is what "reviewer version" prints; empty falls back to the module's version.
ARG VERSION=""
RUN scripts/build-static /out/reviewer "${VERSION}" \
 && scripts/rootfs /rootfs /out/reviewer "$(command -v busybox)" /etc/ssl/certs/ca-certificates.crt

FROM scratch AS runtime
COPY --from=build /rootfs/ /
ENV PATH=/usr/local/bin:/bin HOME=/tmp
WORKDIR /work
USER 65532:65532
ENTRYPOINT ["reviewer"]

FROM runtime AS action
USER 0:0
