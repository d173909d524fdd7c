#!/usr/bin/env bash
# The main job: a CPU-heavy workload from the in-memory source through the
# worker-thread pool on every core. No server needed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
install_dependencies
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec pnpm --silent demo "$@"
