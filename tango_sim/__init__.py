"""A local simulator of Tango Card's RaaS API v2 (see shared/TANGO_API.md and README.md).

Run it with ``python -m tango_sim --port 8100``; it is pure standard library and never imports
Django or the ``orders`` package. Seed utids, customers and accounts are listed in
``tango_sim.seed``; scenario cents in ``tango_sim.scenarios`` and README.md; the helper for
other test suites is ``tango_sim.testing.running_simulator``.
"""
