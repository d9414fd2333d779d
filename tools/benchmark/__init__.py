"""The benchmark tools as a package; ``tools/benchmark_table.py`` is its command line.

* ``runs``: training configs × seeds, resumable, with the queue's progress.
* ``logs``: reading runs (mmengine work directories, OpenMixup JSON-lines logs).
* ``stats``: the one verdict rule every table uses (a paired difference's 95 % interval).
* ``masks``: what a learned mixup's masks look like at the end of training.
* ``table``: per-method statistics, paired differences, cells and the markdown table.
* ``plots``: bars, curves, cost and masks pictures.
* ``reports``: the compact summary table and the metafiles' Results notes.
"""
