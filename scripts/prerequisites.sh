#!/usr/bin/env bash
# The Debian packages the test suites use, installed when missing (as root, with apt-get), so that
# `make test` works on a fresh machine with nothing done by hand. Without root or apt-get it stops at
# once, naming the first missing package and the command that installs it.
#
# Each line: <what proves it is installed> <Debian package> <what needs it>. The proof is a path
# (starting with /) or a command looked up on PATH.
set -euo pipefail

REQUIRED=(
  "/usr/bin/chromium chromium for the portal's browser tests"
  "docker-compose docker-compose for checking docker-compose.yml"
  "/usr/sbin/clamd clamav-daemon for the attachment virus-scan tests (a clamd of their own)"
  "/usr/sbin/dovecot dovecot-imapd for the email channel's tests (each starts its own IMAP server)"
  "/usr/sbin/rabbitmq-server rabbitmq-server for the fault matrix (it starts and kills a RabbitMQ node of its own)"
  "/usr/lib/postgresql/15/bin/initdb postgresql-15 for the fault matrix (it starts and crashes a PostgreSQL cluster of its own)"
  "wrk wrk for make bench and its short run in make test (the HTTP load generator)"
  "/usr/sbin/dockerd docker.io for the deployment suite (images built and run, compose brought up)"
  "/usr/bin/containerd containerd for the Docker engine"
  "/usr/sbin/runc runc for the Docker engine"
  "mmdebstrap mmdebstrap for building the base image locally from Debian packages"
  "pg_dump postgresql-client for the backup and restore drill"
)

present() {
  case "$1" in
    /*) [ -e "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
purposes=()
for line in "${REQUIRED[@]}"; do
  read -r proof package purpose <<<"$line"
  if ! present "$proof"; then
    missing+=("$package")
    purposes+=("$package ($purpose)")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  list=$(printf '%s, ' "${purposes[@]}")
  echo "make test needs Debian packages that are missing: ${list%, }; install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "installing Debian packages the tests use: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# The tests start their own daemons (clamd on its own socket, dovecot on its own port): packages must
# not start system ones.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for line in "${REQUIRED[@]}"; do
  read -r proof package purpose <<<"$line"
  present "$proof" || { echo "installing $package did not provide $proof" >&2; exit 1; }
done
