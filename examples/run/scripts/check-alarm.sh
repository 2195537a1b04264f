#!/bin/sh
# The alarm command: exit 0 when the alarm PIPEC_ALARM is OK in
# PIPEC_REGION, 1 when it is in alarm. A real one would ask the monitoring
# system; this one reports an alarm only in TRIAL_ALARM_REGION.
if [ -n "${PIPEC_REGION:-}" ] && [ "${PIPEC_REGION}" = "${TRIAL_ALARM_REGION:-}" ]; then
  echo "${PIPEC_ALARM} is in alarm in ${PIPEC_REGION}"
  exit 1
fi
exit 0
