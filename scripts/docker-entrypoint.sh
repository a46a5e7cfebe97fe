#!/bin/sh
# Apply migrations before serving unless told not to (several replicas: run them once,
# from a release job, with MIGRATE_ON_START=0 on the web containers).
set -e
if [ "${MIGRATE_ON_START:-1}" = "1" ]; then
  flask --app wsgi db upgrade
fi
exec "$@"
