"""The benchmark tools' shared parts: ``stats`` (the one verdict rule every table uses)
and ``masks`` (what a learned mixup's masks look like, from the runs' own logs).
The command-line entry points are ``tools/benchmark_table.py`` and its siblings."""
