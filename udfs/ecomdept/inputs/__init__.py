"""Where data enters: the master workbook's schema, cell and rule parsing, reading and validation, writing the master workbook, and the importers for clock and shop exports."""
