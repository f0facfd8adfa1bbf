"""The gallery: lists the pictures in MEDIA_BUCKET, each linked through a short-lived URL.

GET /         an HTML page of the bucket's .jpg and .png objects, newest first
GET /healthz  200 "ok" (the load balancer's health check)
"""

import html
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

BUCKET = os.environ.get("MEDIA_BUCKET", "")
PORT = int(os.environ.get("PORT", "8080"))
s3 = boto3.client("s3")


def pictures():
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for obj in page.get("Contents", []):
            if obj["Key"].lower().endswith((".jpg", ".jpeg", ".png")):
                found.append(obj)
    found.sort(key=lambda o: o["LastModified"], reverse=True)
    return found[:200]


def page():
    items = []
    for obj in pictures():
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": obj["Key"]}, ExpiresIn=300
        )
        name = html.escape(obj["Key"])
        items.append(f'<li><a href="{html.escape(url)}"><img src="{html.escape(url)}" alt="{name}" width="240"></a><br>{name}</li>')
    body = "\n".join(items) or "<li>No pictures yet: upload a .jpg to the bucket.</li>"
    return f"<!doctype html><title>Gallery</title><h1>Gallery</h1><ul>{body}</ul>"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/healthz":
            self.reply(200, "text/plain", "ok")
        elif self.path == "/":
            try:
                self.reply(200, "text/html; charset=utf-8", page())
            except Exception as err:  # the bucket is unreachable: say so, stay up
                self.reply(502, "text/plain", f"cannot list {BUCKET}: {err}")
        else:
            self.reply(404, "text/plain", "not found")

    def reply(self, status, content_type, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    ThreadingHTTPServer(("", PORT), Handler).serve_forever()
