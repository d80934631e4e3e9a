"""Shouwang (守望): data integration and master data for rural low-income population monitoring.

The package follows the data flow; each stage is one subpackage:

    registry  -> the feed contracts (data)          landing  -> discover, archive, ledger, read
    staging   -> standardise, quarantine, apply      (linkage/ is a separate library, top level)
    db        -> engine, migrations, embedded PostgreSQL
"""

__version__ = "0.1.0"
