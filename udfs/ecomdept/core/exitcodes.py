"""Exit codes everywhere: 0 ok, 1 data problems (report written), 2 usage error."""

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
