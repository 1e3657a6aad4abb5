"""Convolutional nets: the course's digit CNN, its SGD trainer and the conv output-size formula
(:mod:`.cnn`)."""
