#!/bin/sh
# Writes rabbitmq.conf from the environment (the official image's variables), then runs the server.
set -eu
conf=/etc/rabbitmq/rabbitmq.conf
{
  echo "loopback_users = none"
  echo "listeners.tcp.default = ${RABBITMQ_NODE_PORT:-5672}"
  echo "management.tcp.port = ${RABBITMQ_MANAGEMENT_PORT:-15672}"
  [ -n "${RABBITMQ_DEFAULT_USER:-}" ] && echo "default_user = $RABBITMQ_DEFAULT_USER"
  [ -n "${RABBITMQ_DEFAULT_PASS:-}" ] && echo "default_pass = $RABBITMQ_DEFAULT_PASS"
  true
} > "$conf"
exec "$@"
