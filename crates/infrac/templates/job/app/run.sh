#!/bin/sh
# One run of the job: writes a small report to s3://$REPORT_BUCKET/runs/.
set -eu
echo "ran at ${RUN_AT:-unknown}" > /tmp/report.txt
aws s3 cp /tmp/report.txt "s3://${REPORT_BUCKET}/runs/$(date -u +%Y%m%dT%H%M%SZ).txt"
