"""The files people read: payroll.csv and run.json, payslips (HTML, PDF with fonts), the results workbook, the report, diff and docs."""
