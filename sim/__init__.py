"""The simulated government web: four CMS families on localhost, with a day clock and ground truth.

Public entry points:

* :class:`sim.server.SimWeb` starts the four sites in a background thread.
* :func:`sim.server.serve_forever` backs ``policywatch sim serve``.
* :func:`sim.scenario.build_scenario` and :func:`sim.scenario.expected_events` give the
  scripted world and what a correct crawler should report about it.

Nothing here imports the product (``crawlers``, ``store``, ``alerts``).
"""

from __future__ import annotations

from sim.model import LAST_DAY, SITES

__all__ = ["LAST_DAY", "SITES"]
