"""The mapping file of PM dialect C, as a user would write it by hand to onboard that export.

The generator writes it to ``<raw>/_mappings/kpis/vendor_c.yaml`` beside the world (ingest reads
a raw folder's own ``_mappings/`` besides the user's mappings folder), in the format every PM
mapping uses: where the timestamp is and how it reads, the zone of naive local times, the
resource id, and each warehouse counter's column with its unit conversion (warehouse value =
file value × scale + offset). Counters the dialect lacks are simply not named (they load as
NULL, "not measured"); columns the mapping does not name are kept as extra counters.
"""

from __future__ import annotations

from .config import LOCAL_TIMEZONE
from .delivery import VENDOR_C_TAKES_OVER
from .dialects import C_DATE_FORMAT, C_TIME_FORMAT
from .geography import REGIONS

MAPPING_PATH = "_mappings/kpis/vendor_c.yaml"
EXTRA_COLUMNS = ("RRC_CONN_MAX", "UL_THP_KBPS", "CQI_AVG")
VENDOR_C_REGIONS = tuple(r.name for r in REGIONS if r.vendor == VENDOR_C_TAKES_OVER)

_TEMPLATE = """\
# PM dialect C: vendor C's radio cells ({regions}), one file per local day
# (kpis/vendor_c/C_PM_YYYYMMDD.csv). Written by `cxbridge generate --pm-dialects A,B,C`; it is
# exactly the file an operator writes by hand to onboard an export cxbridge has never seen:
# copy it to <mappings>/kpis/<name>.yaml and change the column names, formats and units.
#
# What the export looks like:
#   DATE;TIME;CELL_NAME;PRB_UTIL_DL_PCT;ACTIVE_UE_AVG;...;CQI_AVG
#   25.10.2026;01:45;CELL-M-0001-1;63,4;12,27;...;11,8
name: vendor_c
# Stored with every row; the topology's vendor column says C for these cells.
vendor: C
description: "Vendor C RAN cell PM: ';' separated, decimal commas, DATE + TIME in local time"
# A file whose header holds all three columns is read with this mapping.
match: [DATE, TIME, CELL_NAME]
separator: ";"
# 63,4 means 63.4
decimal: ","
# The column names are on the first line.
header_row: 1
# The interval start is split over a date and a time-of-day column, ...
timestamp:
  date: {{column: DATE, format: "{date_format}"}}
  time: {{column: TIME, format: "{time_format}"}}
# ... in naive local time. The hour repeated when summer time ends appears twice, in time
# order: its first rows are the earlier instant.
time_zone: {zone}
# The topology's resource_id as it is, with no prefix to strip.
resource_id: {{column: CELL_NAME}}
# Every row is a cell: the export has no object-type column.
resource_type: {{value: cell}}
# warehouse counter: {{column: file column, scale, offset}}; value = file value × scale + offset
counters:
  dl_throughput_mbps: {{column: DL_THP_KBPS, scale: 0.001}}                # kbit/s → Mbit/s
  utilisation_pct: {{column: PRB_UTIL_DL_PCT}}                             # downlink PRB use, %
  latency_ms: {{column: PDCP_LAT_DL_MS}}                                   # downlink PDCP delay
  unavailable_s: {{column: CELL_AVAIL_PCT, scale: -9, offset: 900}}        # % up of 900 s → s down
  access_attempts: {{column: RRC_SETUP_ATT}}                               # RRC set-up attempts
  access_successes: {{column: RRC_SETUP_SUCC}}                             # RRC set-up successes
  drops: {{column: ERAB_DROPS}}                                            # abnormal E-RAB releases
  sessions: {{column: ACTIVE_UE_AVG}}                                      # average active UEs
  # Not in this export, so not named: jitter_ms, packet_loss_pct. They load as NULL
  # ("not measured"), never as 0 or 100 %.
# Every column not named above ({extras}) is kept as an extra counter.
extra_counters: keep
"""


def vendor_c_mapping() -> str:
    """The commented YAML text of dialect C's mapping."""
    return _TEMPLATE.format(regions=", ".join(VENDOR_C_REGIONS), zone=LOCAL_TIMEZONE,
                            date_format=C_DATE_FORMAT, time_format=C_TIME_FORMAT,
                            extras=", ".join(EXTRA_COLUMNS))
