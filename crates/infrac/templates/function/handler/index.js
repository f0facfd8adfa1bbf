// Runs for each object put in the bucket: S3 passes the event records as the argument.
exports.handler = async (event) => {
  for (const record of event.Records ?? []) {
    const { bucket, object } = record.s3;
    console.log(`new object: s3://${bucket.name}/${decodeURIComponent(object.key)} (${object.size} bytes)`);
  }
  return { ok: true };
};
