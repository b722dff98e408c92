"""ecomdept — 电商部考勤、罚款、工资与绩效引擎。

The engine is pure Python + pandas and never imports xlwings; ``ecomdept.excel`` is the only
package that talks to Excel.
"""

__version__ = "0.1.0"
