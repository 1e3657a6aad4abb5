"""Convolutional networks (the 2023 report's CNNs join them with the nn/ regrouping)."""
