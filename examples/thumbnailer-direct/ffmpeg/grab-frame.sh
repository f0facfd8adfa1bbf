#!/bin/sh
# Grabs the frame at $TIME_OFFSET of s3://$S3_BUCKET/$INPUT_VIDEO and uploads it as $OUTPUT_FILE,
# then, when $WEBHOOK_URL is set, posts the thumbnail's key there with $WEBHOOK_TOKEN (which ECS
# fills from the secret's parameter when the container starts).
set -eu
aws s3 cp "s3://${S3_BUCKET}/${INPUT_VIDEO}" /tmp/input
ffmpeg -loglevel error -ss "${TIME_OFFSET:-00:00:01}" -i /tmp/input -frames:v 1 /tmp/frame.jpg
aws s3 cp /tmp/frame.jpg "s3://${S3_BUCKET}/${OUTPUT_FILE}"
if [ -n "${WEBHOOK_URL:-}" ]; then
  curl -fsS -X POST -H "Authorization: Bearer ${WEBHOOK_TOKEN:?}" \
    -H "Content-Type: application/json" \
    --data "{\"key\":\"${OUTPUT_FILE}\"}" "${WEBHOOK_URL}" >/dev/null
fi
