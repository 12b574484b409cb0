#!/usr/bin/env python3
"""svg_pixels.py CLI DEMO_DIR: draws the demo's sharing figure (`winvm demo sharing`), renders it
to PNG with rsvg-convert, and checks that every page box and legend swatch shows, at its centre,
the colour the SVG declares for it: the picture people see is the one the data says.
Exit 0 when all match, 1 on a mismatch, 77 (skipped) without rsvg-convert."""
import os, re, shutil, struct, subprocess, sys, tempfile, zlib

def png_pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and not interlace, "unexpected PNG format"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return lambda x, y: tuple(rows[y][x * bpp:x * bpp + 3])

def main():
    cli, demo = sys.argv[1], sys.argv[2]
    if not shutil.which("rsvg-convert"):
        print("rsvg-convert missing (librsvg2-bin): skipped")
        return 77
    out = tempfile.mkdtemp(prefix="winvm-svg-")
    try:
        subprocess.run([cli, "demo", "sharing", demo, out], check=True, stdout=subprocess.DEVNULL)
        svg = os.path.join(out, "sharing.svg")
        subprocess.run(["rsvg-convert", "-o", os.path.join(out, "s.png"), svg], check=True)
        pixel = png_pixels(os.path.join(out, "s.png"))
        rects = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="(\d+)" height="(\d+)" fill="#([0-9a-f]{6})"',
                           open(svg).read())
        checked = 0
        for x, y, w, h, fill in rects:
            want = tuple(int(fill[i:i + 2], 16) for i in (0, 2, 4))
            got = pixel(int(float(x) + int(w) / 2), int(float(y) + int(h) / 2))
            if max(abs(a - b) for a, b in zip(got, want)) > 8:
                print(f"box at {x},{y}: declared #{fill}, rendered {got}")
                return 1
            checked += 1
        if checked < 20:
            print(f"only {checked} boxes found")
            return 1
        print(f"{checked} boxes render in their declared colours")
        return 0
    finally:
        shutil.rmtree(out, ignore_errors=True)

sys.exit(main())
