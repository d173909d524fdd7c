#!/usr/bin/env bash
# Runs every test of the workspace against the real services they need.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
install_dependencies
ensure_redis
ensure_nats
ensure_postgres
ensure_rabbitmq
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec pnpm test "$@"
