#!/usr/bin/env python3
"""The shape of depth frames, to hold replay_capture --real to the real capture's:
  real_stats.py ../shared/data/binance-capture-2021-10-11/frames.txt   (TIME JSON a line)
  real_stats.py cap.txt                                               (a record = both capture)
Levels per frame and side, the share of removals, price and quantity digits, frame bytes."""
import collections
import json
import sys


def frames(path):
    for line in open(path, encoding="utf-8"):
        if line[0].isdigit():
            yield line.split(" ", 1)[1].strip()
        elif '"event":"frame"' in line:
            yield json.dumps(json.loads(line)["data"], separators=(",", ":"))


def digits(s):
    whole, frac = s.split(".")
    return len(whole), len(frac)


def main(path):
    n, size, zeros, total = 0, 0, 0, 0
    per = {"b": collections.Counter(), "a": collections.Counter()}
    changes = collections.Counter()
    px, qty = collections.Counter(), collections.Counter()
    for text in frames(path):
        d = json.loads(text)["data"]
        n += 1
        size += len(text)
        changes[len(d["b"]) + len(d["a"])] += 1
        for side in "ba":
            per[side][len(d[side])] += 1
            for p, q in d[side]:
                total += 1
                zeros += float(q) == 0
                px[digits(p)] += 1
                qty[digits(q)] += 1
    mean = lambda c: sum(k * v for k, v in c.items()) / n
    print(f"{n} frames, {size / n:.0f} bytes a frame")
    print(f"levels a frame: {mean(changes):.2f} ({mean(per['b']):.2f} bids, {mean(per['a']):.2f} asks)")
    print("frames by levels:", sorted(changes.items()))
    print(f"removals (quantity 0): {100 * zeros / total:.1f}% of {total} levels")
    print("price digits (whole, fraction):", px.most_common(4))
    print("quantity digits (whole, fraction):", qty.most_common(5))


if __name__ == "__main__":
    main(sys.argv[1])
