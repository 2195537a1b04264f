#!/bin/sh
# Deploys to the step's target, which arrives in PIPEC_* variables.
set -eu
where="${PIPEC_REGION:-?}${PIPEC_AZ:+/$PIPEC_AZ}${PIPEC_CELL:+/$PIPEC_CELL}"
box=""
if [ "${PIPEC_ONEBOX:-}" = true ]; then box=" (one-box)"; fi
echo "deploying ${PIPEC_ARTIFACTS} of $1 to ${PIPEC_STAGE} ${where}${box}"
# A secret arrives as an environment variable; anything printed is masked.
if [ -n "${DEPLOY_TOKEN:-}" ]; then echo "using token ${DEPLOY_TOKEN}"; fi
