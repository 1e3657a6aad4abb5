"""Feed-forward nets and MATLAB's training algorithms: the MLP (:mod:`.mlp`), ``train`` and its
per-epoch record (:mod:`.training`), many small nets trained together (:mod:`.train_many` on
:mod:`.batched`'s stacked weights) and the trainers' steps (:mod:`.classic`)."""
