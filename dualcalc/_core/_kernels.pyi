"""Type stubs for dualcalc._core._kernels (compiled kernels; nothing Python-visible)."""
