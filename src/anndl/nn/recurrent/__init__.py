"""Recurrent forecasters of the 2024 course: stateful LSTM / SimpleRNN and the lagged torch MLP (the
Santa Fe LSTM and lagged MLP of the 2023 report join them with the nn/ regrouping)."""
