"""Recurrent forecasting: the LSTM (:mod:`.lstm`, its torch-free options in :mod:`.options`), the
lagged MLP (:mod:`.lagged_mlp`) and the helpers both use: lag matrices, closed-loop forecasts and their
errors (:mod:`.forecasting`)."""
