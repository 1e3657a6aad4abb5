"""Self-attention (numpy and torch) and the course's Vision Transformer (session 3.3)."""
