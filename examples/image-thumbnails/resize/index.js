// Resizes an uploaded image to a thumbnail under THUMB_PREFIX. The resizing library is left
// out of this example; the handler shows the event shape and the keys it reads and writes.
exports.handler = async (event) => {
  const prefix = process.env.THUMB_PREFIX ?? "thumbs/";
  const written = [];
  for (const record of event.Records ?? []) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    const name = key.split("/").pop();
    written.push(`${prefix}${name}`);
  }
  return { written };
};
