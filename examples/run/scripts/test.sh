#!/bin/sh
set -eu
echo "running the $1 tests against ${PIPEC_STAGE}"
