#!/usr/bin/env bash
# The image's HEALTHCHECK: GET /healthz from the suite's monitoring endpoint (served by the
# janitor) with bash alone: the base image has no curl, and a probe should not start a Node
# process. Prints the answer, so `docker inspect` shows the reason; exits 0 only on a 200.
set -u
host=${OAM_METRICS_HOST:-127.0.0.1}
case $host in 0.0.0.0 | "::" | "[::]") host=127.0.0.1 ;; esac
port=${OAM_METRICS_PORT:-9477}
if ! exec 3<>"/dev/tcp/$host/$port"; then
  echo "nothing listens on $host:$port (the janitor serves /healthz; OAM_METRICS_PORT=0 turns it off)"
  exit 1
fi
printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >&3
if ! IFS= read -r -t 5 status <&3; then
  echo "no answer from $host:$port within 5 s"
  exit 1
fi
# Skip the headers, print the body (the reasons when unhealthy).
while IFS= read -r -t 5 line <&3 && [[ ${line%$'\r'} != "" ]]; do :; done
while IFS= read -r -t 5 line <&3; do echo "$line"; done
[[ $status == *" 200 "* ]]
