#!/bin/sh
# Grabs the frame at $TIME_OFFSET of s3://$S3_BUCKET/$INPUT_VIDEO and uploads it as $OUTPUT_FILE.
set -eu
aws s3 cp "s3://${S3_BUCKET}/${INPUT_VIDEO}" /tmp/input
ffmpeg -loglevel error -ss "${TIME_OFFSET:-00:00:01}" -i /tmp/input -frames:v 1 /tmp/frame.jpg
aws s3 cp /tmp/frame.jpg "s3://${S3_BUCKET}/${OUTPUT_FILE}"
