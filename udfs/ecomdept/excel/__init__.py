"""The only package that knows Excel: UDFs (functions.py) and buttons (buttons.py), kept thin over
the engine. Importing xlwings is optional so the functions stay callable as plain Python."""
