"""Convolutional nets: the course's digit CNN, its SGD trainer and the conv output-size formula
(:mod:`.cnn`).
The 2024 course's CNN is :mod:`.course_cnn`.
"""
