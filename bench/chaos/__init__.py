"""The chaos check behind `python bench/chaos_place.py` (the CLI and its full description).

Nothing is imported here: the driver runs as `python -m bench.chaos.driver`.

* orchestrator.py  run(): the simulator with faults, the workers, the driver, the SIGKILLs
* driver.py        the Django process creating the orders, sweeping, syncing and comparing
* environment.py   the throwaway database, the Redis db, the worker fleet
* report.py        the report and the table the CLI prints
"""
