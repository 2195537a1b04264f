#!/bin/sh
# Undoes the deployment of step PIPEC_STEP_ID.
set -eu
echo "rolling back ${PIPEC_STEP_ID} of $1"
