"""Optimal transport: colour transfer between images by an EMD or Sinkhorn plan on sampled pixels
(:mod:`.color_transfer`)."""
