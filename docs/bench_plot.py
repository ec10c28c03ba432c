"""The README's benchmark table as a figure (docs/benchmarks.rst)."""
import math
import re

import matplotlib.pyplot as plt

import readme_sections


def figures():
    """(row names, column names, {column: [ratio or None per row]})."""
    rows, cols, data = [], None, {}
    for line in readme_sections.section("Benchmarks").splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cols is None:
            cols = cells[1:]
            data = {c: [] for c in cols}
            continue
        if all(re.fullmatch(r":?-+:?", c) for c in cells):
            continue
        rows.append(cells[0].replace("`", ""))
        for c, v in zip(cols, cells[1:]):
            m = re.fullmatch(r"([0-9.]+)x", v)
            data[c].append(float(m.group(1)) if m else None)
    return rows, cols, data


rows, cols, data = figures()
fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.5))
height = 0.8 / len(cols)
for k, c in enumerate(cols):
    ys = [i + k * height for i, v in enumerate(data[c]) if v is not None]
    xs = [v for v in data[c] if v is not None]
    ax.barh(ys, xs, height=height, label=c)
ax.set_xscale("log")
ax.axvline(1.0, color="0.3", linewidth=0.8)
ax.set_yticks([i + 0.4 - height / 2 for i in range(len(rows))])
ax.set_yticklabels(rows, fontsize=8)
ax.invert_yaxis()
ax.set_xlabel("ratio (log scale): dualcalc / floats, or peer time / dualcalc time")
ax.legend(fontsize=8, loc="lower right")
ax.grid(True, axis="x", alpha=0.3)
fig.tight_layout()
