#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 and print a DATABASE_URL whose role may create
# databases (pytest-django creates its test database). Idempotent; safe to run on a machine that has one.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt-get update -q >&2 && apt-get install -y -q postgresql >&2
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || pg_ctlcluster "$version" main start >&2
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

# Trust auth for the postgres role (the machines of this project are set up so); otherwise a password role.
if psql "postgres://postgres@127.0.0.1:5432/postgres" -Atqc "select 1" >/dev/null 2>&1; then
  echo "postgres://postgres@127.0.0.1:5432/postgres"
  exit 0
fi
runuser -u postgres -- psql -qc "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='app') THEN
  CREATE ROLE app LOGIN CREATEDB PASSWORD 'app'; END IF; END\$\$;" >&2
runuser -u postgres -- psql -Atqc "SELECT 1 FROM pg_database WHERE datname='app'" | grep -q 1 \
  || runuser -u postgres -- createdb -O app app >&2
echo "postgres://app:app@127.0.0.1:5432/app"
