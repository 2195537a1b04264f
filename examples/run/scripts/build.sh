#!/bin/sh
# Builds the artifact: here, only says so. Idempotent, as every step
# command must be: `pipec run --resume` runs again a step it was running.
set -eu
echo "building ${PIPEC_ARTIFACTS} for $1"
