"""The benchmark tools as a package; ``tools/benchmark_table.py`` (tables of runs),
``tools/benchmark_step.py`` (step cost of modes) and ``tools/benchmark_configs.py``
(step cost of whole configs) are its command lines.

* ``runs``: training configs × seeds, resumable, with the queue's progress.
* ``logs``: finding and reading runs (mmengine work directories; ``openmixup_logs``:
  OpenMixup's JSON-lines logs; ``run_record``: what every reader finishes a run with).
* ``stats``: the one verdict rule every table uses (a paired difference's 95 % interval).
* ``masks``: what a learned mixup's masks look like at the end of training.
* ``table``: per-method statistics, paired differences, cells and the markdown table.
* ``plots``: bars, curves, cost and masks pictures.
* ``reports``: the compact summary table and the metafiles' Results notes (written
  through a YAML parser).
* ``timing``: interleaved step timing, periods, backbone passes, the synthetic batch.
* ``modes``: the architectures and modes ``benchmark_step`` times.
* ``memory``: a mode's peak memory (a process of its own on the CPU).
"""
