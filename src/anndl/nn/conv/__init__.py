"""Convolutional networks of the 2024 course."""
