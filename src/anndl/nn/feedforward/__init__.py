"""Feed-forward networks: torch MLPs and the optimiser comparison of the 2024 course (more moves here
with the nn/ regrouping)."""
