"""Image model of PhotoAI: numpy, Pillow, tifffile and rawpy only (no Qt, no torch, no plugin)."""
