"""Hopfield networks and attractor analysis: MATLAB's ``newhop`` design and ``sim`` dynamics
(:mod:`.network`), fixed points, end states and their stability (:mod:`.attractors`)."""
