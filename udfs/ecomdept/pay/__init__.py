"""From attendance and sales to pay: penalties, deductions, social insurance and housing fund, income tax, the year-end bonus, performance bonuses, payroll per person, year-to-date history, cash."""
