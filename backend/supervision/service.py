"""What supervisors (中队长, 指挥室) look at: the team's figures (统计), grid coverage, patrol
logs, device health. Plain functions over the database; each figure has a drill-down that
lists the records it counts, so a number on a report can always be traced.

Definitions (docs/supervision.md):
* periods are local calendar days [from 00:00, to+1 00:00) in Asia/Shanghai;
* `general_cases` / `simple_cases`: cases opened in the period, by procedure, not voided;
* `fines_total_fen`: fines decided in those cases; `fines_collected_fen`: payments
  (without the §72 surcharge) received in the period;
* `on_time_closure_rate` (按期结案率): of the cases closed in the period (not voided), the share
  closed by their legal deadline — the decision deadline (§60, 90 days after 立案, pauses
  included) for general cases, the filing deadline (备案) for simple ones;
* `matter_coverage_rate`: empowered matters with at least one case ÷ empowered matters;
* `officer_participation_rate`: certified officers with at least one case (as a deciding
  officer of a ticket or the opener of a general case) ÷ certified officers;
* residents' reports (`complaints_received`, 响应率, 办结率, 满意率, reports handed to each
  officer): complaint_figures.py.
"""
from __future__ import annotations

# The read side, split by concern; views and other callers use these names from here.
from .common import LAST_PATROLLED_LOOKBACK_DAYS, LATE_SYNC_S, now_local_date, period_bounds  # noqa: F401
from .coverage import (GridCoverage, coverage_geojson, grid_coverage, officer_coverage,  # noqa: F401
                       refresh_stale_patrols)
from .complaint_figures import COMPLAINT_RESPONSE_HOURS  # noqa: F401
from .figures import FIGURES, drill_down, stats  # noqa: F401
from .patrol_log import display_feature, patrol_log  # noqa: F401
