"""Adversarial nets: the DCGAN and WGAN networks (:mod:`.models`), their training loops by objective
(:mod:`.training`), the torch-free option sections and training-cell parts that configs hold
(:mod:`.options`) and the sample quality of digit generators (:mod:`.sample_quality`).
The 2024 course's vanilla and CNN-backbone GANs are in :mod:`.course_models`.
"""
