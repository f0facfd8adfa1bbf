// Runs when a thumbnail lands in the bucket: logs where it is.
exports.handler = async (event) => {
  for (const record of event.Records ?? []) {
    const { bucket, object } = record.s3;
    console.log(`new thumbnail: s3://${bucket.name}/${decodeURIComponent(object.key)}`);
  }
  return { ok: true };
};
