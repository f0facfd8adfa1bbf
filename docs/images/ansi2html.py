#!/usr/bin/env python3
"""tmux `capture-pane -e -p` output (SGR colours) -> a standalone HTML page.

usage: ansi2html.py IN OUT --cols N --rows N --bg '#rrggbb' --fg '#rrggbb' [--cursor X,Y]

Handles 16, 256 and 24-bit colours, bold, italic, dim, reverse, strike-through,
underline styles and colours (4:3, 58;2;...). Draws a block cursor at X,Y.
Prints the page's size as W,H, for Chromium's --window-size. The text is
DejaVu Sans Mono at 15px on 17px lines, so box-drawing characters join up.
Used by screenshots.sh.
"""
import argparse, html, re, unicodedata

ap = argparse.ArgumentParser()
ap.add_argument("inp"); ap.add_argument("out")
ap.add_argument("--cols", type=int, required=True); ap.add_argument("--rows", type=int, required=True)
ap.add_argument("--bg", default="#14161b"); ap.add_argument("--fg", default="#e0e2ea")
ap.add_argument("--font-size", type=float, default=15.0); ap.add_argument("--line-height", type=int, default=17)
ap.add_argument("--title", default="")
ap.add_argument("--cursor", default="", help="x,y of a block cursor to draw (0-based)")
a = ap.parse_args()

BASE16 = ["#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
          "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"]

def xterm256(n):
    if n < 16: return BASE16[n]
    if n < 232:
        n -= 16; steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + 10 * (n - 232); return "#%02x%02x%02x" % (v, v, v)

class St:
    def __init__(s): s.reset()
    def reset(s):
        s.fg = None; s.bg = None; s.bold = False; s.dim = False; s.italic = False
        s.ul = None; s.ulc = None; s.rev = False; s.strike = False
    def key(s): return (s.fg, s.bg, s.bold, s.dim, s.italic, s.ul, s.ulc, s.rev, s.strike)

def colour(params, i):
    """params[i] is 38/48/58; returns (colour, next index)."""
    if i + 1 < len(params) and params[i + 1] == "5": return xterm256(int(params[i + 2])), i + 3
    if i + 1 < len(params) and params[i + 1] == "2":
        r, g, b = (int(x) for x in params[i + 2:i + 5]); return "#%02x%02x%02x" % (r, g, b), i + 5
    return None, i + 1

def apply(st, seq):
    params = re.split(r"[;]", seq) if seq else ["0"]
    i = 0
    while i < len(params):
        p = params[i]
        if ":" in p:  # 4:3 (undercurl) and the like
            main, sub = p.split(":", 1)
            if main == "4": st.ul = {"0": None, "1": "solid", "2": "double", "3": "wavy", "4": "dotted", "5": "dashed"}.get(sub, "solid")
            elif main in ("38", "48", "58"):
                parts = p.split(":"); vals = [x for x in parts[2:] if x != ""]
                if parts[1] == "2": c = "#%02x%02x%02x" % tuple(int(x) for x in vals[-3:])
                else: c = xterm256(int(vals[0]))
                setattr(st, {"38": "fg", "48": "bg", "58": "ulc"}[main], c)
            i += 1; continue
        n = int(p) if p else 0
        if n == 0: st.reset()
        elif n == 1: st.bold = True
        elif n == 2: st.dim = True
        elif n == 3: st.italic = True
        elif n == 4: st.ul = "solid"
        elif n == 7: st.rev = True
        elif n == 9: st.strike = True
        elif n == 21: st.ul = "double"
        elif n == 22: st.bold = st.dim = False
        elif n == 23: st.italic = False
        elif n == 24: st.ul = None
        elif n == 27: st.rev = False
        elif n == 29: st.strike = False
        elif 30 <= n <= 37: st.fg = BASE16[n - 30]
        elif n == 39: st.fg = None
        elif 40 <= n <= 47: st.bg = BASE16[n - 40]
        elif n == 49: st.bg = None
        elif 90 <= n <= 97: st.fg = BASE16[n - 90 + 8]
        elif 100 <= n <= 107: st.bg = BASE16[n - 100 + 8]
        elif n in (38, 48, 58):
            c, i = colour(params, i)
            setattr(st, {38: "fg", 48: "bg", 58: "ulc"}[n], c); continue
        elif n == 59: st.ulc = None
        i += 1

def style(st):
    fg, bg = st.fg or a.fg, st.bg
    if st.rev: fg, bg = (st.bg or a.bg), (st.fg or a.fg)
    css = ["color:" + fg]
    if bg: css.append("background:" + bg)
    if st.bold: css.append("font-weight:bold")
    if st.dim: css.append("opacity:.6")
    if st.italic: css.append("font-style:italic")
    deco = []
    if st.ul: deco.append("underline")
    if st.strike: deco.append("line-through")
    if deco:
        css.append("text-decoration-line:" + " ".join(deco))
        if st.ul and st.ul != "solid": css.append("text-decoration-style:" + st.ul)
        if st.ulc: css.append("text-decoration-color:" + st.ulc)
        css.append("text-underline-offset:3px")
    return ";".join(css)

def width(ch):
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1

text = open(a.inp, encoding="utf-8", errors="replace").read().split("\n")
if text and text[-1] == "": text.pop()
lines = (text + [""] * a.rows)[:a.rows]
st = St()
out_lines = []
tok = re.compile(r"\x1b\[([0-9;:]*)m|\x1b\[[0-9;?]*[A-Za-z]|([^\x1b]+)")
cursor = tuple(int(v) for v in a.cursor.split(",")) if a.cursor else None
for y, line in enumerate(lines):
    cells = []  # (text, style key, css)
    for m in tok.finditer(line):
        if m.group(2) is not None:
            for ch in m.group(2):
                cells.append((ch, st.key(), style(st)))
                if width(ch) == 2: cells.append(("", st.key(), style(st)))
        elif m.group(1) is not None:
            apply(st, m.group(1))
    while len(cells) < a.cols: cells.append((" ", None, "color:" + a.fg))
    if cursor and cursor[1] == y and cursor[0] < len(cells):
        ch = cells[cursor[0]][0] or " "
        cells[cursor[0]] = (ch, "cursor", "color:%s;background:%s" % (a.bg, a.fg))
    spans = []
    for ch, k, css in cells:
        if spans and spans[-1][0] == k: spans[-1][2] += ch
        else: spans.append([k, css, ch])
    htm = "".join('<span style="%s">%s</span>' % (css, html.escape(t)) for _, css, t in spans)
    out_lines.append('<div class="l">%s</div>' % htm)

cw = a.font_size * 1233 / 2048  # DejaVu Sans Mono advance width
pad = 14
W = int(round(a.cols * cw)) + 2 * pad
H = a.rows * a.line_height + 2 * pad
page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(a.title)}</title><style>
html,body{{margin:0;padding:0;background:{a.bg};overflow:hidden}}
.t{{padding:{pad}px;font-family:'DejaVu Sans Mono',monospace;font-size:{a.font_size}px;line-height:{a.line_height}px;color:{a.fg};
   font-variant-ligatures:none;-webkit-font-smoothing:antialiased}}
.l{{white-space:pre;height:{a.line_height}px;overflow:hidden}}
.l span{{display:inline-block;height:{a.line_height}px;vertical-align:top}}
</style></head><body><div class="t">
{chr(10).join(out_lines)}
</div></body></html>
"""
open(a.out, "w", encoding="utf-8").write(page)
print(f"{W},{H}")
