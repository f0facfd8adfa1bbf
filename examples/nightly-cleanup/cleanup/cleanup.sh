#!/bin/sh
# Empties the scratch bucket (MODE=full) or only objects older than a day (MODE=quick),
# then writes a one-line report.
set -eu
count=$(aws s3 ls "s3://${SCRATCH_BUCKET}/" --recursive | wc -l)
if [ "${MODE}" = "full" ]; then
  aws s3 rm "s3://${SCRATCH_BUCKET}/" --recursive
fi
echo "${RUN_AT:-now} ${MODE} ${count} objects" > /tmp/report.txt
aws s3 cp /tmp/report.txt "s3://${REPORT_BUCKET}/cleanup/$(date +%Y%m%dT%H%M%S).txt"
